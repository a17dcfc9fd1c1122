import COpenSSL
import Foundation

/// A private signing key held by libcrypto, Ed25519 or SM2. Immutable once made, so it is safe to share between
/// threads.
public final class PrivateKey: @unchecked Sendable {
    public let suite: SignatureSuite
    public let publicKey: PublicKey
    private let pkey: OpaquePointer

    private init(suite: SignatureSuite, pkey: OpaquePointer) throws {
        self.suite = suite
        self.pkey = pkey
        let raw: [UInt8]?
        switch suite {
        case .ed25519:
            var len = 32
            var out = [UInt8](repeating: 0, count: 32)
            raw = EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1 && len == 32 ? out : nil
        case .sm2:
            raw = SM2.publicKeyBytes(pkey)
        }
        guard let raw, let pk = PublicKey(suite: suite, bytes: raw) else {
            EVP_PKEY_free(pkey)
            throw CryptoError(code: "KEY_INVALID", message: "libcrypto could not read the public half of the key")
        }
        self.publicKey = pk
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh key from libcrypto's CSPRNG.
    public static func generate(suite: SignatureSuite = .ed25519) throws -> PrivateKey {
        let made: OpaquePointer?
        switch suite {
        case .ed25519:
            guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
                throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto has no Ed25519 key generator")
            }
            defer { EVP_PKEY_CTX_free(ctx) }
            var pkey: OpaquePointer?
            made = EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1 ? pkey : nil
        case .sm2:
            made = SM2.generate()
        }
        guard let made else {
            ERR_clear_error()
            throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto failed to generate an \(suite) key")
        }
        return try PrivateKey(suite: suite, pkey: made)
    }

    /// Deterministic key from a 32-byte seed: Ed25519's seed (RFC 8032), or for SM2 the private scalar d itself
    /// (big-endian, 1 ≤ d ≤ n-2). For tests, vectors and simulations only: a real key comes from `generate`.
    public static func fromSeed(_ seed: [UInt8], suite: SignatureSuite = .ed25519) throws -> PrivateKey {
        guard seed.count == 32 else { throw CryptoError(code: "KEY_INVALID", message: "a seed is exactly 32 bytes") }
        switch suite {
        case .ed25519:
            guard let made = seed.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }) else {
                throw CryptoError(code: "KEY_INVALID", message: "libcrypto refused the Ed25519 seed")
            }
            return try PrivateKey(suite: .ed25519, pkey: made)
        case .sm2:
            // PKCS#8 of an EC key on the SM2 curve holding d alone (RFC 5915): libcrypto computes the public point.
            let der: [UInt8] = [0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01,
                                0x04, 0x20] + seed
            guard seed.contains(where: { $0 != 0 }), seed.lexicographicallyPrecedes(SM2.order.dropLast() + [SM2.order.last! - 1]) else {
                throw CryptoError(code: "KEY_INVALID", message: "an SM2 private key is between 1 and n-2")
            }
            let pem = "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString(options: .lineLength64Characters))\n-----END PRIVATE KEY-----\n"
            return try PrivateKey(pem: pem)
        }
    }

    /// Parses a PKCS#8 PEM private key ("BEGIN PRIVATE KEY"), Ed25519 or SM2 (an EC key on the SM2 curve, as
    /// `openssl genpkey -algorithm SM2` writes it).
    public convenience init(pem: String) throws {
        let made = try PKCS8PEM.parse(pem)
        let suite: SignatureSuite
        if EVP_PKEY_get_id(made) == EVP_PKEY_ED25519 {
            suite = .ed25519
        } else if EVP_PKEY_is_a(made, "SM2") == 1 {
            suite = .sm2
        } else {
            EVP_PKEY_free(made)
            throw CryptoError(code: "KEY_UNSUPPORTED", message: "only Ed25519 and SM2 private keys are supported")
        }
        try self.init(suite: suite, pkey: made)
    }

    /// The key as PKCS#8 PEM, unencrypted: the file holding it MUST be readable by its owner only.
    public func pemPKCS8() -> String { PKCS8PEM.encode(pkey) }

    /// Signs `message` in this key's suite: Ed25519 over the message itself; SM2 over SM3(Z ‖ message), raw r ‖ s.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        switch suite {
        case .ed25519:
            guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)") }
            defer { EVP_MD_CTX_free(ctx) }
            var sig = [UInt8](repeating: 0, count: 64)
            var len = 64
            guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1,
                  EVP_DigestSign(ctx, &sig, &len, message, message.count) == 1 else {
                fatalError("libcrypto: Ed25519 signing failed with a valid key")
            }
            return sig
        case .sm2:
            guard let sig = SM2.sign(pkey, message) else { fatalError("libcrypto: SM2 signing failed with a valid key") }
            return sig
        }
    }
}
