import COpenSSL

/// An X25519 public key (RFC 7748): 32 bytes. Its text form is `x25519:<64 hex>`.
public struct X25519PublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    /// Wraps exactly 32 bytes; anything else is nil. Every 32-byte string is a valid X25519 input (RFC 7748 §5);
    /// a low-order point shows up as a failed `sharedSecret(with:)`, not here.
    public init?(bytes: [UInt8]) {
        guard bytes.count == X25519PublicKey.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Parses `x25519:<64 hex>` (the prefix is required: a bare hex string could be meant as an Ed25519 key).
    public init?(text: String) {
        guard text.hasPrefix("x25519:"), let b = Hex.decode(String(text.dropFirst(7))) else { return nil }
        self.init(bytes: b)
    }

    public var text: String { "x25519:" + Hex.encode(bytes) }
    public var description: String { text }
}

/// An X25519 private key held by libcrypto, for one key agreement (sessions use a fresh one per handshake).
/// Immutable once made, so it is safe to share between threads.
public final class X25519PrivateKey: @unchecked Sendable {
    public let publicKey: X25519PublicKey
    private let pkey: OpaquePointer

    private init(pkey: OpaquePointer) throws {
        self.pkey = pkey
        var raw = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &len) == 1, len == 32, let pk = X25519PublicKey(bytes: raw) else {
            EVP_PKEY_free(pkey)
            throw CryptoError(code: "KEY_INVALID", message: "libcrypto could not read the public half of the X25519 key")
        }
        publicKey = pk
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh key from libcrypto's CSPRNG.
    public static func generate() throws -> X25519PrivateKey {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) else {
            throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto has no X25519 key generator")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &pkey) == 1, let made = pkey else {
            ERR_clear_error()
            throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto failed to generate an X25519 key")
        }
        return try X25519PrivateKey(pkey: made)
    }

    /// The key with these 32 private bytes. For test vectors only: a real key comes from `generate`.
    public static func fromRaw(_ raw: [UInt8]) throws -> X25519PrivateKey {
        guard raw.count == 32, let made = raw.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32)
        }) else { throw CryptoError(code: "KEY_INVALID", message: "an X25519 private key is exactly 32 bytes") }
        return try X25519PrivateKey(pkey: made)
    }

    /// The 32-byte shared secret with `peer` (RFC 7748 §6.1). Callers MUST NOT use it as a key directly: derive
    /// one with `HKDFSHA256`, binding who agreed on what.
    ///
    /// - Throws: `CryptoError` `KEY_AGREEMENT_FAILED` when the peer's key is a low-order point (the secret would be
    ///   all zeros, which libcrypto refuses; the check is repeated here so that guarantee does not hang on it).
    public func sharedSecret(with peer: X25519PublicKey) throws -> [UInt8] {
        let failed = CryptoError(code: "KEY_AGREEMENT_FAILED",
                                 message: "no X25519 shared secret with \(peer.text): it is a low-order point")
        guard let peerKey = peer.bytes.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, $0.count)
        }) else {
            ERR_clear_error()
            throw failed
        }
        defer { EVP_PKEY_free(peerKey) }
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { fatalError("libcrypto: EVP_PKEY_CTX_new failed (out of memory)") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var secret = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peerKey) == 1,
              EVP_PKEY_derive(ctx, &secret, &len) == 1, len == 32 else {
            ERR_clear_error()
            throw failed
        }
        guard secret.contains(where: { $0 != 0 }) else { throw failed }
        return secret
    }
}
