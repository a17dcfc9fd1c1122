import YongchainCore

/// The answer to a title verification: only whether the certificate lists that owner.
public struct TitleVerification: Sendable, Equatable, Codable {
    public let titleCertificateNumber: String
    public let match: Bool
}

/// A unit's registered mortgages in priority order, as liens, and its seizures.
public struct Encumbrances: Sendable, Equatable, Codable {
    public let unitNumber: String
    /// True while a seizure is in force: no new applications or approvals for the unit.
    public let seized: Bool
    public let mortgages: [LienView]
    public let seizures: [SeizureView]
}

/// A seizure of a unit and, once released, its release.
public struct SeizureView: Sendable, Equatable, Codable {
    public let courtOrder: String
    public let seizedAt: RecordedAt
    public let releaseCourtOrder: String?
    public let releasedAt: RecordedAt?
    public let inForce: Bool

    init(_ s: Seizure) {
        courtOrder = s.courtOrder
        seizedAt = s.seizedAt
        releaseCourtOrder = s.releaseCourtOrder
        releasedAt = s.releasedAt
        inForce = s.releasedAt == nil
    }
}

/// A registered mortgage as any bank may be shown it (the `Lien` at `lien/<unit>/<priority>`): who holds it, in
/// what order, under which certificate, since when, and whether it is discharged. What it secures and for whom
/// (principal, term, debtor, mortgagors, contract hash) is its parties' business, answered by
/// `/v1/mortgage/applications/{id}` to them only (docs/confidentiality.md, "What verification answers show").
public struct LienView: Sendable, Equatable, Codable {
    public let applicationId: String
    public let unitNumber: String
    /// 1 for the first lien registered on the unit, 2 for the next, and so on.
    public let priority: UInt32
    public let certificateNumber: String
    /// `registered`, `dischargeApplied` or `discharged`.
    public let state: MortgageState
    /// The mortgagee bank's key (`ed25519:…`) and, if it is a member, its name.
    public let mortgagee: String
    public let mortgageeName: String?
    public let registeredAt: RecordedAt
    public let dischargeAppliedAt: RecordedAt?
    public let dischargedAt: RecordedAt?

    init(_ l: Lien, unit: UnitNumber, priority: UInt32, state: StateReader) throws(DamagedRecord) {
        applicationId = l.applicationId.hex
        unitNumber = unit.value
        self.priority = priority
        certificateNumber = l.certificateNumber
        self.state = l.state
        mortgagee = l.mortgagee.text
        mortgageeName = try Governance.member(key: l.mortgagee, state)?.name
        registeredAt = l.registeredAt
        dischargeAppliedAt = l.dischargeAppliedAt
        dischargedAt = l.dischargedAt
    }
}

/// One page of a bank's filings; `next` is the cursor for the following page, absent on the last one.
public struct FilingsPage: Sendable, Equatable, Codable {
    public let filings: [MortgageView]
    public let next: String?
}

/// A mortgage as the queries show it. People appear as the commitments the application names (nobody's identity
/// or name is on chain); organisations by credit code, a debtor organisation with its name. Absent fields (JSON omits them) are the ones its state has not reached.
public struct MortgageView: Sendable, Equatable, Codable {
    public let applicationId: String
    public let unitNumber: String
    public let state: MortgageState
    /// The mortgagee bank's key (`ed25519:…`) and, if it is a member, its name.
    public let mortgagee: String
    public let mortgageeName: String?
    /// The mortgagors as the application names them.
    public let mortgagors: [ChainIdentity]
    public let debtor: MortgageDebtor
    public let principal: Money
    public let term: MortgageTerm
    public let mortgageType: MortgageType
    public let contractHash: String
    public let appliedAt: RecordedAt
    public let decidedAt: RecordedAt?
    public let certificateNumber: String?
    /// 1 for the first lien registered on the unit, 2 for the next, and so on.
    public let priority: UInt32?
    public let rejectionReason: String?
    public let dischargeAppliedAt: RecordedAt?
    public let dischargedAt: RecordedAt?

    init(_ r: MortgageRecord, state: StateReader) throws(DamagedRecord) {
        let a = r.application
        applicationId = r.applicationId.hex
        unitNumber = a.unitNumber.value
        self.state = r.state
        mortgagee = a.mortgagee.text
        mortgageeName = try Governance.member(key: a.mortgagee, state)?.name
        mortgagors = a.mortgagors.map(\.id)
        debtor = a.debtor
        principal = a.principal
        term = a.term
        mortgageType = a.mortgageType
        contractHash = a.contractHash.hex
        appliedAt = r.appliedAt
        decidedAt = r.decidedAt
        certificateNumber = r.certificateNumber
        priority = r.priority
        rejectionReason = r.rejectionReason
        dischargeAppliedAt = r.dischargeAppliedAt
        dischargedAt = r.dischargedAt
    }
}

// The encumbrance and certificate answers write themselves (`SortedJSONWritable`), keys in byte order:
// `SortedJSONWriterTests` compares each with `JSONEncoder`'s sorted output.

extension Encumbrances: SortedJSONWritable {
    public func write(to w: inout SortedJSONWriter) {
        w.object { w in
            w.field("mortgages", mortgages)
            w.field("seized", seized)
            w.field("seizures", seizures)
            w.field("unitNumber", unitNumber)
        }
    }
}

extension LienView: SortedJSONWritable {
    public func write(to w: inout SortedJSONWriter) {
        w.object { w in
            w.field("applicationId", applicationId)
            w.field("certificateNumber", certificateNumber)
            w.field("dischargeAppliedAt", dischargeAppliedAt)
            w.field("dischargedAt", dischargedAt)
            w.field("mortgagee", mortgagee)
            w.field("mortgageeName", mortgageeName)
            w.field("priority", UInt64(priority))
            w.field("registeredAt", registeredAt)
            w.field("state", state.rawValue)
            w.field("unitNumber", unitNumber)
        }
    }
}

extension SeizureView: SortedJSONWritable {
    public func write(to w: inout SortedJSONWriter) {
        w.object { w in
            w.field("courtOrder", courtOrder)
            w.field("inForce", inForce)
            w.field("releaseCourtOrder", releaseCourtOrder)
            w.field("releasedAt", releasedAt)
            w.field("seizedAt", seizedAt)
        }
    }
}

extension RecordedAt: SortedJSONWritable {
    public func write(to w: inout SortedJSONWriter) {
        w.object { w in
            w.field("height", height)
            w.field("time", time)
        }
    }
}
