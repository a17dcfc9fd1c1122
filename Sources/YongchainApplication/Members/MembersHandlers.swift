import YongchainCore
import YongchainCrypto

/// Enterprises (exporters, companies) registered by a registry with their own public keys, so their consent is a
/// signature nobody else can forge.
public enum Identity {
    static let handlers: [TxHandler] = [
        .make(RegisterEnterprise.self, check: { _, tx, state in
            if case .failure(let r) = Member.requireRegistry(tx.signer, .trade, state) { return r }
            return nil
        }, execute: { p, tx, ctx, state in
            if state.get(StateKey.enterprise(p.creditCode)) != nil {
                return .reject(Codes.alreadyRegistered, "enterprise \(p.creditCode) is already registered")
            }
            if state.get(StateKey.enterpriseKey(p.publicKey)) != nil || state.get(StateKey.member(p.publicKey)) != nil {
                return .reject(Codes.keyInUse, "that public key already belongs to another party")
            }
            let e = Enterprise(creditCode: p.creditCode, name: p.name, publicKey: p.publicKey, registeredAt: ctx.height)
            state.set(StateKey.enterprise(p.creditCode), e.canonicalBytes)
            state.set(StateKey.enterpriseKey(p.publicKey), Array(p.creditCode.value.utf8))
            return .ok
        }),
    ]

    /// The enterprise holding `code`, if registered.
    public static func enterprise(_ code: CreditCode, _ state: StateReader) -> Enterprise? {
        state.get(StateKey.enterprise(code)).flatMap { try? Enterprise(canonical: $0) }
    }

    /// The enterprise whose registered key is `key`, if any: the node authenticates an enterprise's API requests.
    public static func enterprise(key: PublicKey, state: StateReader) -> Enterprise? {
        state.get(StateKey.enterpriseKey(key)).flatMap { try? CreditCode(String(decoding: $0, as: UTF8.self)) }.flatMap { enterprise($0, state) }
    }
}

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

/// A registered enterprise.
public struct Enterprise: Sendable, Equatable, Codable, CanonicalCodable {
    public let creditCode: CreditCode
    public let name: String
    public let publicKey: PublicKey
    public let registeredAt: UInt64

    public init(creditCode: CreditCode, name: String, publicKey: PublicKey, registeredAt: UInt64) {
        self.creditCode = creditCode
        self.name = name
        self.publicKey = publicKey
        self.registeredAt = registeredAt
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(creditCode.value)
        w.string(name)
        w.publicKey(publicKey)
        w.u64(registeredAt)
    }

    public init(from r: inout CanonicalReader) throws {
        creditCode = try CreditCode(try r.string("creditCode"))
        name = try r.string("name")
        publicKey = try r.publicKey("publicKey")
        registeredAt = try r.u64("registeredAt")
    }

    enum CodingKeys: String, CodingKey { case creditCode, name, publicKey, registeredAt }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        creditCode = try c.decode(CreditCode.self, forKey: .creditCode)
        name = try c.decode(String.self, forKey: .name)
        publicKey = try c.decode(JSONPublicKey.self, forKey: .publicKey).key
        registeredAt = try c.decode(UInt64.self, forKey: .registeredAt)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(creditCode, forKey: .creditCode)
        try c.encode(name, forKey: .name)
        try c.encode(publicKey.text, forKey: .publicKey)
        try c.encode(registeredAt, forKey: .registeredAt)
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
