import YongchainCore

/// What governance lets one member create, and how long a finished proposal stays in state (docs/governance.md,
/// "Limits and pruning"). The defaults hold until a `limits.set` proposal passes (`governance/limits`, absent on a
/// new chain); each applies to proposals made, decided or pruned after it.
public struct ProposalLimits: Sendable, Equatable, Codable {
    /// Most proposals one member may have open (taking votes: neither decided nor past their deadline) at once;
    /// one more is refused with TOO_MANY_OPEN_PROPOSALS. Default 10, 1 to 1,000.
    public var maxOpenProposalsPerMember: UInt64 = 10
    /// Longest description a new proposal may carry, in bytes; longer is DESCRIPTION_TOO_LONG. Default and most
    /// 1,000 (`GovernanceLimits.maxDescriptionBytes`, the transaction's own bound).
    public var maxDescriptionBytes: UInt64 = 1_000
    /// How long, in block time, a proposal stays in state after it was decided or expired; the next governance
    /// transaction after that removes it. Default 30 days, 1 hour to 3,650 days.
    public var closedRetentionMs: Int64 = 2_592_000_000

    public static let maxOpenRange: ClosedRange<UInt64> = 1...1_000
    public static let retentionRange: ClosedRange<Int64> = 3_600_000...315_360_000_000

    public init() {}

    public init(maxOpenProposalsPerMember: UInt64, maxDescriptionBytes: UInt64, closedRetentionMs: Int64) {
        self.maxOpenProposalsPerMember = maxOpenProposalsPerMember
        self.maxDescriptionBytes = maxDescriptionBytes
        self.closedRetentionMs = closedRetentionMs
    }

    /// Range checks; throws `ValidationError` naming the field under `action.limits`.
    func validate() throws {
        guard Self.maxOpenRange.contains(maxOpenProposalsPerMember) else {
            throw ValidationError(field: "action.limits.maxOpenProposalsPerMember", message: "1 to 1,000, not \(maxOpenProposalsPerMember)")
        }
        guard maxDescriptionBytes <= UInt64(GovernanceLimits.maxDescriptionBytes) else {
            throw ValidationError(field: "action.limits.maxDescriptionBytes", message: "0 to \(GovernanceLimits.maxDescriptionBytes), not \(maxDescriptionBytes)")
        }
        guard Self.retentionRange.contains(closedRetentionMs) else {
            throw ValidationError(field: "action.limits.closedRetentionMs",
                                  message: "3,600,000 to 315,360,000,000 (1 hour to 3,650 days), not \(closedRetentionMs)")
        }
    }
}

extension ProposalLimits: CanonicalCodable {
    /// u64(maxOpenProposalsPerMember) ‖ u64(maxDescriptionBytes) ‖ i64(closedRetentionMs)
    public func encode(to w: inout CanonicalWriter) {
        w.u64(maxOpenProposalsPerMember)
        w.u64(maxDescriptionBytes)
        w.i64(closedRetentionMs)
    }

    /// Decodes and range-checks, so no limit from outside is used unchecked.
    public init(from r: inout CanonicalReader) throws {
        maxOpenProposalsPerMember = try r.u64("limits.maxOpenProposalsPerMember")
        maxDescriptionBytes = try r.u64("limits.maxDescriptionBytes")
        closedRetentionMs = try r.i64("limits.closedRetentionMs")
        try validate()
    }
}
