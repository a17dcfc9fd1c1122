import YongchainCore

/// What consensus reads from application state: the validator schedule and the consensus parameters. Written at
/// genesis, changed only by governance (docs/governance.md).
///
/// | key | value |
/// |---|---|
/// | `consensus/validators` | `ValidatorSchedule` |
/// | `consensus/parameters` | `ConsensusParameters` |
extension StateKey {
    static let validatorSchedule = Array("consensus/validators".utf8)
    static let consensusParameters = Array("consensus/parameters".utf8)
}

extension LedgerApplication {
    public func validatorSchedule(state: StateReader) throws -> ValidatorSchedule {
        guard let bytes = state.get(StateKey.validatorSchedule) else {
            try state.checkReads()
            throw EncodingError.invalid("consensus/validators", "the state holds no validator schedule")
        }
        return try ValidatorSchedule(canonical: bytes)
    }

    public func consensusParameters(state: StateReader) throws -> ConsensusParameters {
        guard let bytes = state.get(StateKey.consensusParameters) else {
            try state.checkReads()
            throw EncodingError.invalid("consensus/parameters", "the state holds no consensus parameters")
        }
        return try ConsensusParameters(canonical: bytes)
    }
}
