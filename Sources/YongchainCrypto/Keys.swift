import COpenSSL
import Synchronization

/// The signature suites Yongchain knows. Ed25519 is the default; an SM2/SM3 suite for national-crypto
/// deployments is planned. Callers never switch on the suite: they hold `PublicKey` / `PrivateKey`, which do.
public enum SignatureSuite: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case ed25519 = 1

    public var name: String {
        switch self { case .ed25519: return "ed25519" }
    }
    public var description: String { name }
    public init?(name: String) {
        guard let s = SignatureSuite.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }
    var publicKeyLength: Int { 32 }
    var signatureLength: Int { 64 }
}

/// A public key with its suite. Its text form is `suite:hex`, e.g. `ed25519:3b6a…`.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let suite: SignatureSuite
    public let bytes: [UInt8]

    public init?(suite: SignatureSuite, bytes: [UInt8]) {
        guard bytes.count == suite.publicKeyLength else { return nil }
        self.suite = suite
        self.bytes = bytes
    }

    /// Parses `ed25519:<64 hex>`; a bare 64-hex string is taken as Ed25519.
    public init?(text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let suite: SignatureSuite
        let hex: String
        if parts.count == 2 {
            guard let s = SignatureSuite(name: parts[0]) else { return nil }
            suite = s
            hex = parts[1]
        } else {
            suite = .ed25519
            hex = text
        }
        guard let b = Hex.decode(hex) else { return nil }
        self.init(suite: suite, bytes: b)
    }

    public var text: String { "\(suite.name):\(Hex.encode(bytes))" }

    /// The key's bytes in one call (the synthesised hash fed them a byte at a time).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(suite)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
    public var description: String { text }

    /// A short stable identifier: the first 20 bytes of SHA-256(suite || key), in hex.
    public var keyID: String { Hex.encode(Array(Hash.sha256([suite.rawValue] + bytes).bytes.prefix(20))) }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        if lhs.suite != rhs.suite { return lhs.suite.rawValue < rhs.suite.rawValue }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// True only if `signature` is a valid signature of `message` by this key. `keepParsed` keeps libcrypto's
    /// form of the key for the next check; pass false for a key that signs once (an owner's consent), which would
    /// only push the members' keys out.
    public func verify(signature: [UInt8], message: [UInt8], keepParsed: Bool = true) -> Bool {
        guard signature.count == suite.signatureLength else { return false }
        switch suite {
        case .ed25519:
            guard let pkey = keepParsed ? ParsedPublicKeys.shared.pkey(self) : ParsedPublicKeys.parse(self) else { return false }
            guard let ctx = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey.pointer) == 1 else { return false }
            return EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
        }
    }
}

/// libcrypto's form of the public keys that verify most: a node checks the same few members' keys thousands of
/// times a second, and making an `EVP_PKEY` for each check was 3 % of a node's CPU under load. Bounded: when
/// full (many distinct owners' keys), it starts again empty. An `EVP_PKEY` is only read once made, which
/// libcrypto allows from many threads at once.
final class ParsedPublicKeys: @unchecked Sendable {
    static let shared = ParsedPublicKeys(capacity: 4096)

    final class PKey: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ p: OpaquePointer) { pointer = p }
        deinit { EVP_PKEY_free(pointer) }
    }

    private let lock = Mutex<[PublicKey: PKey]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func pkey(_ key: PublicKey) -> PKey? {
        if let p = lock.withLock({ $0[key] }) { return p }
        guard let p = Self.parse(key) else { return nil }
        lock.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[key] = p
        }
        return p
    }

    static func parse(_ key: PublicKey) -> PKey? {
        key.bytes.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }.map(PKey.init)
    }
}

/// A private signing key held by libcrypto. Immutable once made, so it is safe to share between threads.
public final class PrivateKey: @unchecked Sendable {
    public let suite: SignatureSuite
    public let publicKey: PublicKey
    private let pkey: OpaquePointer

    private init(suite: SignatureSuite, pkey: OpaquePointer) throws {
        self.suite = suite
        self.pkey = pkey
        var len = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &len) == 1, len == 32,
              let pk = PublicKey(suite: suite, bytes: raw) else {
            EVP_PKEY_free(pkey)
            throw CryptoError(code: "KEY_INVALID", message: "libcrypto could not read the public half of the key")
        }
        self.publicKey = pk
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh key from libcrypto's CSPRNG.
    public static func generate(suite: SignatureSuite = .ed25519) throws -> PrivateKey {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto has no Ed25519 key generator")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &pkey) == 1, let made = pkey else {
            throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto failed to generate an Ed25519 key")
        }
        return try PrivateKey(suite: suite, pkey: made)
    }

    /// Deterministic key from a 32-byte seed. For tests and simulations only: a real key comes from `generate`.
    public static func fromSeed(_ seed: [UInt8]) throws -> PrivateKey {
        guard seed.count == 32, let made = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { throw CryptoError(code: "KEY_INVALID", message: "an Ed25519 seed is exactly 32 bytes") }
        return try PrivateKey(suite: .ed25519, pkey: made)
    }

    /// Parses a PKCS#8 PEM private key ("BEGIN PRIVATE KEY").
    public convenience init(pem: String) throws {
        let bytes = Array(pem.utf8)
        guard let bio = bytes.withUnsafeBufferPointer({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw CryptoError(code: "KEY_INVALID", message: "could not read the PEM text")
        }
        defer { BIO_free(bio) }
        // PKCS8_PRIV_KEY_INFO, then EVP_PKCS82PKEY: this path works in minimal images whose libcrypto cannot
        // decode PEM keys through the generic decoder (seen in a debootstrapped bookworm with OpenSSL 3.0.20).
        guard let p8 = PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, nil, nil, nil) else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_INVALID", message: "not a PKCS#8 PEM private key")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(p8) }
        guard let made = EVP_PKCS82PKEY(p8) else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_INVALID", message: "not a PKCS#8 PEM private key")
        }
        guard EVP_PKEY_get_id(made) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(made)
            throw CryptoError(code: "KEY_UNSUPPORTED", message: "only Ed25519 private keys are supported")
        }
        try self.init(suite: .ed25519, pkey: made)
    }

    /// The key as PKCS#8 PEM, unencrypted: the file holding it MUST be readable by its owner only.
    public func pemPKCS8() -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("libcrypto: BIO_new failed (out of memory)") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            fatalError("libcrypto: PEM_write_bio_PrivateKey failed for a key it made")
        }
        var ptr: UnsafeMutablePointer<CChar>?
        let len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &ptr)
        guard let p = ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    /// Signs `message` (Ed25519 signs the message itself, no pre-hash).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)") }
        defer { EVP_MD_CTX_free(ctx) }
        var sig = [UInt8](repeating: 0, count: 64)
        var len = 64
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1,
              EVP_DigestSign(ctx, &sig, &len, message, message.count) == 1 else {
            fatalError("libcrypto: Ed25519 signing failed with a valid key")
        }
        return sig
    }
}

/// A crypto failure with a stable code and a sentence a person can act on.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
