import YongchainCore
import YongchainCrypto

/// Remembers the consensus messages this validator signed at its latest height, so that it never signs two
/// different messages for one (height, round, step) — not even across a crash. Pure value, persisted inside
/// `SignerRecord`.
///
/// `ConsensusDriver` does all of the following for its shell. Whoever drives a `TendermintCore` without it MUST,
/// for every `.broadcastProposal` / `.broadcastVote`:
/// 1. ask `check(_:)`; on `.refuse` drop the message;
/// 2. on `.sign`: sign, call `record(_:signature:)`, and durably store the guard BEFORE sending anything;
/// 3. on `.resend(signature:)`: send the stored signature again (the same message was signed before a crash).
///
/// After a restart the shell MUST also hand the new core its own earlier messages (`restoredVotes`,
/// `restoredProposals`) and send them again.
public struct SignerGuard: Sendable, Equatable, CanonicalCodable {
    /// Signing order within a round: a proposal comes before the prevote, the prevote before the precommit.
    public enum SignStep: UInt8, Sendable, Hashable, Comparable {
        case proposal = 1, prevote = 2, precommit = 3
        public static func < (a: SignStep, b: SignStep) -> Bool { a.rawValue < b.rawValue }
    }

    /// One signing request: what would be signed, without the signature.
    public struct Message: Sendable, Equatable {
        public let height: UInt64
        public let round: Int32
        public let step: SignStep
        public let blockHash: Hash?
        /// The proposal's valid round; -1 for votes.
        public let validRound: Int32

        public init(height: UInt64, round: Int32, step: SignStep, blockHash: Hash?, validRound: Int32 = -1) {
            self.height = height
            self.round = round
            self.step = step
            self.blockHash = blockHash
            self.validRound = validRound
        }

        public init(_ vote: Vote) {
            self.init(height: vote.height, round: vote.round, step: vote.type == .prevote ? .prevote : .precommit,
                      blockHash: vote.blockHash)
        }

        public init(_ proposal: Proposal) {
            self.init(height: proposal.height, round: proposal.round, step: .proposal, blockHash: proposal.blockHash,
                      validRound: proposal.validRound)
        }

        /// Strict (height, round, step) order.
        func isAfter(_ other: Message) -> Bool {
            (height, round, step.rawValue) > (other.height, other.round, other.step.rawValue)
        }
    }

    public enum Verdict: Sendable, Equatable {
        /// Strictly later than anything signed before: sign it.
        case sign
        /// Exactly the message signed last: send this stored signature again, do not sign anew.
        case resend(signature: [UInt8])
        /// Earlier than, or conflicting with, what was signed: never sign it.
        case refuse(reason: String)
    }

    /// A message as signed, with its signature.
    public struct Signed: Sendable, Equatable {
        public let message: Message
        public let signature: [UInt8]
    }

    /// How many messages of the latest height are kept for `restoredVotes` / `restoredProposals`.
    public static let historyLimit = 64

    /// The messages signed at the latest height, oldest first (at most `historyLimit`); the last is the last
    /// signed message, against which `check` orders new requests.
    public private(set) var history: [Signed]

    public var last: Message? { history.last?.message }
    public var lastSignature: [UInt8] { history.last?.signature ?? [] }

    public init() { self.init(history: []) }

    private init(history: [Signed]) { self.history = history }

    public func check(_ message: Message) -> Verdict {
        guard let last else { return .sign }
        if message.isAfter(last) { return .sign }
        if message == last { return .resend(signature: lastSignature) }
        let what = "\(message.step) for height \(message.height) round \(message.round)"
        if message.height == last.height && message.round == last.round && message.step == last.step {
            return .refuse(reason: "already signed a different \(what)")
        }
        return .refuse(reason: "\(what) is earlier than the last signed message (height \(last.height) round \(last.round) \(last.step))")
    }

    public func check(_ vote: Vote) -> Verdict { check(Message(vote)) }
    public func check(_ proposal: Proposal) -> Verdict { check(Message(proposal)) }

    /// Records a message just signed. Only call it after `check` answered `.sign`.
    public mutating func record(_ message: Message, signature: [UInt8]) {
        precondition(check(message) == .sign, "recording a message the guard did not allow")
        if let last, last.height != message.height { history.removeAll() }
        history.append(Signed(message: message, signature: signature))
        if history.count > SignerGuard.historyLimit { history.removeFirst(history.count - SignerGuard.historyLimit) }
    }

    /// Our signed votes of the latest height. After a restart the shell MUST feed these (and
    /// `restoredProposals`) to the new core after `.startHeight`, and send them again: a fresh core does not know
    /// what it voted before the crash, and the guard refuses to sign those steps again, so without them the
    /// votes could be lost for good and a network with no spare validators would stall.
    public func restoredVotes(validator: Int) -> [Vote] {
        history.compactMap { s in
            let m = s.message
            guard m.step != .proposal else { return nil }
            return Vote(type: m.step == .prevote ? .prevote : .precommit, height: m.height, round: m.round,
                        blockHash: m.blockHash, validator: validator, signature: s.signature)
        }
    }

    /// Our signed proposals of the latest height; see `restoredVotes`.
    public func restoredProposals(proposer: Int) -> [Proposal] {
        history.compactMap { s in
            let m = s.message
            guard m.step == .proposal, let hash = m.blockHash else { return nil }
            return Proposal(height: m.height, round: m.round, blockHash: hash, validRound: m.validRound,
                            proposer: proposer, signature: s.signature)
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.list(history) { w, s in
            w.u64(s.message.height)
            w.u32(UInt32(bitPattern: s.message.round))
            w.u8(s.message.step.rawValue)
            w.optionalHash(s.message.blockHash)
            w.u32(UInt32(bitPattern: s.message.validRound))
            w.bytes(s.signature)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let history = try r.list("signerGuard.history", max: SignerGuard.historyLimit) { r in
            let height = try r.u64("signerGuard.height")
            let round = Int32(bitPattern: try r.u32("signerGuard.round"))
            guard let step = SignStep(rawValue: try r.u8("signerGuard.step")) else {
                throw EncodingError.invalid("signerGuard.step", "unknown step")
            }
            let hash = try r.optionalHash("signerGuard.blockHash")
            let validRound = Int32(bitPattern: try r.u32("signerGuard.validRound"))
            let signature = try r.bytes("signerGuard.signature", max: 256)
            return Signed(message: Message(height: height, round: round, step: step, blockHash: hash, validRound: validRound),
                          signature: signature)
        }
        self.init(history: history)
    }
}
