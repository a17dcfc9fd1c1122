import YongchainCore
import YongchainCrypto

/// A registered real-estate unit, as `property.register` recorded it. Never rewritten: what changes over a unit's
/// life (liens, seizures) lives in `PropertyStatus`, so the registered facts stay one immutable record.
struct Property: Sendable, Equatable, CanonicalCodable {
    let unitNumber: UnitNumber
    let titleCertificateNumber: String
    let owners: [PropertyOwner]
    /// Hundredths of a square metre.
    let area: UInt64
    let use: String
    let registeredAt: RecordedAt

    init(_ p: RegisterProperty, at: RecordedAt) {
        unitNumber = p.unitNumber
        titleCertificateNumber = p.titleCertificateNumber
        owners = p.owners
        area = p.area
        use = p.use
        registeredAt = at
    }

    func encode(to w: inout CanonicalWriter) {
        w.string(unitNumber.value)
        w.string(titleCertificateNumber)
        w.list(owners) { $0.item($1) }
        w.u64(area)
        w.string(use)
        w.item(registeredAt)
    }

    init(from r: inout CanonicalReader) throws {
        let unit = try r.string("property.unitNumber", max: 64)
        unitNumber = try r.validated("property.unitNumber") { try UnitNumber(unit) }
        titleCertificateNumber = try r.string("property.titleCertificateNumber", max: MortgageLimits.maxCertificateNumberBytes)
        owners = try r.list("property.owners", max: MortgageLimits.maxOwners) { try $0.item(PropertyOwner.self) }
        area = try r.u64("property.area")
        use = try r.string("property.use", max: MortgageLimits.maxUseBytes)
        registeredAt = try r.item(RecordedAt.self)
    }

    static func load(_ unit: UnitNumber, _ state: StateReader) throws(DamagedRecord) -> Property? {
        try DamagedRecord.load(Property.self, StateKey.property(unit), state)
    }
}

/// What changes over a unit's life: how many liens have been registered on it (the last priority assigned),
/// how many seizures it has had, and which one is in force.
struct PropertyStatus: Sendable, Equatable, CanonicalCodable {
    var lienCount: UInt32 = 0
    var seizureCount: UInt32 = 0
    /// The sequence number of the seizure in force, if the unit is seized.
    var activeSeizure: UInt32?

    init() {}

    var isSeized: Bool { activeSeizure != nil }

    func encode(to w: inout CanonicalWriter) {
        w.u32(lienCount)
        w.u32(seizureCount)
        MortgageCoding.writeOptional(&w, activeSeizure)
    }

    init(from r: inout CanonicalReader) throws {
        lienCount = try r.u32("status.lienCount")
        seizureCount = try r.u32("status.seizureCount")
        activeSeizure = try MortgageCoding.readOptionalU32(&r, "status.activeSeizure")
    }

    /// The unit's status; a registered unit with no liens or seizures yet has no stored status.
    static func load(_ unit: UnitNumber, _ state: StateReader) throws(DamagedRecord) -> PropertyStatus {
        try DamagedRecord.load(PropertyStatus.self, StateKey.propertyStatus(unit), state) ?? PropertyStatus()
    }
}

/// One seizure of a unit on a court order, and its release if it has been released.
struct Seizure: Sendable, Equatable, CanonicalCodable {
    let courtOrder: String
    let seizedAt: RecordedAt
    var releaseCourtOrder: String?
    var releasedAt: RecordedAt?

    init(courtOrder: String, seizedAt: RecordedAt) {
        self.courtOrder = courtOrder
        self.seizedAt = seizedAt
    }

    func encode(to w: inout CanonicalWriter) {
        w.string(courtOrder)
        w.item(seizedAt)
        MortgageCoding.writeOptional(&w, releaseCourtOrder)
        MortgageCoding.writeOptional(&w, releasedAt)
    }

    init(from r: inout CanonicalReader) throws {
        courtOrder = try r.string("seizure.courtOrder", max: MortgageLimits.maxCourtOrderBytes)
        seizedAt = try r.item(RecordedAt.self)
        releaseCourtOrder = try MortgageCoding.readOptionalString(&r, "seizure.releaseCourtOrder", max: MortgageLimits.maxCourtOrderBytes)
        releasedAt = try MortgageCoding.readOptionalRecordedAt(&r, "seizure.releasedAt")
    }
}
