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

    public func validatorSetHistory(state: StateReader) throws -> [(from: UInt64, set: ValidatorSet)] {
        var out: [(from: UInt64, set: ValidatorSet)] = []
        var after: [UInt8]?
        while true {
            let page = state.scan(prefix: StateKey.validatorSetPrefix, after: after, limit: 1_000)
            for (k, v) in page {
                guard let from = UInt64(String(decoding: k.dropFirst(StateKey.validatorSetPrefix.count), as: UTF8.self)) else {
                    throw EncodingError.invalid("consensus/validator-sets", "a key that is not a height")
                }
                out.append((from, try ValidatorSet(canonical: v)))
            }
            guard page.count == 1_000, let last = page.last else { break }
            after = last.key
        }
        try state.checkReads()
        return out
    }
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

extension LedgerApplication {
    public func memberNodes(state: StateReader) throws -> [MemberNode] {
        let members = Governance.members(state)
        try state.checkReads()
        return members.map { MemberNode(name: $0.name, publicKey: $0.publicKey, address: $0.address) }
    }
}
