import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// How a node whose key TLS 1.3 cannot use (SM2: OpenSSL 3.0's libssl has no SM2 signature scheme, and TLCP is
/// not TLS 1.3) still authenticates by that key: it serves TLS with an Ed25519 key made for the run, and its
/// certificate carries, in an extension (`TLSIdentity.bindingOID`), its node key's statement that the TLS key is
/// its own:
///
///     binding = publicKey(nodeKey) ‖ bytes(signature)
///     signature = nodeKey's signature of Domain.tlsKey.signingBytes(chainID: "", message: tlsKey[32])
///
/// (`CanonicalWriter`'s encodings: `publicKey` is u8 suite ‖ u32 length ‖ key bytes, `bytes` is u32 length ‖
/// bytes.) A peer is then accepted as the node key when that key is one it accepts and the signature verifies:
/// the handshake proves the peer holds the TLS key, and the binding that the node key chose it.
public enum TLSKeyBinding {
    /// The binding `nodeKey` gives `tlsKey` (an Ed25519 key's raw 32 bytes).
    public static func make(nodeKey: PrivateKey, tlsKey: PublicKey) -> [UInt8] {
        var w = CanonicalWriter(capacity: 160)
        w.publicKey(nodeKey.publicKey)
        w.bytes(nodeKey.sign(message(tlsKey.bytes)))
        return w.bytes
    }

    static func message(_ tlsKey: [UInt8]) -> [UInt8] { Domain.tlsKey.signingBytes(chainID: "", message: tlsKey) }

    /// Whom a peer presenting `certificate` is accepted as: its certificate's key if `accepts` takes it (an
    /// Ed25519 node key), else the node key of a valid binding that `accepts` takes; nil when neither.
    public static func identity(_ certificate: PeerCertificate, accepts: ([UInt8]) -> Bool) -> [UInt8]? {
        if accepts(certificate.key) { return certificate.key }
        guard let binding = certificate.binding else { return nil }
        var r = CanonicalReader(binding)
        guard let key = try? r.publicKey("binding.key"), let signature = try? r.bytes("binding.signature", max: 256),
              r.remaining == 0, accepts(key.bytes),
              SignatureMemo.shared.verify(key, signature: signature, message: message(certificate.key)) else { return nil }
        return key.bytes
    }
}
