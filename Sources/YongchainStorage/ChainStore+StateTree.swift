import Synchronization
import YongchainCore
import YongchainCrypto

/// The state tree's nodes in SQLite (`tree_nodes`, keyed by version and path as the Jellyfish Merkle Tree does),
/// each block's root (`state_roots`), and what each block made stale (`tree_stale`), so old versions can be
/// pruned once no proof needs them. The plain `state` table stays the one that queries read; the tree is read to
/// update the root and to prove.
extension ChainStore {
    /// How many heights back a state proof can be built. Proofs are built at the tip; this leaves room for a read
    /// that began a few blocks ago (a snapshot holds its version anyway) and for operators who ask at a recent
    /// height. Nodes stale for longer are deleted at each commit.
    public static let treeVersionsKept: UInt64 = 128

    /// Tree nodes with a path shorter than this are kept in memory as well: they are on every key's path, and
    /// there are at most 2^depth of them live (about 65,000 × ~100 bytes).
    static let cachedTreeDepth = 16

    /// Stores an update's nodes and stale list, and the root for `height`; prunes what has been stale longer than
    /// `treeVersionsKept`. Runs inside the commit's SQLite transaction (writer lock held).
    func storeTree(_ tree: TreeUpdate, height: UInt64) throws {
        let h = try Value.int(checked: height, "height")
        for (key, node) in tree.newNodes {
            try writer.run("INSERT OR REPLACE INTO tree_nodes (version, path, data) VALUES (?, ?, ?)",
                           [try .int(checked: key.version, "tree version"), .blob(key.path.canonicalBytes), .blob(node.canonicalBytes)])
        }
        for key in tree.staleNodes {
            try writer.run("INSERT OR IGNORE INTO tree_stale (since, version, path) VALUES (?, ?, ?)",
                           [h, try .int(checked: key.version, "tree version"), .blob(key.path.canonicalBytes)])
        }
        try writer.run("INSERT INTO state_roots (height, hash, root) VALUES (?, ?, ?)",
                       [h, .blob(tree.rootHash.bytes), tree.root.map { .blob($0.canonicalBytes) } ?? .null])
        if height > ChainStore.treeVersionsKept {
            let before = try Value.int(checked: height - ChainStore.treeVersionsKept, "height")
            try writer.run("""
                DELETE FROM tree_nodes WHERE (version, path) IN (SELECT version, path FROM tree_stale WHERE since <= ?)
                """, [before])
            try writer.run("DELETE FROM tree_stale WHERE since <= ?", [before])
        }
        treeCache.withLock { cache in
            for key in tree.staleNodes where key.path.depth < ChainStore.cachedTreeDepth { cache[key] = nil }
            for (key, node) in tree.newNodes where key.path.depth < ChainStore.cachedTreeDepth { cache[key] = node }
        }
    }

    /// The committed tree as the writer sees it, for executing a block (the counterpart of `committedState`).
    public var committedTree: TreeNodeReader { WriterTree(store: self) }

    struct WriterTree: TreeNodeReader {
        let store: ChainStore
        func node(_ key: NodeKey) throws -> TreeNode? {
            if key.path.depth < ChainStore.cachedTreeDepth, let n = store.treeCache.withLock({ $0[key] }) { return n }
            return try store.locked { try ChainStore.treeNode(store.writer, key) }
        }
    }

    static func treeNode(_ c: Connection, _ key: NodeKey) throws -> TreeNode? {
        guard let v = Value.int(exactly: key.version) else { return nil }
        var data: [UInt8]?
        try c.query("SELECT data FROM tree_nodes WHERE version = ? AND path = ?", [v, .blob(key.path.canonicalBytes)]) { data = $0.blob(0) }
        guard let data else { return nil }
        do { return try TreeNode(canonical: data) } catch {
            throw StorageError(code: "STORAGE_CORRUPT", message: "state tree node \(key) does not decode: \(error)")
        }
    }
}

extension ReadView: TreeNodeReader {
    public func node(_ key: NodeKey) throws -> TreeNode? { try ChainStore.treeNode(connection, key) }

    /// A proof of `key`'s value (or absence) in the state after block `tip.height`, with the value itself.
    /// `tip` MUST be this snapshot's own tip (`tip()`): the `state` table this reads the value from holds that
    /// height's state and no other.
    public func stateProof(key: [UInt8], tip: ChainTip) throws -> (value: [UInt8]?, proof: StateProof) {
        let proof: StateProof
        do { proof = try StateTree.prove(root: tip.stateTree, key: key, reader: self) } catch let e as StateTreeError {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state tree at height \(tip.height) is incomplete: \(e)")
        }
        return (try ChainStore.get(connection, key), proof)
    }
}

extension ChainTip {
    /// Decodes the tip as `setTip` stores it.
    init(tipBytes b: [UInt8]) throws {
        var r = CanonicalReader(b)
        let height = try r.u64(), blockHash = try r.hash(), root = try r.hash(), time = try r.i64()
        let tree: ChildRef? = try r.bool("tip.stateTree") ? try r.item() : nil
        self.init(height: height, blockHash: blockHash, stateRoot: root, time: time, stateTree: tree)
    }
}
