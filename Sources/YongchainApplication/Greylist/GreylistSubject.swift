import YongchainCore
import YongchainCrypto

/// How every grey-list transaction names a subject: the VRF key version and the pseudonym under it, never an
/// identity (docs/greylist.md, "Subjects and pseudonyms"). Canonical `u32(keyVersion) ‖ hash(pseudonym)`; JSON
/// `{"keyVersion": 1, "pseudonym": "<64 hex>"}`.
public struct GreylistSubject: Sendable, Hashable, Codable, CanonicalCodable, CustomStringConvertible {
    public var keyVersion: UInt32
    /// The VRF output beta: 32 bytes, whatever the chain's hash suite.
    public var pseudonym: Hash

    public init(keyVersion: UInt32, pseudonym: Hash) {
        self.keyVersion = keyVersion
        self.pseudonym = pseudonym
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u32(keyVersion)
        w.hash(pseudonym)
    }

    public init(from r: inout CanonicalReader) throws {
        keyVersion = try r.u32("keyVersion")
        pseudonym = try r.hash("pseudonym")
    }

    /// Versions count from 1.
    func validate(field: String) throws {
        guard keyVersion >= 1 else { throw ValidationError(field: "\(field).keyVersion", message: "key versions count from 1") }
    }

    /// `<v>/<64 hex>`, the subject's part of a state key.
    var keyPart: String { "\(keyVersion)/\(pseudonym.hex)" }

    public var description: String { "v\(keyVersion)/\(pseudonym.short)" }
}

/// A subject's identity, which never goes on chain: what the supervisor's VRF key turns into a pseudonym. Its
/// alpha (docs/greylist.md) is `str("yongchain/greylist-subject/v1") ‖ str(chainId) ‖ u8(idType) ‖ str(idNumber)`,
/// the identity encoded as a person commitment encodes it.
public enum GreylistIdentity: Sendable, Hashable {
    /// idType 1: a resident identity number (GB 11643), check character verified (a lower-case x is refused).
    case resident(ResidentID)
    /// idType 2: a unified social credit code (GB 32100-2015), check character verified.
    case enterprise(CreditCode)

    public static let alphaTag = "yongchain/greylist-subject/v1"

    /// `idType` as the API writes it (`residentId`, `creditCode`) and the number; errors name `<field>.idType` or
    /// `<field>.idNumber`.
    public init(idType: String, idNumber: String, field: String = "subject") throws {
        switch idType {
        case "residentId": self = .resident(try ResidentID(idNumber, field: "\(field).idNumber"))
        case "creditCode": self = .enterprise(try CreditCode(idNumber, field: "\(field).idNumber"))
        default: throw ValidationError(field: "\(field).idType", message: "residentId or creditCode, not '\(idType)'")
        }
    }

    public var idType: UInt8 {
        switch self {
        case .resident: return 1
        case .enterprise: return 2
        }
    }

    public var idNumber: String {
        switch self {
        case .resident(let id): return id.value
        case .enterprise(let c): return c.value
        }
    }

    /// The VRF input on chain `chainID`.
    public func alpha(chainID: String) -> [UInt8] {
        var w = CanonicalWriter(capacity: 96)
        w.string(GreylistIdentity.alphaTag)
        w.string(chainID)
        w.u8(idType)
        w.string(idNumber)
        return w.bytes
    }
}
