import YongchainCore

/// What consensus reads from application state: the validator schedule and the consensus parameters. Written at
/// genesis, changed only by governance (docs/governance.md).
///
/// | key | value |
/// |---|---|
/// | `consensus/validators` | `ValidatorSchedule` |
/// | `consensus/parameters` | `ConsensusParameters` |
/// | `consensus/validator-sets/<first height, 20 digits>` | `ValidatorSet`: every set the chain has had |
extension StateKey {
    static let validatorSchedule = Array("consensus/validators".utf8)
    static let consensusParameters = Array("consensus/parameters".utf8)
    static let validatorSetPrefix = Array("consensus/validator-sets/".utf8)
    static func validatorSet(from height: UInt64) -> [UInt8] {
        let digits = String(height)
        return validatorSetPrefix + Array((String(repeating: "0", count: 20 - digits.count) + digits).utf8)
    }
}

extension LedgerApplication {
    /// Records `schedule` as the one in force, and its new set in the history. Governance calls it when a
    /// validator change passes (`ValidatorSchedule.changed(to:decidedAt:)`); genesis with its own set.
    static func write(_ schedule: ValidatorSchedule, state: StateOverlay) {
        state.set(StateKey.validatorSchedule, schedule.canonicalBytes)
        state.set(StateKey.validatorSet(from: schedule.from), schedule.current.canonicalBytes)
    }
}
