import YongchainConsensus
import YongchainCore

/// What the committed state at a tip says the next blocks must follow: which validator sets sign them and the
/// consensus parameters (docs/governance.md). Both come from the application's state, so governance changes
/// them by ordinary transactions and every node reads the same answer from the same committed state.
struct ChainRules: Sendable, Equatable {
    /// The committed height the rules were read at.
    let tip: UInt64
    let schedule: ValidatorSchedule
    let parameters: ConsensusParameters

    /// The set that signs `height`, for `tip` (it signed the tip's certificate) to `tip + 2`; nil outside them.
    /// A change is decided at least two heights before it signs and a new one only once the last one signs (one
    /// at a time), so the schedule read at `tip` knows every set of that range and no other.
    func validators(at height: UInt64) -> ValidatorSet? {
        guard height >= tip, height - tip <= ValidatorSchedule.delay else { return nil }
        return schedule.set(at: height)
    }

    /// The sets that sign `tip + 1` and `tip + 2`: what the consensus driver needs to begin `tip + 1`.
    var nextHeight: HeightValidators { HeightValidators(schedule, height: tip + 1) }

    /// Reads the rules from `state`, the committed state at `tip`.
    static func read(_ application: Application, state: StateReader, tip: UInt64) throws -> ChainRules {
        ChainRules(tip: tip, schedule: try application.validatorSchedule(state: state),
                   parameters: try application.consensusParameters(state: state))
    }
}
