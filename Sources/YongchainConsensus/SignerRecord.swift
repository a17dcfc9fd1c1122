import YongchainCore
import YongchainCrypto

/// What a validator stores durably before any signature leaves it, and all it needs to resume after a restart:
/// the double-sign guard (the messages it signed at its latest height), the locked and valid values it held when
/// it signed, and the other validators' votes that justify its round and its valid value.
///
/// `ConsensusDriver` builds it and hands it over in `Ready.persist`; the shell stores `canonicalBytes` and, at
/// boot, gives the decoded value back in `.restart`. The shell never builds or changes one. With it the shell
/// SHOULD store the blocks in `blocks` (it holds them when it persists): after a restart the driver re-proposes
/// and re-sends only blocks the shell still holds.
public struct SignerRecord: Sendable, Equatable, CanonicalCodable {
    /// A value with the round in which it was locked or became valid (the paper's lockedValue/lockedRound,
    /// validValue/validRound).
    public struct RoundValue: Sendable, Equatable {
        public let value: Hash
        public let round: Int32

        public init(value: Hash, round: Int32) {
            self.value = value
            self.round = round
        }
    }

    public internal(set) var guardState: SignerGuard
    /// The height the record was written at: the height of the last signed message (0: nothing signed yet).
    public internal(set) var height: UInt64
    public internal(set) var locked: RoundValue?
    public internal(set) var valid: RoundValue?
    /// `TendermintCore.justification` when the record was written: other validators' signed votes that took
    /// this one into `round` and that make `valid` valid (at most two per validator).
    public internal(set) var justification: [Vote]

    /// Nothing signed yet: what a fresh validator starts from.
    public init() {
        self.init(guardState: SignerGuard(), height: 0, locked: nil, valid: nil, justification: [])
    }

    init(guardState: SignerGuard, height: UInt64, locked: RoundValue?, valid: RoundValue?, justification: [Vote]) {
        self.guardState = guardState
        self.height = height
        self.locked = locked
        self.valid = valid
        self.justification = justification
    }

    /// The round of the last message signed at `height`: where a restarted validator resumes.
    public var round: Int32 { lastSignedHere?.round ?? 0 }

    /// The step of that message (a proposal is signed in step propose).
    public var step: Step {
        switch lastSignedHere?.step {
        case .proposal, nil: return .propose
        case .prevote: return .prevote
        case .precommit: return .precommit
        }
    }

    /// The blocks this record may need after a restart: those of its own proposals at `height` (to send them
    /// again) and its valid value (to propose it again, lines 15-16).
    public var blocks: Set<Hash> {
        var hashes = Set(guardState.history.compactMap { $0.message.height == height && $0.message.step == .proposal ? $0.message.blockHash : nil })
        if let valid { hashes.insert(valid.value) }
        return hashes
    }

    var lastSignedHere: SignerGuard.Message? {
        guard let last = guardState.last, last.height == height, height > 0 else { return nil }
        return last
    }

    /// The most votes a stored record may carry: validator indices are 16-bit, and a validator's votes appear at
    /// most twice (an equivocator's counted second vote) in each of the two parts.
    static let maxJustification = 4 * 65_536

    // The first four fields are the layout the node stored before the justification existed (its own
    // SignerRecord), so a node upgraded in place still reads its guard and lock; such a record justifies nothing.
    public func encode(to w: inout CanonicalWriter) {
        w.item(guardState)
        w.u64(height)
        for pair in [locked, valid] {
            if let p = pair { w.u8(1); w.hash(p.value); w.u32(UInt32(bitPattern: p.round)) } else { w.u8(0) }
        }
        w.list(justification) { w, v in w.item(v) }
    }

    public init(from r: inout CanonicalReader) throws {
        guardState = try r.item()
        height = try r.u64("signerRecord.height")
        var pairs: [RoundValue?] = []
        for what in ["signerRecord.locked", "signerRecord.valid"] {
            pairs.append(try r.bool(what) ? RoundValue(value: try r.hash(what), round: Int32(bitPattern: try r.u32(what))) : nil)
        }
        locked = pairs[0]
        valid = pairs[1]
        justification = r.remaining == 0 ? []
            : try r.list("signerRecord.justification", max: SignerRecord.maxJustification) { r in try r.item(Vote.self) }
    }
}
