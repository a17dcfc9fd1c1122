import YongchainCrypto

/// What opens a natural person's commitment: their identity number and the salt drawn for them. It never goes on
/// chain. The registry draws the salt when it registers a title and gives it to the owner with the title
/// certificate (a lending bank does the same for a debtor who owns nothing); whoever the person hands identity and
/// salt to can compute the commitment, nobody else can (docs/confidentiality.md, "Personal data: commitments only").
///
/// The commitment, H being the chain's hash suite (one place decides: genesis):
///
///     H( str("yongchain/person/v1") ‖ u8(idType) ‖ str(idNumber) ‖ bytes(salt) )
///
/// idType 1: a resident identity number (GB 11643), checked here — the node never sees one.
public struct PersonOpening: Sendable, Hashable {
    /// Hashed first, so a person commitment is no other hash on the chain.
    public static let tag = "yongchain/person/v1"
    /// At least 128 random bits: a resident identity number has about 2^37 values, so without the salt nobody can
    /// try them all; with a wrong salt the commitment is nobody's.
    public static let saltBytes = 16...32
    /// What `draw` draws.
    public static let drawnSaltBytes = 16

    public let id: ResidentID
    public let salt: [UInt8]

    /// - Throws: `ValidationError` naming `field` when the salt is not 16 to 32 bytes.
    public init(id: ResidentID, salt: [UInt8], field: String = "salt") throws {
        guard PersonOpening.saltBytes.contains(salt.count) else {
            throw ValidationError(field: field, message: "a salt is 16 to 32 bytes (32 to 64 hex digits), got \(salt.count)")
        }
        self.id = id
        self.salt = salt
    }

    /// `number` and `saltHex` as the owner's title certificate writes them; errors name `<field>.idNumber` or
    /// `<field>.salt` (`idNumber`, `salt` when `field` is empty).
    public init(number: String, saltHex: String, field: String = "") throws {
        let prefix = field.isEmpty ? "" : "\(field)."
        let id = try ResidentID(number, field: "\(prefix)idNumber")
        guard let salt = Hex.decode(saltHex) else { throw ValidationError(field: "\(prefix)salt", message: "hex of 16 to 32 bytes") }
        try self.init(id: id, salt: salt, field: "\(prefix)salt")
    }

    /// `id` with a fresh salt from libcrypto's CSPRNG.
    public static func draw(for id: ResidentID) throws -> PersonOpening {
        try PersonOpening(id: id, salt: try SecureRandom.bytes(drawnSaltBytes))
    }

    /// The person's commitment on a chain of hash suite `suite`.
    public func commitment(_ suite: HashSuite) -> Hash {
        var w = CanonicalWriter(capacity: 96)
        w.string(PersonOpening.tag)
        w.u8(1)
        w.string(id.value)
        w.bytes(salt)
        return suite.digest(w.bytes)
    }
}
