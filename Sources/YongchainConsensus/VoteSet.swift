import YongchainCore
import YongchainCrypto

/// The votes of one type for one (height, round): at most one per validator, with running power tallies.
/// Counting is by voting power, never by number of votes.
public struct VoteSet: Sendable {
    /// What `add` did with a vote.
    public enum AddResult: Sendable, Equatable {
        case added
        /// The same validator already cast this same vote; nothing changed.
        case duplicate
        /// The validator already cast a different vote here: equivocation. The new vote is not counted.
        case conflict(existing: Vote)
    }

    public let type: VoteType
    public let height: UInt64
    public let round: Int32
    private var byValidator: [Int: Vote] = [:]
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
    public mutating func add(_ vote: Vote, power: UInt64) -> AddResult {
        precondition(vote.type == type && vote.height == height && vote.round == round, "vote added to the wrong vote set")
        if let existing = byValidator[vote.validator] {
            return existing.blockHash == vote.blockHash ? .duplicate : .conflict(existing: existing)
        }
        byValidator[vote.validator] = vote
        tally[vote.blockHash, default: 0] += power
        totalPower += power
        return .added
    }

    /// Marks `validator` as caught equivocating; true the first time only, so evidence is reported once.
    mutating func noteEquivocation(_ validator: Int) -> Bool { equivocators.insert(validator).inserted }

    /// Power of the validators that voted for `blockHash` (nil: voted nil).
    public func power(for blockHash: Hash?) -> UInt64 { tally[blockHash] ?? 0 }

    /// The vote `validator` cast here, if any.
    public func vote(of validator: Int) -> Vote? { byValidator[validator] }

    /// Every vote held, by validator index.
    public var votes: [Vote] { byValidator.values.sorted { $0.validator < $1.validator } }

    /// The block hashes (never nil) whose voters hold at least `threshold` power.
    public func blocks(withAtLeast threshold: UInt64) -> [Hash] {
        tally.compactMap { key, power in power >= threshold ? key : nil }.sorted()
    }
}
