import COpenSSL

/// A public key with its suite. Its text form is `suite:hex`: `ed25519:<64 hex>` or `sm2:<130 hex>`.
///
/// Only valid keys exist: the bytes have the suite's length and, for SM2, are an uncompressed point on the curve.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let suite: SignatureSuite
    public let bytes: [UInt8]

    /// Checks the bytes for `suite`; throws `KEY_INVALID` saying why they are not such a key.
    public init(suite: SignatureSuite, validating bytes: [UInt8]) throws {
        guard bytes.count == suite.publicKeyLength else {
            throw CryptoError(code: "KEY_INVALID", message: "an \(suite) public key is \(suite.publicKeyLength) bytes, not \(bytes.count)")
        }
        self.suite = suite
        self.bytes = bytes
        if suite == .sm2, ParsedPublicKeys.shared.pkey(self) == nil {
            throw CryptoError(code: "KEY_INVALID", message: SM2.publicKeyProblem(bytes) ?? "not an SM2 public key")
        }
    }

    public init?(suite: SignatureSuite, bytes: [UInt8]) {
        guard let k = try? PublicKey(suite: suite, validating: bytes) else { return nil }
        self = k
    }

    /// Parses `suite:<hex>` (a bare 64-hex string is taken as Ed25519, as before suites had names); throws
    /// `KEY_MALFORMED` (not that form, an unknown suite) or `KEY_INVALID` (the bytes are no such key).
    public init(validatingText text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let suite: SignatureSuite
        let hex: String
        if parts.count == 2 {
            guard let s = SignatureSuite(name: parts[0]) else {
                throw CryptoError(code: "KEY_MALFORMED", message: "unknown key algorithm '\(parts[0].prefix(16))' (expected \(SignatureSuite.keyTextForms))")
            }
            suite = s
            hex = parts[1]
        } else {
            suite = .ed25519
            hex = text
        }
        guard let b = Hex.decode(hex) else {
            throw CryptoError(code: "KEY_MALFORMED", message: "not a public key (expected \(SignatureSuite.keyTextForms))")
        }
        try self.init(suite: suite, validating: b)
    }

    public init?(text: String) {
        guard let k = try? PublicKey(validatingText: text) else { return nil }
        self = k
    }

    /// The key whose `text` is exactly `utf8` — the suite named, the hex in lower case — so one key has one
    /// spelling; nil for anything else (a bare hex key, upper-case hex, a key the suite refuses). What
    /// `PublicKey(text:)` and then `k.text == text` decide, without the strings (an envelope's signer).
    public init?(exactText utf8: ArraySlice<UInt8>) {
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
              let suite = SignatureSuite.allCases.first(where: { $0.name.utf8.elementsEqual(utf8[..<colon]) }) else { return nil }
        let hex = utf8[(colon + 1)...]
        guard hex.count == 2 * suite.publicKeyLength,
              hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let b = hex.withContiguousStorageIfAvailable({ Hex.decode(utf8: $0) }) ?? nil,
              let k = PublicKey(suite: suite, bytes: b) else { return nil }
        self = k
    }

    public var text: String {
        String(unsafeUninitializedCapacity: textCount) { writeText(into: $0, at: 0) }
    }

    /// `text`'s UTF-8 after `prefix`: a state key named by a public key, built without strings.
    public func textUTF8(after prefix: [UInt8] = []) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: prefix.count + textCount) { out, count in
            count = writeText(into: out, at: out.initialize(from: prefix).1)
        }
    }

    /// The length of `text` in bytes: `<suite>:` and two hex digits a byte.
    private var textCount: Int { suite.name.utf8.count + 1 + 2 * bytes.count }

    /// Writes `text` into `out` from `at` in one pass (one allocation of the exact size for a key's text, where
    /// arrays concatenated and digits appended one at a time cost about 2,000 instructions on every look-up of a
    /// member by key); returns the index after it.
    private func writeText(into out: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        let i = out[at...].initialize(from: suite.name.utf8).1
        out[i] = UInt8(ascii: ":")
        return Hex.write(bytes, into: out, at: i + 1)
    }

    /// The key's bytes in one call (the synthesised hash fed them a byte at a time).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(suite)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
    public var description: String { text }

    /// A short stable identifier: the first 20 bytes of SHA-256(suite || key), in hex. A name for logs and
    /// status, the same on every chain the key is on, not a chain hash (so SHA-256 whatever the chain's suite).
    public var keyID: String { Hex.encode(Array(HashSuite.sha256.digest([suite.rawValue] + bytes).bytes.prefix(20))) }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        if lhs.suite != rhs.suite { return lhs.suite.rawValue < rhs.suite.rawValue }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// True only if `signature` is a valid signature of `message` by this key, in this key's suite. `keepParsed`
    /// keeps libcrypto's form of the key for the next check; pass false for a key that signs once (an owner's
    /// consent), which would only push the members' keys out.
    public func verify(signature: [UInt8], message: [UInt8], keepParsed: Bool = true) -> Bool {
        guard signature.count == suite.signatureLength else { return false }
        guard let pkey = keepParsed ? ParsedPublicKeys.shared.pkey(self) : ParsedPublicKeys.parse(self) else { return false }
        switch suite {
        case .ed25519:
            guard let ctx = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey.pointer) == 1 else { return false }
            return EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
        case .sm2:
            return SM2.verify(pkey.pointer, signature: signature, message: message)
        }
    }

    /// `verify` with the reason: throws `SIGNATURE_MALFORMED` (wrong length for this key's suite, or an SM2
    /// signature whose r or s is out of range) or `SIGNATURE_INVALID` (well-formed, but not this key's signature
    /// of these bytes).
    public func check(signature: [UInt8], message: [UInt8]) throws {
        guard signature.count == suite.signatureLength else {
            throw CryptoError(code: "SIGNATURE_MALFORMED", message: "an \(suite) signature is \(suite.signatureLength) bytes, not \(signature.count)")
        }
        if suite == .sm2, let problem = SM2.signatureProblem(signature) {
            throw CryptoError(code: "SIGNATURE_MALFORMED", message: problem)
        }
        guard verify(signature: signature, message: message) else {
            throw CryptoError(code: "SIGNATURE_INVALID", message: "not \(keyID)'s \(suite) signature of these bytes")
        }
    }
}

/// libcrypto's form of the public keys that verify most: a node checks the same few members' keys thousands of
/// times a second, and making an `EVP_PKEY` for each check was 3 % of a node's CPU under load. Bounded: when
/// full (many distinct owners' keys), it starts again empty. An `EVP_PKEY` is only read once made, which
/// libcrypto allows from many threads at once. Look-ups take a read-write lock's read side: every admitting thread
/// looks up the same few keys, and under a `Mutex` they queued for it in the kernel (its priority-inheritance
/// futex) whenever the scheduler preempted a holder, 3 % of a validator's CPU past saturation
/// (docs/performance.md, session 13).
final class ParsedPublicKeys: @unchecked Sendable {
    static let shared = ParsedPublicKeys(capacity: 4096)

    final class PKey: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ p: OpaquePointer) { pointer = p }
        deinit { EVP_PKEY_free(pointer) }
    }

    private let keys = ReadWriteLock<[PublicKey: PKey]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Keys held now (at most `capacity`).
    var count: Int { keys.read { $0.count } }

    func pkey(_ key: PublicKey) -> PKey? {
        if let p = keys.read({ $0[key] }) { return p }
        guard let p = Self.parse(key) else { return nil }
        keys.write {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[key] = p
        }
        return p
    }

    static func parse(_ key: PublicKey) -> PKey? {
        switch key.suite {
        case .ed25519:
            return key.bytes.withUnsafeBufferPointer {
                EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
            }.map(PKey.init)
        case .sm2:
            return SM2.parsePublicKey(key.bytes).map(PKey.init)
        }
    }
}
