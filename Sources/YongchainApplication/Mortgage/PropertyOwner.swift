import YongchainCore
import YongchainCrypto

/// A registered owner of a unit: a person's commitment or an organisation's credit code (`ChainIdentity`), and the
/// public key whose signature is their consent. No name: the registry keeps its own register off chain.
/// JSON: `{"commitment": "<64 hex>", "publicKey": "ed25519:…"}` or `{"creditCode": "…", "publicKey": "…"}`.
public struct PropertyOwner: Sendable, Equatable, Codable, CanonicalCodable {
    public var id: ChainIdentity
    public var publicKey: PublicKey

    public init(id: ChainIdentity, publicKey: PublicKey) {
        self.id = id
        self.publicKey = publicKey
    }

    public func encode(to w: inout CanonicalWriter) {
        id.encode(to: &w)
        w.publicKey(publicKey)
    }

    public init(from r: inout CanonicalReader) throws {
        id = try ChainIdentity(from: &r, "")
        publicKey = try r.publicKey("publicKey")
    }

    enum CodingKeys: String, CodingKey { case publicKey }
    public init(from decoder: Decoder) throws {
        id = try ChainIdentity(json: decoder)
        publicKey = try decoder.container(keyedBy: CodingKeys.self).decode(PublicKey.self, forKey: .publicKey)
    }
    public func encode(to encoder: Encoder) throws {
        try id.encodeJSON(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(publicKey, forKey: .publicKey)
    }
}
