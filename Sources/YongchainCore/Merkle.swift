import YongchainCrypto

/// Merkle tree over an ordered list (RFC 6962 shape): leaves are H(0x00 || item), inner nodes H(0x01 || l || r),
/// and a list of n > 1 splits at the largest power of two below n. The empty list's root is H(""). H is the
/// chain's hash suite.
public enum Merkle {
    public static func leafHash(_ item: [UInt8], suite: HashSuite) -> Hash { suite.digest(parts: [[0], item]) }
    static func nodeHash(_ l: Hash, _ r: Hash, _ suite: HashSuite) -> Hash { suite.digest(tag: 1, l, r) }

    public static func root(_ items: [[UInt8]], suite: HashSuite) -> Hash { root(leaves: items.map { leafHash($0, suite: suite) }, suite: suite) }

    /// Root over already hashed leaves, bottom-up (pairing then promoting an odd last node gives the same tree
    /// as the recursive split rule).
    public static func root(leaves: [Hash], suite: HashSuite) -> Hash {
        if leaves.isEmpty { return suite.digest([UInt8]()) }
        var level = leaves
        while level.count > 1 {
            var next: [Hash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(nodeHash(level[i], level[i + 1], suite))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }

    /// Proof that leaf `index` is in a tree of `count` leaves: sibling hashes from the leaf up.
    public static func proof(leaves: [Hash], index: Int, suite: HashSuite) -> MerkleProof {
        proofs(leaves: leaves, indices: [index], suite: suite)[0]
    }

    /// The proofs of several leaves, each the one `proof` gives, from one pass over the tree's levels (a proof
    /// each would hash the whole tree once per leaf: a member owning most of a block's transactions cost the
    /// full node that many times the block's hashes).
    public static func proofs(leaves: [Hash], indices: [Int], suite: HashSuite) -> [MerkleProof] {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < leaves.count }, "proof index out of range")
        var paths = [[Hash]](repeating: [], count: indices.count)
        var at = indices
        var level = leaves
        while level.count > 1 {
            for k in at.indices {
                let sibling = at[k] ^ 1
                if sibling < level.count { paths[k].append(level[sibling]) }
                at[k] /= 2
            }
            var next: [Hash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var j = 0
            while j + 1 < level.count { next.append(nodeHash(level[j], level[j + 1], suite)); j += 2 }
            if j < level.count { next.append(level[j]) }
            level = next
        }
        return zip(indices, paths).map { MerkleProof(index: $0, count: leaves.count, path: $1) }
    }
}

public struct MerkleProof: Sendable, Equatable {
    public let index: Int
    public let count: Int
    public let path: [Hash]

    public init(index: Int, count: Int, path: [Hash]) {
        self.index = index
        self.count = count
        self.path = path
    }

    /// Recomputes the root from `leaf` and the path; true only if it equals `root`.
    public func verify(leaf: Hash, root: Hash, suite: HashSuite) -> Bool {
        guard index >= 0, index < count else { return false }
        var h = leaf
        var i = index
        var width = count
        var p = path.makeIterator()
        while width > 1 {
            if i ^ 1 < width || i % 2 == 1 {
                guard let s = p.next() else { return false }
                h = i % 2 == 0 ? Merkle.nodeHash(h, s, suite) : Merkle.nodeHash(s, h, suite)
            }
            i /= 2
            width = (width + 1) / 2
        }
        return p.next() == nil && h == root
    }
}
