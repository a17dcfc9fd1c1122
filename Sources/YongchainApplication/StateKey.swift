import YongchainCore
import YongchainCrypto

/// The layout of application state: readable, `/`-separated keys, so a key's prefix is its table.
/// Changing a key's form changes every state hash: treat this file as a schema.
enum StateKey {
    static func member(_ key: PublicKey) -> [UInt8] { Array("member/\(key.text)".utf8) }
    static func enterprise(_ code: CreditCode) -> [UInt8] { Array("enterprise/\(code.value)".utf8) }
    static func enterpriseKey(_ key: PublicKey) -> [UInt8] { Array("enterprise-key/\(key.text)".utf8) }
    static let enterprisePrefix = Array("enterprise/".utf8)
}
