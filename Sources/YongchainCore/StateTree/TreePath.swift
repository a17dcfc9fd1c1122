import YongchainCrypto

/// A position in the state tree: a depth (0...256) and the first `depth` bits of every key hash below it.
///
/// Bits are MSB-first, as in key hashes: bit 0 is the top bit of byte 0, and bit 0 chooses the root's child.
/// `bits` holds ceil(depth/8) bytes with the unused trailing bits zero, so a path has exactly one encoding.
/// Canonical form: u16 depth, then the ceil(depth/8) bytes raw.
public struct TreePath: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public static let maxDepth = 256
    public static let root = TreePath(unchecked: 0, [])

    public let depth: Int
    public let bits: [UInt8]

    /// nil unless `depth` is in 0...256, `bits` has ceil(depth/8) bytes and its unused trailing bits are zero.
    public init?(depth: Int, bits: [UInt8]) {
        guard (0...Self.maxDepth).contains(depth), bits.count == (depth + 7) / 8 else { return nil }
        if depth % 8 != 0, bits[bits.count - 1] & (0xff >> UInt8(depth % 8)) != 0 { return nil }
        self.depth = depth
        self.bits = bits
    }

    private init(unchecked depth: Int, _ bits: [UInt8]) {
        self.depth = depth
        self.bits = bits
    }

    /// Bit `i` (0..<depth) of this path.
    public func bit(_ i: Int) -> Int {
        precondition(i >= 0 && i < depth, "TreePath.bit: index \(i) outside depth \(depth)")
        return Int((bits[i >> 3] >> (7 - UInt8(i & 7))) & 1)
    }

    /// The child's path: this path plus one bit. Callers MUST NOT extend a path of depth 256.
    public func appending(_ bit: Int) -> TreePath {
        precondition(depth < Self.maxDepth, "TreePath.appending: a path of depth 256 has no children")
        var b = bits
        if depth % 8 == 0 { b.append(0) }
        if bit != 0 { b[depth >> 3] |= 0x80 >> UInt8(depth & 7) }
        return TreePath(unchecked: depth + 1, b)
    }

    /// Whether `hash` starts with this path's bits.
    public func isPrefix(of hash: Hash) -> Bool {
        for i in 0..<depth where StateTree.bit(hash, i) != bit(i) { return false }
        return true
    }

    public var description: String {
        depth == 0 ? "/" : (0..<depth).map { bit($0) == 0 ? "0" : "1" }.joined()
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u16(UInt16(depth))
        w.raw(bits)
    }

    public init(from r: inout CanonicalReader) throws {
        let depth = Int(try r.u16("tree path depth"))
        guard depth <= Self.maxDepth else { throw EncodingError.invalid("tree path", "depth \(depth) exceeds 256") }
        let bits = try r.raw((depth + 7) / 8, "tree path bits")
        guard let path = TreePath(depth: depth, bits: bits) else {
            throw EncodingError.invalid("tree path", "bits beyond the depth are set")
        }
        self = path
    }
}
