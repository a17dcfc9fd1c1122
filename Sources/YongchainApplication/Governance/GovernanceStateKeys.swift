import YongchainCore

/// Governance's state (a schema: changing a key's form changes every state hash). Members' keys
/// (`member/`, `member-name/`, `revoked/`) are in `Members/MembersStateKeys.swift`; the validator schedule and
/// consensus parameters in `Members/ConsensusStateKeys.swift`.
///
/// | key | value |
/// |---|---|
/// | `governance/rules` | `GovernanceRules` |
/// | `governance/limits` | `ProposalLimits` (absent: the defaults) |
/// | `governance/next-id` | u64: the id the next proposal gets (absent: 1) |
/// | `governance/proposal/<id, 20 zero-padded digits>` | `Proposal` |
/// | `governance/status/<status>/<id>` | open: i64(deadline) ‖ i64(pruneAt); decided: i64(decision time) (`ProposalIndex`) |
/// | `governance/open-by/<member name>` | list(u64(id) ‖ i64(deadline)): the member's open proposals |
/// | `governance/prune/<pruneAt, 20 digits>/<id>` | i64(pruneAt) ‖ u64(id): when the proposal leaves state |
/// | `governance/prune-next` | i64: no proposal leaves state before this time (absent: none retained) |
extension StateKey {
    static let governanceRules = Array("governance/rules".utf8)
    static let governanceLimits = Array("governance/limits".utf8)
    static let governanceNextID = Array("governance/next-id".utf8)
    static let proposalPrefix = Array("governance/proposal/".utf8)
    static func proposal(_ id: UInt64) -> [UInt8] { proposalPrefix + Array(GovernanceProposal.paddedID(id).utf8) }
    static func proposalStatusPrefix(_ s: ProposalStatus) -> [UInt8] { Array("governance/status/\(s.rawValue)/".utf8) }
    static func proposalStatus(_ s: ProposalStatus, _ id: UInt64) -> [UInt8] { proposalStatusPrefix(s) + Array(GovernanceProposal.paddedID(id).utf8) }
    static func openBy(_ member: String) -> [UInt8] { Array("governance/open-by/\(member)".utf8) }
    static let prunePrefix = Array("governance/prune/".utf8)
    static let pruneNext = Array("governance/prune-next".utf8)
    /// Times before 1970 sort first (as 0): block times are after genesis's, which is after it.
    static func pruneEntry(at time: Int64, _ id: UInt64) -> [UInt8] {
        prunePrefix + Array("\(GovernanceProposal.paddedID(UInt64(max(0, time))))/\(GovernanceProposal.paddedID(id))".utf8)
    }
}
