import COpenSSL

/// A 32-byte digest: the identity of blocks, transactions, documents and state, made by the chain's `HashSuite`
/// (SHA-256 or SM3: both give 32 bytes).
///
/// Held inline as four big-endian words, so a hash is never a heap allocation: the state tree makes and compares
/// hundreds of thousands a block. `bytes` makes an array when one is asked for.
public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public static let zero = Hash(words: (0, 0, 0, 0))

    /// Bytes 0-7, 8-15, 16-23, 24-31, each big-endian: comparing the words in order is comparing the bytes.
    let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        (w0, w1, w2, w3) = words
    }

    /// Wraps exactly 32 bytes; anything else is nil.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == Hash.byteCount else { return nil }
        self.init(unchecked: bytes)
    }

    init(unchecked bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Hash(raw: $0) }
    }

    /// The first 32 bytes of `raw`, which MUST hold at least 32 (fewer is a programmer's mistake: it traps).
    public init(raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= Hash.byteCount, "Hash(raw:) needs 32 bytes, got \(raw.count)")
        func word(_ i: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
        self.init(words: (word(0), word(1), word(2), word(3)))
    }

    /// Parses 64 hex digits (either case); nil otherwise.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Hash.byteCount else { return nil }
        self.init(unchecked: bytes)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The 32 bytes, without making an array.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &big) { try body($0) }
    }

    /// The first `n` bits (0...64), most significant first, as a number.
    public func leadingBits(_ n: Int) -> UInt64 {
        precondition(n >= 0 && n <= 64, "Hash.leadingBits: \(n) is outside 0...64")
        return n == 0 ? 0 : w0 >> UInt64(64 - n)
    }

    /// Bit `i` (0...255), most significant first: bit 0 is the top bit of byte 0.
    @inline(__always)
    public func bit(_ i: Int) -> Int {
        let w: UInt64
        switch i >> 6 { case 0: w = w0; case 1: w = w1; case 2: w = w2; default: w = w3 }
        return Int((w >> UInt64(63 - (i & 63))) & 1)
    }

    public var hex: String { Hex.encode(bytes) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0)
        hasher.combine(w1)
        hasher.combine(w2)
        hasher.combine(w3)
    }

    public static func == (a: Hash, b: Hash) -> Bool { a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3 }

    public var description: String { hex }
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Hash, b: Hash) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }
}

/// Lower-case hexadecimal, the one text form of bytes in the API.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in write(bytes, into: out, at: 0) }
    }

    /// `encode(bytes)`'s UTF-8, appended to `out` (a state key is built as bytes, without a `String` between).
    public static func utf8(_ bytes: [UInt8], appendingTo out: [UInt8] = []) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: out.count + 2 * bytes.count) { buffer, count in
            _ = buffer.initialize(from: out)
            count = write(bytes, into: buffer, at: out.count)
        }
    }

    /// Appends `encode(bytes)`'s UTF-8 to `out` in one step.
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 2 * bytes.count))
        out.withUnsafeMutableBufferPointer { _ = write(bytes, into: $0, at: start) }
    }

    /// Writes `bytes`' two digits each into `out` from index `at`, which MUST leave room for them; returns the
    /// index after the last digit. One allocation for a whole key or text, where appending a digit at a time
    /// checked the array's capacity and uniqueness on every byte.
    @discardableResult
    public static func write(_ bytes: [UInt8], into out: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        precondition(out.count - at >= 2 * bytes.count, "Hex.write: no room for \(bytes.count) bytes' digits")
        var i = at
        digits.withUnsafeBufferPointer { d in
            for b in bytes {
                out[i] = d[Int(b >> 4)]
                out[i + 1] = d[Int(b & 0x0f)]
                i += 2
            }
        }
        return i
    }

    /// The bytes of an even number of hex digits (either case); nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        // Straight from the string's own UTF-8 where it is contiguous (native strings are): copying the text into
        // an array first and appending a byte at a time cost most of a session request's two decodes.
        if let decoded = text.utf8.withContiguousStorageIfAvailable({ decode(utf8: $0) }) { return decoded }
        return Array(text.utf8).withUnsafeBufferPointer { decode(utf8: $0) }
    }

    /// The bytes of the hex digits in `utf8`; nil if their number is odd or any is not a hex digit.
    public static func decode(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { out, count in
            values.withUnsafeBufferPointer { v in
                for i in 0..<utf8.count / 2 {
                    let hi = v[Int(utf8[2 * i])], lo = v[Int(utf8[2 * i + 1])]
                    guard hi | lo < 16 else {
                        valid = false
                        return
                    }
                    out[i] = hi << 4 | lo
                    count = i + 1
                }
            }
        }
        return valid ? out : nil
    }

    /// Each byte's value as a hex digit (either case), 0xff for a byte that is none: one load a digit.
    private static let values: [UInt8] = (0...255).map { nibble(UInt8($0)) ?? 0xff }

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
