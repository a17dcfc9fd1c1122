import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

/// Validators with distinct fake keys (the core never verifies signatures) and the given powers.
func validatorSet(_ powers: [UInt64]) -> ValidatorSet {
    ValidatorSet(powers.enumerated().map { i, power in
        Validator(name: "v\(i)", publicKey: PublicKey(suite: .ed25519, bytes: [UInt8](repeating: UInt8(i + 1), count: 32))!,
                  power: power)
    })
}

/// A distinct block hash per label.
func block(_ label: String) -> Hash { HashSuite.sha256.digest(Array("block:\(label)".utf8)) }

let testTimeouts = TimeoutParameters(proposeMs: 300, proposeDeltaMs: 30, prevoteMs: 100, prevoteDeltaMs: 10,
                                     precommitMs: 100, precommitDeltaMs: 10)

/// Drives one TendermintCore by hand, the way raft_paper_test.go drives a raft node.
struct Harness {
    var core: TendermintCore
    var validators: ValidatorSet { core.validators }

    init(powers: [UInt64] = [1, 1, 1, 1], me: Int?, limits: ConsensusLimits = .default) {
        core = TendermintCore(validators: validatorSet(powers), me: me, timeouts: testTimeouts, limits: limits)
    }

    func proposer(_ round: Int32, height: UInt64 = 1) -> Int { validators.proposer(height: height, round: round) }

    @discardableResult
    mutating func handle(_ input: ConsensusInput) -> [ConsensusOutput] { core.handle(input) }

    @discardableResult
    mutating func start(_ height: UInt64 = 1) -> [ConsensusOutput] { core.handle(.startHeight(height)) }

    /// A proposal from the rightful proposer of (height, round).
    @discardableResult
    mutating func propose(_ value: Hash, round: Int32, validRound: Int32 = -1, valid: Bool = true, height: UInt64 = 1) -> [ConsensusOutput] {
        let p = Proposal(height: height, round: round, blockHash: value, validRound: validRound, proposer: proposer(round, height: height))
        return core.handle(.proposal(p, isValid: valid))
    }

    @discardableResult
    mutating func votes(_ type: VoteType, from validators: [Int], round: Int32, _ value: Hash?, height: UInt64 = 1) -> [ConsensusOutput] {
        validators.flatMap { v in
            core.handle(.vote(Vote(type: type, height: height, round: round, blockHash: value, validator: v, signature: [UInt8(truncatingIfNeeded: v)])))
        }
    }

    @discardableResult
    mutating func fire(_ kind: TimeoutKind, round: Int32, height: UInt64 = 1) -> [ConsensusOutput] {
        core.handle(.timeout(Timeout(kind: kind, height: height, round: round)))
    }
}

func prevote(_ h: UInt64, _ r: Int32, _ value: Hash?, by v: Int) -> ConsensusOutput {
    .broadcastVote(Vote(type: .prevote, height: h, round: r, blockHash: value, validator: v))
}

func precommit(_ h: UInt64, _ r: Int32, _ value: Hash?, by v: Int) -> ConsensusOutput {
    .broadcastVote(Vote(type: .precommit, height: h, round: r, blockHash: value, validator: v))
}

extension ConsensusOutput {
    var isBroadcast: Bool {
        switch self {
        case .broadcastVote, .broadcastProposal, .requestValue: return true
        default: return false
        }
    }
    var decided: Hash? {
        if case .decide(_, _, let h, _) = self { return h }
        return nil
    }
}
