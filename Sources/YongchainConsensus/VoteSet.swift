import YongchainCore
import YongchainCrypto

/// The votes of one type for one (height, round), with running power tallies by voting power.
///
/// As in the paper, "2f+1 ⟨PREVOTE, h, r, id(v)⟩" counts the distinct validators that signed that message: an
/// equivocating validator's votes count once for each value it voted for (at most `maxValuesPerValidator`), and
/// once in `totalPower`. Keeping only its first vote would let f equivocators hide a polka from some honest
/// validators forever (they would never unlock). Safety is unaffected: two quorums for different values in one
/// round would need more than f equivocators.
public struct VoteSet: Sendable {
    /// What `add` did with a vote.
    public enum AddResult: Sendable, Equatable {
        case added
        /// The same validator already cast this same vote; nothing changed.
        case duplicate
        /// The validator already cast a different vote here: equivocation. The new vote is counted for its own
        /// value (not again in `totalPower`); `existing` is the first vote, for the evidence.
        case conflict(existing: Vote)
    }

    public let type: VoteType
    public let height: UInt64
    public let round: Int32
    public static let maxValuesPerValidator = 4
    private var byValidator: [Int: Vote] = [:]
    /// Further votes of equivocating validators, for values other than their first vote.
    private var conflicting: [Int: [Vote]] = [:]
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
            if existing.blockHash == vote.blockHash { return .duplicate }
            var others = conflicting[vote.validator] ?? []
            if others.contains(where: { $0.blockHash == vote.blockHash }) { return .duplicate }
            if others.count + 1 < VoteSet.maxValuesPerValidator {
                others.append(vote)
                conflicting[vote.validator] = others
                tally[vote.blockHash, default: 0] += power
            }
            return .conflict(existing: existing)
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

    /// Every vote held, by validator index (an equivocator's first vote, then its others).
    public var votes: [Vote] {
        byValidator.keys.sorted().flatMap { [byValidator[$0]!] + (conflicting[$0] ?? []) }
    }

    /// The block hashes (never nil) whose voters hold at least `threshold` power.
    public func blocks(withAtLeast threshold: UInt64) -> [Hash] {
        tally.compactMap { key, power in power >= threshold ? key : nil }.sorted()
    }
}
