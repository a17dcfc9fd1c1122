/// Base64 (RFC 4648, section 4: the standard alphabet, `=` padding, no line breaks) of bytes, as ASCII: what
/// Foundation's `Data.base64EncodedString()` writes, at a fraction of its cost on Linux (a proven answer's two
/// base64 fields cost about 32,000 instructions through Foundation, docs/performance.md session 12).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` in base64, appended to `out`.
    public static func encode(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                while i + 3 <= b.count {
                    let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
                    out.append(a[Int(n >> 18)])
                    out.append(a[Int(n >> 12 & 63)])
                    out.append(a[Int(n >> 6 & 63)])
                    out.append(a[Int(n & 63)])
                    i += 3
                }
                let left = b.count - i
                guard left > 0 else { return }
                let n = UInt32(b[i]) << 16 | (left == 2 ? UInt32(b[i + 1]) << 8 : 0)
                out.append(a[Int(n >> 18)])
                out.append(a[Int(n >> 12 & 63)])
                out.append(left == 2 ? a[Int(n >> 6 & 63)] : UInt8(ascii: "="))
                out.append(UInt8(ascii: "="))
            }
        }
    }

    /// `bytes` in base64.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        encode(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
