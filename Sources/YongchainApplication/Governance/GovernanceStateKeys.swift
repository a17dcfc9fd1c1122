import YongchainCore

/// Governance's state (a schema: changing a key's form changes every state hash). Members' keys
/// (`member/`, `member-name/`, `revoked/`) are in `Members/MembersStateKeys.swift`; the validator schedule and
/// consensus parameters in `Members/ConsensusStateKeys.swift`.
///
/// | key | value |
/// |---|---|
/// | `governance/rules` | `GovernanceRules` |
/// | `governance/next-id` | u64: the id the next proposal gets (absent: 1) |
/// | `governance/proposal/<id, 20 zero-padded digits>` | `Proposal` |
extension StateKey {
    static let governanceRules = Array("governance/rules".utf8)
    static let governanceNextID = Array("governance/next-id".utf8)
    static let proposalPrefix = Array("governance/proposal/".utf8)
    static func proposal(_ id: UInt64) -> [UInt8] { proposalPrefix + Array(GovernanceProposal.paddedID(id).utf8) }
}
