import YongchainCrypto

/// A compressed binary sparse Merkle tree over application state (a wire format; every node computes the same):
///
/// H is the chain's hash suite (SHA-256 or SM3, `Genesis.chain`), passed to every function that hashes.
///
/// - keyHash(stateKey) = H(CanonicalWriter.string("yongchain/state-key/v1") || stateKey), i.e. the
///   `Domain.stateKey` tag length-prefixed, then the raw key bytes.
/// - valueHash(value) = H(value).
/// - Bit i (0...255) of a key hash is MSB-first: bit 0 is the top bit of byte 0, and chooses the root's child.
/// - The empty subtree hashes as 32 zero bytes.
/// - leaf hash = H(0x00 || keyHash || valueHash); internal hash = H(0x01 || leftHash || rightHash).
/// - Canonical shape: a subtree with no keys is empty; a subtree with exactly one key is that key's leaf, at the
///   subtree's position (single-leaf subtrees collapse upward, whatever the depth); a subtree with two or more
///   keys is an internal node over its two halves (one half may be empty). The root therefore depends only on
///   the set of (key, value), never on the order or history of writes.
///
/// Nodes are addressed as in the Jellyfish Merkle Tree: `NodeKey(version, path)`, the version being the block
/// height that created the node. Stored nodes are never modified.
public enum StateTree {
    /// The tree's position of a state key (see the type's definition).
    public static func keyHash(_ stateKey: [UInt8], suite: HashSuite) -> Hash {
        suite.digest {
            $0.add(keyHashTag)
            $0.add(stateKey)
        }
    }

    /// `CanonicalWriter.string(Domain.stateKey.rawValue)`: the length-prefixed tag every key hash begins with.
    private static let keyHashTag: [UInt8] = {
        var w = CanonicalWriter(capacity: 32)
        w.string(Domain.stateKey.rawValue)
        return w.bytes
    }()

    public static func valueHash(_ value: [UInt8], suite: HashSuite) -> Hash { suite.digest(value) }

    public static func leafHash(keyHash: Hash, valueHash: Hash, suite: HashSuite) -> Hash { suite.digest(tag: 0, keyHash, valueHash) }

    public static func internalHash(_ left: Hash, _ right: Hash, suite: HashSuite) -> Hash { suite.digest(tag: 1, left, right) }

    /// Bit `i` (0...255, MSB-first) of a key hash.
    @inline(__always)
    public static func bit(_ hash: Hash, _ i: Int) -> Int { hash.bit(i) }

    /// Applies one block's writes (nil value = delete) to the tree at `root`, creating nodes under `version`.
    ///
    /// Callers MUST pass a `version` greater than `root`'s (the block height); otherwise this throws rather than
    /// overwrite stored nodes. Deleting an absent key is a no-op. Writes may come in any order; if a key appears
    /// more than once, the last write wins. Untouched subtrees are referenced, never read. With no writes, or
    /// writes that change nothing, the result is the same root with no new and no stale nodes.
    /// Throws `StateTreeError.missingNode` if the reader lacks a node the update needs.
    public static func update<R: TreeNodeReader>(
        root: ChildRef?, version: UInt64, writes: [(key: [UInt8], value: [UInt8]?)], reader: R, suite: HashSuite
    ) throws -> TreeUpdate {
        if let root, root.version >= version, !writes.isEmpty {
            throw StateTreeError.versionNotAfterRoot(rootVersion: root.version, version: version)
        }
        var updater = StateTreeUpdater(version: version, reader: reader, suite: suite)
        return try updater.run(root: root, writes: writes)
    }

    /// The value hash stored under `key` in the tree at `root`, or nil if the key is absent.
    public static func get<R: TreeNodeReader>(root: ChildRef?, key: [UInt8], reader: R, suite: HashSuite) throws -> Hash? {
        let kh = keyHash(key, suite: suite)
        var (cur, path) = (root, TreePath.root)
        while let ref = cur {
            let nk = NodeKey(version: ref.version, path: path)
            switch try read(nk, isLeaf: ref.isLeaf, reader) {
            case .leaf(let k, let v):
                return k == kh ? v : nil
            case .internal(let l, let r):
                let b = bit(kh, path.depth)
                cur = b == 0 ? l : r
                path = path.appending(b)
            }
        }
        return nil
    }

    /// A proof of `key`'s value, or of its absence, in the tree at `root`.
    public static func prove<R: TreeNodeReader>(root: ChildRef?, key: [UInt8], reader: R, suite: HashSuite) throws -> StateProof {
        try prove(root: root, keyHash: keyHash(key, suite: suite), reader: reader)
    }

    /// The same, for a key whose hash (`keyHash`) the caller already holds.
    public static func prove<R: TreeNodeReader>(root: ChildRef?, keyHash kh: Hash, reader: R) throws -> StateProof {
        var siblings: [Hash] = []
        var (cur, path) = (root, TreePath.root)
        while let ref = cur {
            let nk = NodeKey(version: ref.version, path: path)
            switch try read(nk, isLeaf: ref.isLeaf, reader) {
            case .leaf(let k, let v):
                return StateProof(siblings: siblings, terminal: .leaf(keyHash: k, valueHash: v))
            case .internal(let l, let r):
                let b = bit(kh, path.depth)
                siblings.append((b == 0 ? r : l)?.hash ?? Hash.zero)
                cur = b == 0 ? l : r
                path = path.appending(b)
            }
        }
        return StateProof(siblings: siblings, terminal: .empty)
    }

    /// Reads a node a parent referenced, checking it is the kind the parent recorded.
    static func read(_ key: NodeKey, isLeaf: Bool, _ reader: any TreeNodeReader) throws -> TreeNode {
        guard let node = try reader.node(key) else { throw StateTreeError.missingNode(key) }
        switch node {
        case .leaf where isLeaf, .internal where !isLeaf: return node
        default: throw StateTreeError.unexpectedNode(key, expectedLeaf: isLeaf)
        }
    }
}
