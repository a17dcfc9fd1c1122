/// Base64 (RFC 4648, section 4: the standard alphabet, `=` padding, no line breaks) of bytes, as ASCII: what
/// Foundation's `Data.base64EncodedString()` writes, at a fraction of its cost on Linux (a proven answer's two
/// base64 fields cost about 32,000 instructions through Foundation, docs/performance.md session 12).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` in base64, written into a buffer of its exact size (appending byte by byte cost about 35
    /// instructions a byte, twice Foundation's).
    static func encoded(_ bytes: [UInt8]) -> [UInt8] {
        let count = (bytes.count + 2) / 3 * 4
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            alphabet.withUnsafeBufferPointer { a in
                bytes.withUnsafeBufferPointer { b in
                    var i = 0, o = 0
                    while i + 3 <= b.count {
                        let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
                        out[o] = a[Int(n >> 18)]
                        out[o + 1] = a[Int(n >> 12 & 63)]
                        out[o + 2] = a[Int(n >> 6 & 63)]
                        out[o + 3] = a[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    let left = b.count - i
                    if left > 0 {
                        let n = UInt32(b[i]) << 16 | (left == 2 ? UInt32(b[i + 1]) << 8 : 0)
                        out[o] = a[Int(n >> 18)]
                        out[o + 1] = a[Int(n >> 12 & 63)]
                        out[o + 2] = left == 2 ? a[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                        out[o + 3] = UInt8(ascii: "=")
                    }
                }
            }
            initialized = count
        }
    }

    /// `bytes` in base64.
    public static func encode(_ bytes: [UInt8]) -> String { String(decoding: encoded(bytes), as: UTF8.self) }
}
