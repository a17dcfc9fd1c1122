import YongchainCore
import YongchainCrypto

/// Where a mortgage is in its life:
/// `pending` → `registered` | `rejected`; `registered` → `dischargeApplied` → `discharged`.
public enum MortgageState: String, Sendable, Codable, CaseIterable {
    /// Filed by the bank, awaiting the registry's decision.
    case pending
    /// Registered by the registry: the lien is in force with a certificate number and a priority.
    case registered
    /// Refused by the registry, with a reason. Final.
    case rejected
    /// Registered, and the mortgagee bank has applied to discharge it; the lien is still in force.
    case dischargeApplied
    /// The registry has registered the discharge: the lien no longer encumbers the unit. Final.
    case discharged

    var tag: UInt8 {
        switch self {
        case .pending: return 1
        case .registered: return 2
        case .rejected: return 3
        case .dischargeApplied: return 4
        case .discharged: return 5
        }
    }

    init(tag: UInt8) throws {
        guard let s = MortgageState.allCases.first(where: { $0.tag == tag }) else {
            throw EncodingError.invalid("mortgage.state", "unknown state \(tag)")
        }
        self = s
    }
}

/// A mortgage application and everything decided about it since: the value at `mortgage/<application id>`.
/// The application is kept whole, signatures included, as the evidence of the mortgagors' consent.
struct MortgageRecord: Sendable, Equatable, CanonicalCodable {
    let applicationId: Hash
    let application: MortgageApplication
    let appliedAt: RecordedAt
    var state: MortgageState = .pending
    /// When the registry approved or rejected it.
    var decidedAt: RecordedAt?
    var certificateNumber: String?
    var priority: UInt32?
    var rejectionReason: String?
    var dischargeAppliedAt: RecordedAt?
    var dischargedAt: RecordedAt?

    init(applicationId: Hash, application: MortgageApplication, appliedAt: RecordedAt) {
        self.applicationId = applicationId
        self.application = application
        self.appliedAt = appliedAt
    }

    func encode(to w: inout CanonicalWriter) {
        w.hash(applicationId)
        w.bytes(application.canonicalBytes)
        w.item(appliedAt)
        w.u8(state.tag)
        MortgageCoding.writeOptional(&w, decidedAt)
        MortgageCoding.writeOptional(&w, certificateNumber)
        MortgageCoding.writeOptional(&w, priority)
        MortgageCoding.writeOptional(&w, rejectionReason)
        MortgageCoding.writeOptional(&w, dischargeAppliedAt)
        MortgageCoding.writeOptional(&w, dischargedAt)
    }

    init(from r: inout CanonicalReader) throws {
        applicationId = try r.hash("mortgage.applicationId")
        application = try MortgageApplication(canonical: try r.bytes("mortgage.application", max: Transaction.maxBodyBytes))
        appliedAt = try r.item(RecordedAt.self)
        state = try MortgageState(tag: try r.u8("mortgage.state"))
        decidedAt = try MortgageCoding.readOptionalRecordedAt(&r, "mortgage.decidedAt")
        certificateNumber = try MortgageCoding.readOptionalString(&r, "mortgage.certificateNumber", max: MortgageLimits.maxCertificateNumberBytes)
        priority = try MortgageCoding.readOptionalU32(&r, "mortgage.priority")
        rejectionReason = try MortgageCoding.readOptionalString(&r, "mortgage.rejectionReason", max: MortgageLimits.maxReasonBytes)
        dischargeAppliedAt = try MortgageCoding.readOptionalRecordedAt(&r, "mortgage.dischargeAppliedAt")
        dischargedAt = try MortgageCoding.readOptionalRecordedAt(&r, "mortgage.dischargedAt")
    }

    static func load(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> MortgageRecord? {
        try DamagedRecord.load(MortgageRecord.self, StateKey.mortgage(id), state)
    }

    /// The mortgagee bank of the record at `id`, reading the record only as far as the application's second field
    /// (the layout `init(from:)` and `MortgageApplication.init(from:)` read): what the party rule of a decision
    /// needs, at a tenth of decoding the whole record (docs/performance.md, session 14). Nil if there is no record
    /// or that part does not decode. A decision's party rule reads a record its own execution just decoded whole
    /// and wrote, so this and `load(id)?.application.mortgagee` agree there.
    static func loadMortgagee(_ id: Hash, _ state: StateReader) -> PublicKey? {
        guard let bytes = state.get(StateKey.mortgage(id)) else { return nil }
        var r = CanonicalReader(bytes)
        do {
            _ = try r.hash("mortgage.applicationId")
            var a = CanonicalReader(try r.bytes("mortgage.application", max: Transaction.maxBodyBytes))
            _ = try a.string("unitNumber", max: 64)
            return try a.publicKey("mortgagee")
        } catch {
            return nil
        }
    }

    /// Writes the record and, once it is registered, its public part (`Lien`) at its lien key: every handler
    /// writes through here, so the lien never lags the record.
    func store(_ state: StateOverlay) {
        state.set(StateKey.mortgage(applicationId), canonicalBytes)
        if let priority, let lien = Lien(self) {
            state.set(StateKey.lien(application.unitNumber, priority), lien.canonicalBytes)
        }
    }
}
