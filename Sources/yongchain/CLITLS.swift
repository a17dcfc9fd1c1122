import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// The CLI's HTTP clients: plain for `http://` node URLs; for `https://` ones, TLS that accepts the node only by
/// its key, with no certificate authority: a key pinned in `YONGCHAIN_NODE_PUBKEY` (one or more `ed25519:<hex>` or
/// `sm2:<hex>`, comma-separated), or else any member of the genesis file given (or in `YONGCHAIN_GENESIS`), plus
/// `alsoAccept` (a local observer's own key, read from its home). An SM2 key is accepted through the key binding
/// its node's certificate carries (`TLSKeyBinding`). A node whose key is in no genesis (a member admitted
/// by a vote since) is accepted when a genesis member's node, authenticated by its genesis key, lists that key
/// among the current members (`admittedMember`).
enum CLITLS {
    /// The key each refused TLS handshake presented, so the caller can say which, and look it up.
    final class Refused: @unchecked Sendable {
        private let lock = NSLock()
        private var key: [UInt8]?
        var last: [UInt8]? { lock.withLock { key } }
        func note(_ k: [UInt8]) { lock.withLock { key = k } }
    }

    /// The public key of the node whose home is `home`, if it has a readable node.key (a local cluster's node).
    static func ownKey(home: String) -> [UInt8]? {
        (try? KeyFile.read(home + "/node.key"))?.publicKey.bytes
    }

    static func client(for url: String, genesisPath: String? = nil, alsoAccept: [UInt8]? = nil, refused: Refused? = nil) throws -> HTTPClient {
        HTTPClient(transport: try transport(for: url, genesisPath: genesisPath, alsoAccept: alsoAccept, refused: refused))
    }

    /// Whether `key`, which `url` presented, is a current member's by what a genesis member's node says: each
    /// genesis member's address is asked in turn (GET /v1/governance/members, that node authenticated by its
    /// genesis key) until one answers. Throws, saying why, when none confirms it.
    static func admittedMember(_ key: [UInt8], url: String, genesisPath: String) throws -> [UInt8] {
        let genesis = try GenesisFile.load(path: genesisPath)
        let text = PublicKey(suite: .ed25519, bytes: key)?.text ?? Hex.encode(key)
        var asked: [String] = []
        for o in genesis.organizations where o.address.lowercased().hasPrefix("https://") {
            guard let r = try? client(for: o.address, genesisPath: genesisPath).send("GET", url: o.address + "/v1/governance/members", timeout: 5),
                  r.status == 200, let answer = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                  let members = (answer["result"] as? [String: Any])?["members"] as? [[String: Any]] else {
                asked.append(o.address)
                continue
            }
            guard members.contains(where: { $0["publicKey"] as? String == text }) else {
                throw CommandFailed("\(url) presented the key \(text), which \(o.name)'s node (\(o.address)) does not list among the consortium's members",
                                    code: "NODE_KEY_UNKNOWN")
            }
            return key
        }
        throw CommandFailed("\(url) presented the key \(text), which is in no genesis (a member admitted by a vote since?), and no genesis member's node answered to confirm it (asked \(asked.joined(separator: ", "))); once you have checked the key, pin it: YONGCHAIN_NODE_PUBKEY=\(text)",
                            code: "NODE_KEY_UNKNOWN")
    }

    /// The TLS transport for `url`, nil for `http://`.
    static func transport(for url: String, genesisPath: String? = nil, alsoAccept: [UInt8]? = nil, refused: Refused? = nil) throws -> OpenSSLTransport? {
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
        return try OpenSSLTransport.client(identity: nil, identifyPeer: { certificate in
            if let key = TLSKeyBinding.identity(certificate, accepts: accepted.contains) { return key }
            refused?.note(certificate.key)
            return nil
        })
    }
}
