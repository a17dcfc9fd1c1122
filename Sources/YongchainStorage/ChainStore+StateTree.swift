import Synchronization
import YongchainCore
import YongchainCrypto

/// The state tree's nodes in SQLite (`tree_nodes`, keyed by version and path as the Jellyfish Merkle Tree does),
/// each block's root (`state_roots`), and what each block made stale (`tree_stale`), so old versions can be
/// pruned once no proof needs them. The plain `state` table stays the one that queries read; the tree is read to
/// update the root and to prove.
extension ChainStore {
    /// Old versions are deleted off the commit path (ChainStore+Pruning.swift): the commit only records, in one
    /// row, which nodes the block made stale.

    /// Tree nodes with a path shorter than this are kept in memory as well: they are on every key's path, and
    /// there are fewer than 2^depth of them live (65,536 nodes, about 13 MB at most). Below depth 12 a block of
    /// 2,000 writes no longer shares nodes, so each level cached saves a SQLite read per write (depth 16 against
    /// 12: docs/performance.md, session 7).
    static let cachedTreeDepth = 16
    /// The cache is emptied (to refill from reads and commits) if it ever holds more than this: a node read
    /// from a snapshot just after a commit made it stale is cached and never removed.
    static let treeCacheLimit = 4 << cachedTreeDepth

    /// Rows per multi-row INSERT when storing nodes (SQLite's default limit is 32,766 variables).
    static let treeRowsPerStatement = 128

    /// Stores an update's nodes, its stale list (one row per height: the nodes it made stale, concatenated; only
    /// when old versions are pruned) and the root for `height`. Runs inside the commit's SQLite transaction
    /// (writer lock held); it deletes nothing.
    func storeTree(_ tree: TreeUpdate, height: UInt64) throws {
        let h = try Value.int(checked: height, "height")
        for chunk in stride(from: 0, to: tree.newNodes.count, by: ChainStore.treeRowsPerStatement) {
            let rows = tree.newNodes[chunk..<min(chunk + ChainStore.treeRowsPerStatement, tree.newNodes.count)]
            var args: [Value] = []
            args.reserveCapacity(rows.count * 3)
            for (key, node) in rows {
                args.append(try .int(checked: key.version, "tree version"))
                args.append(.blob(key.path.canonicalBytes))
                args.append(.blob(node.canonicalBytes))
            }
            try writer.run("INSERT OR REPLACE INTO tree_nodes (version, path, data) VALUES " + Array(repeating: "(?, ?, ?)", count: rows.count).joined(separator: ", "), args)
        }
        // Stale lists serve only pruning: a store that keeps every version does not write them (tens of
        // thousands of keys a block).
        if treeVersionsKept != nil, !tree.staleNodes.isEmpty {
            var w = CanonicalWriter(capacity: tree.staleNodes.count * 16)
            w.list(tree.staleNodes) { $0.item($1) }
            try writer.run("INSERT OR REPLACE INTO tree_stale (since, keys) VALUES (?, ?)", [h, .blob(w.bytes)])
        }
        try writer.run("INSERT INTO state_roots (height, hash, root) VALUES (?, ?, ?)",
                       [h, .blob(tree.rootHash.bytes), tree.root.map { .blob($0.canonicalBytes) } ?? .null])
        treeCache.withLock { cache in
            if cache.count + tree.newNodes.count >= ChainStore.treeCacheLimit { cache.removeAll(keepingCapacity: true) }
            for key in tree.staleNodes where key.path.depth < ChainStore.cachedTreeDepth { cache[key] = nil }
            for (key, node) in tree.newNodes where key.path.depth < ChainStore.cachedTreeDepth { cache[key] = node }
        }
    }

    /// Runs `body` with the committed state and state tree read from one snapshot, in one read transaction (for
    /// executing a block: a statement outside a transaction would take and drop SQLite's file lock each time, two
    /// system calls for every key and tree node read). The tree's upper levels come from memory. Throws if any
    /// read failed, so nothing computed from a failed read is returned.
    public func committedSnapshot<T>(_ body: (StateReader, TreeNodeReader) throws -> T) throws -> T {
        try read { v in try body(v, CachedTree(view: v, store: self)) }
    }

    struct CachedTree: TreeNodeReader {
        let view: ReadView
        let store: ChainStore
        func node(_ key: NodeKey) throws -> TreeNode? {
            guard key.path.depth < ChainStore.cachedTreeDepth else { return try ChainStore.treeNode(view.connection, key) }
            if let n = store.treeCache.withLock({ $0[key] }) { return n }
            // A miss (after a restart, or a node no commit of this process wrote): read, then keep.
            guard let n = try ChainStore.treeNode(view.connection, key) else { return nil }
            store.treeCache.withLock { cache in
                if cache.count >= ChainStore.treeCacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[key] = n
            }
            return n
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
