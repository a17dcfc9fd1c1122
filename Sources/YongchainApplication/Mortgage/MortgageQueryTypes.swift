import YongchainCore

/// The answer to a title verification: only whether the certificate lists that owner.
public struct TitleVerification: Sendable, Equatable, Codable {
    public let titleCertificateNumber: String
    public let match: Bool
}

/// A unit's registered mortgages in priority order and its seizures.
public struct Encumbrances: Sendable, Equatable, Codable {
    public let unitNumber: String
    /// True while a seizure is in force: no new applications or approvals for the unit.
    public let seized: Bool
    public let mortgages: [MortgageView]
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

    init(_ r: MortgageRecord, state: StateReader) {
        let a = r.application
        applicationId = r.applicationId.hex
        unitNumber = a.unitNumber.value
        self.state = r.state
        mortgagee = a.mortgagee.text
        mortgageeName = state.get(StateKey.member(a.mortgagee)).flatMap { try? Member(canonical: $0) }?.name
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
