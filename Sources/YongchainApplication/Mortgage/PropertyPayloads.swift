import YongchainCore
import YongchainCrypto

/// `property.register`: a registry with the `realEstate` authority records a unit, its title certificate and its
/// owners — people by commitment (the registry drew each one's salt and gives it to them with the title
/// certificate), organisations by credit code — with their public keys.
///
/// JSON: `{"unitNumber": "…28 chars…", "titleCertificateNumber": "…", "owners": [PropertyOwner…],
/// "area": 8950, "use": "residential"}` — `area` in hundredths of a square metre (8950 is 89.50 m²).
public struct RegisterProperty: Payload, Equatable {
    public static let type = "property.register"
    public var unitNumber: UnitNumber
    public var titleCertificateNumber: String
    public var owners: [PropertyOwner]
    /// Hundredths of a square metre.
    public var area: UInt64
    public var use: String

    public init(unitNumber: UnitNumber, titleCertificateNumber: String, owners: [PropertyOwner], area: UInt64, use: String) {
        self.unitNumber = unitNumber
        self.titleCertificateNumber = titleCertificateNumber
        self.owners = owners
        self.area = area
        self.use = use
    }

    public func validate() throws {
        try MortgageCoding.nonEmpty(titleCertificateNumber, max: MortgageLimits.maxCertificateNumberBytes, field: "titleCertificateNumber")
        guard !owners.isEmpty, owners.count <= MortgageLimits.maxOwners else {
            throw ValidationError(field: "owners", message: "1 to \(MortgageLimits.maxOwners) owners")
        }
        // Each owner against the ones before it (at most `maxOwners`): two sets cost two allocations a
        // registration, for the one owner most have.
        for (i, o) in owners.enumerated() {
            guard !owners[..<i].contains(where: { $0.id == o.id }) else { throw ValidationError(field: "owners[\(i)].\(o.id.field)", message: "listed twice") }
            // Each owner's consent must be a signature only that owner can make.
            guard !owners[..<i].contains(where: { $0.publicKey == o.publicKey }) else {
                throw ValidationError(field: "owners[\(i)].publicKey", message: "another owner has the same key")
            }
        }
        guard area > 0, area <= MortgageLimits.maxAreaHundredths else {
            throw ValidationError(field: "area", message: "hundredths of a square metre, 1 to \(MortgageLimits.maxAreaHundredths)")
        }
        try MortgageCoding.nonEmpty(use, max: MortgageLimits.maxUseBytes, field: "use")
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(unitNumber.value)
        w.string(titleCertificateNumber)
        w.list(owners) { $0.item($1) }
        w.u64(area)
        w.string(use)
    }

    public init(from r: inout CanonicalReader) throws {
        let unit = try r.string("unitNumber", max: 64)
        unitNumber = try r.validated("unitNumber") { try UnitNumber(unit) }
        titleCertificateNumber = try r.string("titleCertificateNumber", max: MortgageLimits.maxCertificateNumberBytes)
        owners = try r.list("owners", max: MortgageLimits.maxOwners) { try $0.item(PropertyOwner.self) }
        area = try r.u64("area")
        use = try r.string("use", max: MortgageLimits.maxUseBytes)
    }
}

/// `property.seize` / `property.release`: a registry with the `realEstate` authority records a court order
/// seizing a unit, or releasing the seizure in force. JSON: `{"unitNumber": "…", "courtOrder": "(2020)苏05执123号"}`.
public struct SeizeProperty: CourtOrderBody, Equatable {
    public static let type = "property.seize"
    public var unitNumber: UnitNumber
    public var courtOrder: String

    public init(unitNumber: UnitNumber, courtOrder: String) {
        self.unitNumber = unitNumber
        self.courtOrder = courtOrder
    }
}

/// `property.release`: lifts the seizure in force on a unit, citing the releasing court order.
public struct ReleaseProperty: CourtOrderBody, Equatable {
    public static let type = "property.release"
    public var unitNumber: UnitNumber
    public var courtOrder: String

    public init(unitNumber: UnitNumber, courtOrder: String) {
        self.unitNumber = unitNumber
        self.courtOrder = courtOrder
    }
}

/// The shared shape of the seize and release bodies: a unit and a court order number, coded once.
public protocol CourtOrderBody: Payload {
    var unitNumber: UnitNumber { get }
    var courtOrder: String { get }
    init(unitNumber: UnitNumber, courtOrder: String)
}

extension CourtOrderBody {
    public func validate() throws { try CourtOrderPayload.validate(courtOrder) }
    public func encode(to w: inout CanonicalWriter) { CourtOrderPayload.encode(&w, unitNumber, courtOrder) }
    public init(from r: inout CanonicalReader) throws {
        let (unit, order) = try CourtOrderPayload.decode(&r)
        self.init(unitNumber: unit, courtOrder: order)
    }
}

private enum CourtOrderPayload {
    static func validate(_ courtOrder: String) throws {
        try MortgageCoding.nonEmpty(courtOrder, max: MortgageLimits.maxCourtOrderBytes, field: "courtOrder")
    }
    static func encode(_ w: inout CanonicalWriter, _ unit: UnitNumber, _ courtOrder: String) {
        w.string(unit.value)
        w.string(courtOrder)
    }
    static func decode(_ r: inout CanonicalReader) throws -> (UnitNumber, String) {
        let unit = try r.string("unitNumber", max: 64)
        return (try r.validated("unitNumber") { try UnitNumber(unit) },
                try r.string("courtOrder", max: MortgageLimits.maxCourtOrderBytes))
    }
}
