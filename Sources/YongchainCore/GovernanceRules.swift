/// How the consortium decides (docs/governance.md): who may propose, what fraction of the voters' power passes a
/// proposal, and how long a proposal stays open. Genesis may set them (`Genesis.governance`); a `rules.set`
/// proposal changes them. A proposal keeps the threshold and deadline it was created with.
public struct GovernanceRules: Sendable, Codable, Equatable {
    /// Who may create a proposal.
    public enum Proposers: String, Sendable, Codable, CaseIterable {
        /// Any member organisation.
        case members
        /// Only a member whose key is in the validator set that will vote on it.
        case voters
    }

    /// A proposal passes when yes-power × `thresholdDenominator` > total power × `thresholdNumerator`: strictly
    /// more than numerator/denominator of the voters' power. Default 2/3.
    public var thresholdNumerator: UInt64 = 2
    public var thresholdDenominator: UInt64 = 3
    /// How long a proposal stays open, in block time: created in a block at time T, it takes votes while the block
    /// time is ≤ T + votingPeriodMs. Default 7 days.
    public var votingPeriodMs: Int64 = 604_800_000
    public var proposers: Proposers = .members

    /// Shortest and longest voting period: one second, 365 days.
    public static let minVotingPeriodMs: Int64 = 1_000
    public static let maxVotingPeriodMs: Int64 = 365 * 86_400_000
    /// Largest threshold denominator: keeps the arithmetic small and thresholds readable (percentages at most).
    public static let maxDenominator: UInt64 = 100

    public init() {}

    public init(thresholdNumerator: UInt64, thresholdDenominator: UInt64, votingPeriodMs: Int64, proposers: Proposers) {
        self.thresholdNumerator = thresholdNumerator
        self.thresholdDenominator = thresholdDenominator
        self.votingPeriodMs = votingPeriodMs
        self.proposers = proposers
    }

    enum CodingKeys: String, CodingKey { case thresholdNumerator, thresholdDenominator, votingPeriodMs, proposers }

    /// Absent fields take their defaults (a genesis may set only the period, say).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GovernanceRules()
        thresholdNumerator = try c.decodeIfPresent(UInt64.self, forKey: .thresholdNumerator) ?? d.thresholdNumerator
        thresholdDenominator = try c.decodeIfPresent(UInt64.self, forKey: .thresholdDenominator) ?? d.thresholdDenominator
        votingPeriodMs = try c.decodeIfPresent(Int64.self, forKey: .votingPeriodMs) ?? d.votingPeriodMs
        proposers = try c.decodeIfPresent(Proposers.self, forKey: .proposers) ?? d.proposers
    }

    /// Checks every field's range; throws `GenesisError` naming the field (`governance.<field>`).
    /// 1 ≤ numerator < denominator ≤ 100 and numerator/denominator ≥ 1/2, so two proposals with contradicting
    /// actions cannot both pass among the same voters; the period is 1 s to 365 days.
    public func validate() throws {
        guard thresholdDenominator >= 2, thresholdDenominator <= GovernanceRules.maxDenominator else {
            throw GenesisError(field: "governance.thresholdDenominator", message: "2 to \(GovernanceRules.maxDenominator), not \(thresholdDenominator)")
        }
        guard thresholdNumerator >= 1, thresholdNumerator < thresholdDenominator else {
            throw GenesisError(field: "governance.thresholdNumerator", message: "1 to \(thresholdDenominator - 1), not \(thresholdNumerator)")
        }
        guard thresholdNumerator * 2 >= thresholdDenominator else {
            throw GenesisError(field: "governance.thresholdNumerator", message: "the threshold must be at least 1/2, not \(thresholdNumerator)/\(thresholdDenominator)")
        }
        guard (GovernanceRules.minVotingPeriodMs...GovernanceRules.maxVotingPeriodMs).contains(votingPeriodMs) else {
            throw GenesisError(field: "governance.votingPeriodMs",
                               message: "\(GovernanceRules.minVotingPeriodMs) to \(GovernanceRules.maxVotingPeriodMs) (1 s to 365 days), not \(votingPeriodMs)")
        }
    }

    /// Whether `yes` of `total` power passes under these rules' threshold.
    public func passes(yes: UInt64, total: UInt64) -> Bool {
        GovernanceRules.passes(yes: yes, total: total, numerator: thresholdNumerator, denominator: thresholdDenominator)
    }

    /// Whether `no` of `total` power makes passing impossible under these rules' threshold.
    public func blocks(no: UInt64, total: UInt64) -> Bool {
        GovernanceRules.blocks(no: no, total: total, numerator: thresholdNumerator, denominator: thresholdDenominator)
    }

    /// yes × denominator > total × numerator: strictly more than numerator/denominator of the power. (Totals are at
    /// most 1,000 × `Genesis.maxPower` and denominators at most 100: far from overflow.)
    public static func passes(yes: UInt64, total: UInt64, numerator: UInt64, denominator: UInt64) -> Bool {
        yes * denominator > total * numerator
    }

    /// Even if every other voter said yes, (total − no) × denominator ≤ total × numerator; that is,
    /// no × denominator ≥ total × (denominator − numerator).
    public static func blocks(no: UInt64, total: UInt64, numerator: UInt64, denominator: UInt64) -> Bool {
        no * denominator >= total * (denominator - numerator)
    }
}

extension GovernanceRules: CanonicalCodable {
    /// u64(thresholdNumerator) ‖ u64(thresholdDenominator) ‖ i64(votingPeriodMs) ‖ str(proposers)
    public func encode(to w: inout CanonicalWriter) {
        w.u64(thresholdNumerator)
        w.u64(thresholdDenominator)
        w.i64(votingPeriodMs)
        w.string(proposers.rawValue)
    }

    /// Decodes and range-checks (`validate()`), so no rule from outside is used unchecked.
    public init(from r: inout CanonicalReader) throws {
        self.init()
        thresholdNumerator = try r.u64("governance.thresholdNumerator")
        thresholdDenominator = try r.u64("governance.thresholdDenominator")
        votingPeriodMs = try r.i64("governance.votingPeriodMs")
        guard let p = Proposers(rawValue: try r.string("governance.proposers", max: 16)) else {
            throw EncodingError.invalid("governance.proposers", "members or voters")
        }
        proposers = p
        do { try validate() } catch let e as GenesisError { throw EncodingError.invalid(e.field, e.message) }
    }
}
