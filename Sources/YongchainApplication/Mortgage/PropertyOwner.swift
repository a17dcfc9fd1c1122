import YongchainCore
import YongchainCrypto

/// A person's or organisation's identity number: a resident identity number (GB 11643) or a unified social
/// credit code (GB 32100-2015). JSON writes it as two fields, `idType` (`residentId` | `creditCode`) and `idNumber`.
public enum IdentityNumber: Sendable, Hashable, CustomStringConvertible {
    case residentID(ResidentID)
    case creditCode(CreditCode)

    /// Validates `number` as the kind `type` names; the error names `field` (`<field>.idType` / `<field>.idNumber`).
    public init(type: String, number: String, field: String = "") throws {
        let prefix = field.isEmpty ? "" : "\(field)."
        switch type {
        case "residentId": self = .residentID(try ResidentID(number, field: "\(prefix)idNumber"))
        case "creditCode": self = .creditCode(try CreditCode(number, field: "\(prefix)idNumber"))
        default: throw ValidationError(field: "\(prefix)idType", message: "'\(type)' is not residentId or creditCode")
        }
    }

    /// `residentId` or `creditCode`.
    public var type: String {
        switch self {
        case .residentID: return "residentId"
        case .creditCode: return "creditCode"
        }
    }

    public var number: String {
        switch self {
        case .residentID(let r): return r.value
        case .creditCode(let c): return c.value
        }
    }

    public var description: String { "\(type):\(number)" }

    func encode(to w: inout CanonicalWriter) {
        switch self {
        case .residentID(let r): w.u8(1); w.string(r.value)
        case .creditCode(let c): w.u8(2); w.string(c.value)
        }
    }

    /// `what`: the JSON object holding `idType` and `idNumber` ("" when it is the object being read).
    init(from r: inout CanonicalReader, _ what: String) throws {
        let prefix = what.isEmpty ? "" : "\(what)."
        let tag = try r.u8("\(prefix)idType")
        let number = try r.string("\(prefix)idNumber", max: 64)
        switch tag {
        case 1: self = .residentID(try r.validated("\(prefix)idNumber") { try ResidentID(number) })
        case 2: self = .creditCode(try r.validated("\(prefix)idNumber") { try CreditCode(number) })
        default: throw EncodingError.invalid(r.path("\(prefix)idType"), "unknown identity type \(tag)")
        }
    }

    /// Decodes the `idType` / `idNumber` pair of the JSON object `decoder` is reading.
    init(json decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: IdentityKeys.self)
        try self.init(type: try c.decode(String.self, forKey: .idType), number: try c.decode(String.self, forKey: .idNumber),
                      field: JSONPath.of(decoder.codingPath, ""))
    }

    func encodeJSON(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: IdentityKeys.self)
        try c.encode(type, forKey: .idType)
        try c.encode(number, forKey: .idNumber)
    }

    enum IdentityKeys: String, CodingKey { case idType, idNumber }
}

/// A registered owner of a unit: identity number, name, and the public key whose signature is their consent.
/// JSON: `{"idType": "residentId", "idNumber": "…", "name": "…", "publicKey": "ed25519:…"}`.
public struct PropertyOwner: Sendable, Equatable, Codable, CanonicalCodable {
    public var id: IdentityNumber
    public var name: String
    public var publicKey: PublicKey

    public init(id: IdentityNumber, name: String, publicKey: PublicKey) {
        self.id = id
        self.name = name
        self.publicKey = publicKey
    }

    public func encode(to w: inout CanonicalWriter) {
        id.encode(to: &w)
        w.string(name)
        w.publicKey(publicKey)
    }

    public init(from r: inout CanonicalReader) throws {
        id = try IdentityNumber(from: &r, "")
        name = try r.string("name", max: MortgageLimits.maxNameBytes)
        publicKey = try r.publicKey("publicKey")
    }

    enum CodingKeys: String, CodingKey { case name, publicKey }
    public init(from decoder: Decoder) throws {
        id = try IdentityNumber(json: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        publicKey = try c.decode(PublicKey.self, forKey: .publicKey)
    }
    public func encode(to encoder: Encoder) throws {
        try id.encodeJSON(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(publicKey, forKey: .publicKey)
    }
}
