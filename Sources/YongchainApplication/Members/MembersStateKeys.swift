import YongchainCore
import YongchainCrypto

/// Member organisations (from genesis, then governance) and registered enterprises. A schema: changing a key's form changes every
/// state hash.
///
/// | key | value |
/// |---|---|
/// | `member/<key text>` | `Member` |
/// | `member-name/<name>` | the member's current key text, UTF-8 |
/// | `revoked/<key text>` | `Revocation`: a key that was a member's and no longer is |
/// | `enterprise/<credit code>` | `Enterprise` |
/// | `enterprise-key/<key text>` | the enterprise's credit code, UTF-8 |
extension StateKey {
    static func member(_ key: PublicKey) -> [UInt8] { key.textUTF8(after: memberPrefix) }
    static let memberPrefix = Array("member/".utf8)
    static func memberName(_ name: String) -> [UInt8] { [UInt8](key: "member-name/", name) }
    static func revoked(_ key: PublicKey) -> [UInt8] { [UInt8](key: "revoked/", key.text) }
    static func enterprise(_ code: CreditCode) -> [UInt8] { [UInt8](key: "enterprise/", code.value) }
    static func enterpriseKey(_ key: PublicKey) -> [UInt8] { [UInt8](key: "enterprise-key/", key.text) }
    static let enterprisePrefix = Array("enterprise/".utf8)
}
