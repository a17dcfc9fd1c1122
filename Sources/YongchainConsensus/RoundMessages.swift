import YongchainCore
import YongchainCrypto

/// Everything held for one round of the current height.
struct RoundMessages: Sendable {
    var prevotes: VoteSet
    var precommits: VoteSet
    /// From the round's proposer, in arrival order, distinct.
    var proposals: [Proposal] = []
    var proposalEquivocationReported = false

    init(height: UInt64, round: Int32) {
        prevotes = VoteSet(type: .prevote, height: height, round: round)
        precommits = VoteSet(type: .precommit, height: height, round: round)
    }

    subscript(type: VoteType) -> VoteSet {
        get { type == .prevote ? prevotes : precommits }
        set { if type == .prevote { prevotes = newValue } else { precommits = newValue } }
    }
}

/// A message for the next height, held until `startHeight` reaches it.
enum BufferedMessage: Sendable {
    case proposal(Proposal, isValid: Bool)
    case vote(Vote)

    var height: UInt64 {
        switch self {
        case .proposal(let p, _): return p.height
        case .vote(let v): return v.height
        }
    }

    var sender: Int {
        switch self {
        case .proposal(let p, _): return p.proposer
        case .vote(let v): return v.validator
        }
    }
}
