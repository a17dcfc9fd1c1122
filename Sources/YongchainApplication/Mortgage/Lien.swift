import YongchainCore
import YongchainCrypto

/// The public part of a registered mortgage, the value at `lien/<unit>/<priority>`: what a land register shows any
/// bank that asks what encumbers a unit or what a certificate registers — who holds the lien, in what order, since
/// when, whether it is still in force. The mortgage's business (principal, term, debtor, mortgagors, contract
/// hash) stays in the whole record at `mortgage/<id>`, which only its parties read (docs/confidentiality.md,
/// "What verification answers show"): a proof carries its key's whole value, so the answers a competitor may get
/// must rest on keys that hold nothing more. `applicationId` ties the lien to the application for whoever holds
/// the `mortgage.apply` transaction (its hash).
///
/// Written only by `MortgageRecord.store`, from the whole record, so the two never disagree.
struct Lien: Sendable, Equatable, CanonicalCodable {
    let applicationId: Hash
    let mortgagee: PublicKey
    let certificateNumber: String
    /// `registered`, `dischargeApplied` or `discharged`.
    let state: MortgageState
    let registeredAt: RecordedAt
    let dischargeAppliedAt: RecordedAt?
    let dischargedAt: RecordedAt?

    /// The lien of a registered mortgage; nil before registration (or for a rejected application).
    init?(_ r: MortgageRecord) {
        guard let number = r.certificateNumber, r.priority != nil, let registeredAt = r.decidedAt,
              r.state == .registered || r.state == .dischargeApplied || r.state == .discharged else { return nil }
        applicationId = r.applicationId
        mortgagee = r.application.mortgagee
        certificateNumber = number
        state = r.state
        self.registeredAt = registeredAt
        dischargeAppliedAt = r.dischargeAppliedAt
        dischargedAt = r.dischargedAt
    }

    /// Whether the lien still encumbers the unit (a discharge applied for is not yet registered).
    var inForce: Bool { state == .registered || state == .dischargeApplied }

    func encode(to w: inout CanonicalWriter) {
        w.hash(applicationId)
        w.publicKey(mortgagee)
        w.string(certificateNumber)
        w.u8(state.tag)
        w.item(registeredAt)
        MortgageCoding.writeOptional(&w, dischargeAppliedAt)
        MortgageCoding.writeOptional(&w, dischargedAt)
    }

    init(from r: inout CanonicalReader) throws {
        applicationId = try r.hash("lien.applicationId")
        mortgagee = try r.publicKey("lien.mortgagee")
        certificateNumber = try r.string("lien.certificateNumber", max: MortgageLimits.maxCertificateNumberBytes)
        state = try MortgageState(tag: try r.u8("lien.state"))
        registeredAt = try r.item(RecordedAt.self)
        dischargeAppliedAt = try MortgageCoding.readOptionalRecordedAt(&r, "lien.dischargeAppliedAt")
        dischargedAt = try MortgageCoding.readOptionalRecordedAt(&r, "lien.dischargedAt")
    }

    static func load(_ unit: UnitNumber, _ priority: UInt32, _ state: StateReader) throws(DamagedRecord) -> Lien? {
        try DamagedRecord.load(Lien.self, StateKey.lien(unit, priority), state)
    }

    /// Where a registration certificate's lien is: the value at `certificate/<no>` (unit, then priority).
    static func reference(_ unit: UnitNumber, _ priority: UInt32) -> [UInt8] {
        var w = CanonicalWriter(capacity: 8 + unit.value.utf8.count)
        w.string(unit.value)
        w.u32(priority)
        return w.bytes
    }

    /// The lien a registration certificate's number names, with its unit and priority; nil for a number never issued.
    /// A reference that does not decode, or names a lien that is not there, is a damaged record.
    static func load(certificate number: String, _ state: StateReader) throws(DamagedRecord) -> (unit: UnitNumber, priority: UInt32, lien: Lien)? {
        guard number.utf8.count <= MortgageLimits.maxCertificateNumberBytes else { return nil }
        let key = StateKey.certificate(number)
        guard let (unit, priority) = try DamagedRecord.load(key, state, { bytes in
            var r = CanonicalReader(bytes)
            let text = try r.string("certificate.unit", max: 64)
            return (try r.validated("certificate.unit") { try UnitNumber(text) }, try r.u32("certificate.priority"))
        }) else { return nil }
        guard let lien = try load(unit, priority, state) else {
            throw DamagedRecord(key: String(decoding: key, as: UTF8.self), reason: "it names lien \(unit)/\(priority), which is not recorded")
        }
        return (unit, priority, lien)
    }
}
