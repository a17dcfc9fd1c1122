import YongchainCrypto

/// A reference from a parent (or a block's state root) to a non-empty subtree: the version of the node at the
/// child's path, its hash, and whether it is a leaf. `isLeaf` lets an update decide to collapse a single leaf
/// upward without reading an untouched sibling's subtree. Canonical form: u64 version, hash, bool isLeaf.
public struct ChildRef: Hashable, Sendable, CanonicalCodable {
    public let version: UInt64
    public let hash: Hash
    public let isLeaf: Bool

    public init(version: UInt64, hash: Hash, isLeaf: Bool) {
        self.version = version
        self.hash = hash
        self.isLeaf = isLeaf
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(version)
        w.hash(hash)
        w.bool(isLeaf)
    }

    public init(from r: inout CanonicalReader) throws {
        version = try r.u64("child version")
        hash = try r.hash("child hash")
        isLeaf = try r.bool("child isLeaf")
    }
}
