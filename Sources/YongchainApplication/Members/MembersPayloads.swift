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
}
