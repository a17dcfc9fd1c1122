import YongchainCrypto

/// A position in the state tree: a depth (0...256) and the first `depth` bits of every key hash below it.
///
/// Bits are MSB-first, as in key hashes: bit 0 is the top bit of byte 0, and bit 0 chooses the root's child.
/// `bits` holds ceil(depth/8) bytes with the unused trailing bits zero, so a path has exactly one encoding.
/// Canonical form: u16 depth, then the ceil(depth/8) bytes raw.
public struct TreePath: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public static let maxDepth = 256
    public static let root = TreePath(unchecked: 0, (0, 0, 0, 0))

    public let depth: Int
    /// The bits, MSB-first, in four words (word 0 holds bits 0...63): inline, so making a child's path — done for
    /// every node an update visits — allocates nothing.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// nil unless `depth` is in 0...256, `bits` has ceil(depth/8) bytes and its unused trailing bits are zero.
    public init?(depth: Int, bits: [UInt8]) {
        guard (0...Self.maxDepth).contains(depth), bits.count == (depth + 7) / 8 else { return nil }
        if depth % 8 != 0, bits[bits.count - 1] & (0xff >> UInt8(depth % 8)) != 0 { return nil }
        var w: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bits.enumerated() { w[i >> 3] |= UInt64(b) << UInt64(56 - 8 * (i & 7)) }
        self.depth = depth
        self.words = (w[0], w[1], w[2], w[3])
    }

    private init(unchecked depth: Int, _ words: (UInt64, UInt64, UInt64, UInt64)) {
        self.depth = depth
        self.words = words
    }

    /// ceil(depth/8) bytes, MSB-first, unused trailing bits zero (the canonical form's bytes).
    public var bits: [UInt8] {
        (0..<(depth + 7) / 8).map { i in UInt8(truncatingIfNeeded: word(i >> 3) >> UInt64(56 - 8 * (i & 7))) }
    }

    private func word(_ i: Int) -> UInt64 {
        switch i { case 0: return words.0; case 1: return words.1; case 2: return words.2; default: return words.3 }
    }

    public static func == (a: TreePath, b: TreePath) -> Bool {
        a.depth == b.depth && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(depth)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The path's bits as a number (depth 0...63): its place among the 2^depth paths of its depth.
    public var index: Int {
        precondition(depth < 64, "TreePath.index: depth \(depth) is 64 or more")
        return depth == 0 ? 0 : Int(words.0 >> UInt64(64 - depth))
    }

    /// Bit `i` (0..<depth) of this path.
    public func bit(_ i: Int) -> Int {
        precondition(i >= 0 && i < depth, "TreePath.bit: index \(i) outside depth \(depth)")
        return Int((word(i >> 6) >> UInt64(63 - (i & 63))) & 1)
    }

    /// The child's path: this path plus one bit. Callers MUST NOT extend a path of depth 256.
    public func appending(_ bit: Int) -> TreePath {
        precondition(depth < Self.maxDepth, "TreePath.appending: a path of depth 256 has no children")
        guard bit != 0 else { return TreePath(unchecked: depth + 1, words) }
        let mask = UInt64(1) << UInt64(63 - (depth & 63))
        var w = words
        switch depth >> 6 {
        case 0: w.0 |= mask
        case 1: w.1 |= mask
        case 2: w.2 |= mask
        default: w.3 |= mask
        }
        return TreePath(unchecked: depth + 1, w)
    }

    /// The first `depth` bits of this path (0...self.depth).
    public func prefix(_ depth: Int) -> TreePath {
        precondition(depth >= 0 && depth <= self.depth, "TreePath.prefix: \(depth) outside 0...\(self.depth)")
        func keep(_ w: UInt64, _ i: Int) -> UInt64 {
            let bits = depth - 64 * i
            if bits <= 0 { return 0 }
            if bits >= 64 { return w }
            return w & ~(UInt64.max >> UInt64(bits))
        }
        return TreePath(unchecked: depth, (keep(words.0, 0), keep(words.1, 1), keep(words.2, 2), keep(words.3, 3)))
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
        for i in 0..<(depth + 7) / 8 { w.u8(UInt8(truncatingIfNeeded: word(i >> 3) >> UInt64(56 - 8 * (i & 7)))) }
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
