import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// The CLI's HTTP clients: plain for `http://` node URLs; for `https://` ones, TLS that accepts the node only by
/// its key, with no certificate authority: a key pinned in `YONGCHAIN_NODE_PUBKEY` (one or more `ed25519:<hex>` or
/// `sm2:<hex>`, comma-separated), or else any member of the genesis file given (or in `YONGCHAIN_GENESIS`), plus
/// `alsoAccept` (a local observer's own key, read from its home). An SM2 key is accepted through the key binding
/// its node's certificate carries (`TLSKeyBinding`).
enum CLITLS {
    /// The public key of the node whose home is `home`, if it has a readable node.key (a local cluster's node).
    static func ownKey(home: String) -> [UInt8]? {
        (try? KeyFile.read(home + "/node.key"))?.publicKey.bytes
    }

    static func client(for url: String, genesisPath: String? = nil, alsoAccept: [UInt8]? = nil) throws -> HTTPClient {
        HTTPClient(transport: try transport(for: url, genesisPath: genesisPath, alsoAccept: alsoAccept))
    }

    /// The TLS transport for `url`, nil for `http://`.
    static func transport(for url: String, genesisPath: String? = nil, alsoAccept: [UInt8]? = nil) throws -> OpenSSLTransport? {
        guard url.lowercased().hasPrefix("https://") else { return nil }
        let env = ProcessInfo.processInfo.environment
        var keys: Set<[UInt8]> = []
        if let pinned = env["YONGCHAIN_NODE_PUBKEY"], !pinned.isEmpty {
            for text in pinned.split(separator: ",") {
                guard let key = PublicKey(text: text.trimmingCharacters(in: .whitespaces)) else {
                    throw UsageError("YONGCHAIN_NODE_PUBKEY: '\(text)' is not a public key (\(SignatureSuite.keyTextForms))")
                }
                keys.insert(key.bytes)
            }
        } else if let path = genesisPath ?? env["YONGCHAIN_GENESIS"] {
            let genesis = try GenesisFile.load(path: path)
            keys = Set(genesis.organizations.compactMap { $0.key?.bytes })
        } else {
            throw UsageError("\(url) is https: set YONGCHAIN_NODE_PUBKEY to the node's public key (ed25519:<hex> or sm2:<hex>, as in genesis) or YONGCHAIN_GENESIS to the genesis file, so the node can be authenticated")
        }
        if let alsoAccept { keys.insert(alsoAccept) }
        let accepted = keys
        return try OpenSSLTransport.client(identity: nil, identifyPeer: { TLSKeyBinding.identity($0, accepts: accepted.contains) })
    }
}
