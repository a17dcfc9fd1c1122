import YongchainCore
import YongchainCrypto

/// The votes of one type for one (height, round), with running power tallies by voting power.
///
/// As in the paper, "2f+1 ⟨PREVOTE, h, r, id(v)⟩" counts every validator that sent a prevote for v, so an
/// equivocator's vote counts toward each value it voted for, once; `totalPower` ("2f+1 of anything") counts each
/// validator once. Quorum intersection keeps this safe: correct validators never equivocate. Memory stays
/// bounded: a validator's first vote is always kept, a conflicting one only for a value that validators with
/// `conflictThreshold` (f+1) power already voted for, and at most ⌊total/(f+1)⌋ values can have that.
public struct VoteSet: Sendable {
    /// What `add` did with a vote.
    public enum AddResult: Sendable, Equatable {
        case added
        /// The same validator already cast this same vote; nothing changed.
        case duplicate
        /// The validator already cast a different vote here: equivocation. `counted` says whether the new vote
        /// was kept and counted for its value (see the type's comment).
        case conflict(existing: Vote, counted: Bool)
    }

    public let type: VoteType
    public let height: UInt64
    public let round: Int32
    /// Each validator's distinct votes, first one first.
    private var byValidator: [Int: [Vote]] = [:]
    private var tally: [Hash?: UInt64] = [:]
    /// Power of every validator that voted here, whatever for.
    public private(set) var totalPower: UInt64 = 0
    private var equivocators: Set<Int> = []

    public init(type: VoteType, height: UInt64, round: Int32) {
        self.type = type
        self.height = height
        self.round = round
    }

    /// Records `vote` (which must match this set's type, height and round) with its validator's `power`.
    /// A conflicting vote is counted only if its value already has `conflictThreshold` power.
    public mutating func add(_ vote: Vote, power: UInt64, conflictThreshold: UInt64) -> AddResult {
        precondition(vote.type == type && vote.height == height && vote.round == round, "vote added to the wrong vote set")
        guard let existing = byValidator[vote.validator] else {
            byValidator[vote.validator] = [vote]
            tally[vote.blockHash, default: 0] += power
            totalPower += power
            return .added
        }
        if existing.contains(where: { $0.blockHash == vote.blockHash }) { return .duplicate }
        let counted = self.power(for: vote.blockHash) >= conflictThreshold
        if counted {
            byValidator[vote.validator]!.append(vote)
            tally[vote.blockHash, default: 0] += power
        }
        return .conflict(existing: existing[0], counted: counted)
    }

    /// Marks `validator` as caught equivocating; true the first time only, so evidence is reported once.
    mutating func noteEquivocation(_ validator: Int) -> Bool { equivocators.insert(validator).inserted }

    /// Power of the validators that voted for `blockHash` (nil: voted nil).
    public func power(for blockHash: Hash?) -> UInt64 { tally[blockHash] ?? 0 }

    /// The first vote `validator` cast here, if any.
    public func vote(of validator: Int) -> Vote? { byValidator[validator]?.first }

    /// Every vote held, by validator index (an equivocator's counted votes in arrival order).
    public var votes: [Vote] { byValidator.keys.sorted().flatMap { byValidator[$0]! } }

    /// The block hashes (never nil) whose voters hold at least `threshold` power.
    public func blocks(withAtLeast threshold: UInt64) -> [Hash] {
        tally.compactMap { key, power in power >= threshold ? key : nil }.sorted()
    }
}
