import COpenSSL

/// A SHA-256 digest: the identity of blocks, transactions, documents and state.
public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public static let zero = Hash(unchecked: [UInt8](repeating: 0, count: 32))

    public let bytes: [UInt8]

    /// Wraps exactly 32 bytes; anything else is nil.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == Hash.byteCount else { return nil }
        self.bytes = bytes
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Parses 64 hex digits (either case); nil otherwise.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Hash.byteCount else { return nil }
        self.bytes = bytes
    }

    public var hex: String { Hex.encode(bytes) }

    /// One call for all 32 bytes: the synthesised hash fed the hasher a byte at a time, and hashes key the
    /// mempool, the signature memo and every index of transactions.
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    public var description: String { hex }
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Hash, rhs: Hash) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// libcrypto's SHA-256, fetched once: `SHA256()` and `EVP_sha256()` look the algorithm up in the provider
    /// tables on every call, which cost as much as hashing a transaction. A fetched `EVP_MD` is immutable and
    /// may be used from any thread.
    nonisolated(unsafe) static let sha256Algorithm: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto: SHA-256 is not available") }
        return md
    }()

    /// SHA-256 of `data`, computed by libcrypto.
    public static func sha256<D: ContiguousBytes>(_ data: D) -> Hash {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(raw.baseAddress, raw.count, o.baseAddress, nil, sha256Algorithm, nil) == 1
            }
        }
        guard ok else { fatalError("libcrypto: SHA-256 failed (out of memory)") }
        return Hash(unchecked: out)
    }

    /// SHA-256 over the concatenation of several byte strings, without building the concatenation.
    public static func sha256(parts: [[UInt8]]) -> Hash {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, sha256Algorithm, nil)
        for p in parts { p.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) } }
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return Hash(unchecked: out)
    }
}

/// Lower-case hexadecimal, the one text form of bytes in the API.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            out[2 * i] = digits[Int(b >> 4)]
            out[2 * i + 1] = digits[Int(b & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Bytes that can be hashed without copying.
public protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
