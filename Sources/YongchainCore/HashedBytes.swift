import Foundation

/// Bytes as a dictionary key, hashed in one call: an `[UInt8]` key is fed to the hasher a byte at a time, which
/// made hashing a member record or a state key most of a look-up's cost.
public struct HashedBytes: Hashable, Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }

    /// Whether `a` sorts before `b`: unsigned bytes, a prefix before what extends it — `lexicographicallyPrecedes`'s
    /// order, by one `memcmp` (the generic comparison cost some 600 instructions a pair, and sorting a block's
    /// writes by it about 27,000 a `register` transaction: docs/performance.md, session 16).
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = min(a.count, b.count)
        let c = n == 0 ? 0 : a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, n) } }
        return c != 0 ? c < 0 : a.count < b.count
    }
}
