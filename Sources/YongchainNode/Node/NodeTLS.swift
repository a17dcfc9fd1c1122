import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// The node's TLS: a self-signed certificate over its node key, and which peers it accepts.
///
/// A peer is accepted by its certificate's Ed25519 key, or by the SM2 key that vouches for it (`TLSKeyBinding`):
/// it must be a member organisation's key. A node whose key is SM2 serves an Ed25519 key made for the run, with
/// its binding. The set starts
/// from genesis; `setMemberKeys` replaces it (when governance changes membership on chain), and every later
/// handshake, resumed ones included, follows the new set. A client without a certificate (a bank) is accepted by
/// the server; only gossip requires a member's certificate (`API.gossip`).
///
/// A node whose key is no member's (an observer) serves TLS with its `node.key` if it has one (so banks can pin
/// it), or else a key made for this run; it connects to members like a bank, without a certificate (members
/// would refuse its key), so it catches up but cannot push gossip — until governance admits its key: from then on
/// its handshakes present the certificate (`presentIdentity`).
final class NodeTLS: Sendable {
    let identity: TLSIdentity
    let serverTransport: OpenSSLTransport
    let clientTransport: OpenSSLTransport
    private let members: MemberKeys

    private final class MemberKeys: Sendable {
        let keys: Mutex<Set<[UInt8]>>
        init(_ keys: Set<[UInt8]>) { self.keys = Mutex(keys) }
        func contains(_ key: [UInt8]) -> Bool { keys.withLock { $0.contains(key) } }
    }

    /// The certificate browsers get: the operator's (`tlsCertificateFile`, `tlsKeyFile`), or a self-signed ECDSA one.
    static func webIdentity(_ config: NodeConfig, home: NodeHome) throws -> TLSIdentity {
        guard let certFile = config.tlsCertificateFile, let keyFile = config.tlsKeyFile else {
            do { return try TLSIdentity.selfSignedECDSA(commonName: config.moniker) } catch let e as HTTPError {
                throw NodeError(code: NodeCode.tlsSetupFailed, message: e.message)
            }
        }
        let resolve = { (p: String) in p.hasPrefix("/") ? p : home.path + "/" + p }
        guard let cert = FileManager.default.contents(atPath: resolve(certFile)) else {
            throw NodeError(code: NodeCode.configInvalid, message: "tlsCertificateFile: cannot read \(resolve(certFile))")
        }
        let key: String
        do { key = try KeyFile.readProtected(resolve(keyFile)) } catch let e as CryptoError {
            throw NodeError(code: e.code, message: "tlsKeyFile: \(e.message)")
        }
        do {
            let identity = try TLSIdentity.load(certificatePEM: String(decoding: cert, as: UTF8.self), privateKeyPEM: key)
            guard !identity.isEd25519 else {
                throw NodeError(code: NodeCode.configInvalid, message: "tlsCertificateFile: must be an ECDSA or RSA certificate (browsers cannot use Ed25519; the Ed25519 one is made from node.key)")
            }
            return identity
        } catch let e as HTTPError {
            throw NodeError(code: NodeCode.tlsSetupFailed, message: "\(resolve(certFile)): \(e.message)")
        }
    }

    init(key: PrivateKey?, moniker: String, genesis: Genesis, webIdentity: TLSIdentity) throws {
        let members = MemberKeys(Set(genesis.organizations.compactMap { $0.key.map(\.bytes) }))
        self.members = members
        do {
            // TLS 1.3 signs with Ed25519 here: an SM2 node key vouches for a TLS key made for this run.
            let serving = try key.flatMap { $0.suite == .ed25519 ? $0 : nil } ?? PrivateKey.generate()
            let binding = key.flatMap { $0.suite == .ed25519 ? nil : TLSKeyBinding.make(nodeKey: $0, tlsKey: serving.publicKey) }
            identity = try TLSIdentity.selfSigned(privateKeyPEM: serving.pemPKCS8(), commonName: moniker, binding: binding)
            let identify: @Sendable (PeerCertificate) -> [UInt8]? = { TLSKeyBinding.identity($0, accepts: members.contains) }
            serverTransport = try OpenSSLTransport.server(identity: identity, webIdentity: webIdentity, identifyPeer: identify)
            // Presented only while this node's key is a member's: a joining organisation's node catches up like
            // a bank, and presents its key (so members take its gossip) from the commit that admits it.
            let own = key?.publicKey.bytes
            clientTransport = try OpenSSLTransport.client(identity: own == nil ? nil : identity,
                                                          presentIdentity: { own.map { members.contains($0) } ?? false },
                                                          identifyPeer: identify)
        } catch let e as HTTPError {
            throw NodeError(code: NodeCode.tlsSetupFailed, message: e.message)
        }
    }

    /// Whether `key` (raw bytes, as `HTTPRequest.peerPublicKey` holds it) is a current member's node key.
    func acceptsPeer(_ key: [UInt8]) -> Bool { members.contains(key) }

    /// Replaces the accepted member keys (raw public keys of either suite).
    func setMemberKeys(_ keys: Set<[UInt8]>) { members.keys.withLock { $0 = keys } }
}
