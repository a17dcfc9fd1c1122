import YongchainCore
import YongchainCrypto

/// `enterprise.register`: a registry with the `trade` authority registers an enterprise and its public key.
public struct RegisterEnterprise: Payload, Equatable {
    public static let type = "enterprise.register"
    public var creditCode: CreditCode
    public var name: String
    public var publicKey: PublicKey

    public init(creditCode: CreditCode, name: String, publicKey: PublicKey) {
        self.creditCode = creditCode
        self.name = name
        self.publicKey = publicKey
    }

    public func validate() throws {
        guard !name.isEmpty, name.utf8.count <= 200 else { throw ValidationError(field: "name", message: "1 to 200 bytes") }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(creditCode.value)
        w.string(name)
        w.publicKey(publicKey)
    }

    public init(from r: inout CanonicalReader) throws {
        creditCode = try CreditCode(try r.string("creditCode", max: 64))
        name = try r.string("name", max: 1024)
        publicKey = try r.publicKey("publicKey")
    }

    enum CodingKeys: String, CodingKey { case creditCode, name, publicKey }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        creditCode = try c.decode(CreditCode.self, forKey: .creditCode)
        name = try c.decode(String.self, forKey: .name)
        publicKey = try c.decode(JSONPublicKey.self, forKey: .publicKey).key
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(creditCode, forKey: .creditCode)
        try c.encode(name, forKey: .name)
        try c.encode(publicKey.text, forKey: .publicKey)
    }
}

/// A public key in JSON: the text form `ed25519:<hex>`.
struct JSONPublicKey: Decodable {
    let key: PublicKey
    init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let k = PublicKey(text: s) else { throw ValidationError(field: "publicKey", message: "not a public key (expected ed25519:<64 hex>)") }
        key = k
    }
}
