import Synchronization
import YongchainCore
import YongchainCrypto

/// The state tree in SQLite: its nodes in pages of four levels (`tree_nodes`, one row per page keyed by version
/// and page path, as the Jellyfish Merkle Tree keys its nodes; `TreePage` says how nodes map to pages), each
/// block's root (`state_roots`), and what each block made stale (`tree_stale`), so old versions can be pruned
/// once no proof needs them. The plain `state` table stays the one that queries read; the tree is read to update
/// the root and to prove.
extension ChainStore {
    /// Old versions are deleted off the commit path (ChainStore+Pruning.swift): the commit only records, in one
    /// row, which pages the block made stale.

    /// Pages with a path this short or shorter stay in memory as well: they are on every key's path, and there
    /// are 1 + 16 + 256 of them live (the nodes down to depth 12).
    static let cachedPageDepth = 8

    /// Rows per multi-row INSERT when storing pages (SQLite's default limit is 32,766 variables).
    static let treeRowsPerStatement = 128

    /// Decoded pages: the upper ones for good (replaced as they are rewritten), and those read since the last
    /// commit, which that commit's own pages are assembled from (an update reads the pages it changes). A page
    /// under a (version, path) never changes, so a cached page is never wrong, only possibly no longer needed.
    struct PageCache {
        var upper: [NodeKey: TreePage] = [:]
        var recent: [NodeKey: TreePage] = [:]
        /// Bounds `recent` between commits (executions of proposals that never commit, a long catch-up batch).
        static let recentLimit = 100_000

        func page(_ key: NodeKey) -> TreePage? {
            key.path.depth <= ChainStore.cachedPageDepth ? upper[key] : recent[key]
        }

        mutating func remember(_ key: NodeKey, _ page: TreePage) {
            if key.path.depth <= ChainStore.cachedPageDepth { upper[key] = page; return }
            if recent.count >= Self.recentLimit { recent.removeAll(keepingCapacity: true) }
            recent[key] = page
        }
    }

    /// Stores an update's pages, its stale list (one row per height: the pages it made stale, concatenated; only
    /// when old versions are pruned) and the root for `height`. Runs inside the commit's SQLite transaction
    /// (writer lock held); it deletes nothing. Returns how many pages the update made stale.
    @discardableResult
    func storeTree(_ tree: TreeUpdate, height: UInt64) throws -> Int {
        let h = try Value.int(checked: height, "height")
        let paged: PagedTreeUpdate
        do {
            paged = try PagedTreeUpdate(tree, version: height) { key in try self.cachedPage(key, writer) }
        } catch let e as StateTreeError {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state tree before height \(height) is incomplete: \(e)")
        }
        for chunk in stride(from: 0, to: paged.pages.count, by: ChainStore.treeRowsPerStatement) {
            let rows = paged.pages[chunk..<min(chunk + ChainStore.treeRowsPerStatement, paged.pages.count)]
            var args: [Value] = []
            args.reserveCapacity(rows.count * 3)
            for (key, page) in rows {
                args.append(try .int(checked: key.version, "tree version"))
                args.append(.blob(key.path.canonicalBytes))
                args.append(.blob(page.canonicalBytes))
            }
            try writer.run("INSERT OR REPLACE INTO tree_nodes (version, path, data) VALUES " + Array(repeating: "(?, ?, ?)", count: rows.count).joined(separator: ", "), args)
        }
        // Stale lists serve only pruning: a store that keeps every version does not write them.
        if treeVersionsKept != nil, !paged.stalePages.isEmpty {
            var w = CanonicalWriter(capacity: paged.stalePages.count * 16)
            w.list(paged.stalePages) { $0.item($1) }
            try writer.run("INSERT OR REPLACE INTO tree_stale (since, keys) VALUES (?, ?)", [h, .blob(w.bytes)])
        }
        try writer.run("INSERT INTO state_roots (height, hash, root) VALUES (?, ?, ?)",
                       [h, .blob(tree.rootHash.bytes), tree.root.map { .blob($0.canonicalBytes) } ?? .null])
        pageCache.withLock { cache in
            cache.recent.removeAll(keepingCapacity: true)
            for key in paged.stalePages where key.path.depth <= ChainStore.cachedPageDepth { cache.upper[key] = nil }
            for (key, page) in paged.pages where key.path.depth <= ChainStore.cachedPageDepth { cache.upper[key] = page }
        }
        return paged.stalePages.count
    }

    /// The page at `key`, from memory or read through `c` (and then remembered).
    func cachedPage(_ key: NodeKey, _ c: Connection) throws -> TreePage? {
        if let p = pageCache.withLock({ $0.page(key) }) { return p }
        guard let p = try ChainStore.treePage(c, key) else { return nil }
        pageCache.withLock { $0.remember(key, p) }
        return p
    }

    /// Runs `body` with the committed state and state tree read from one snapshot, in one read transaction (for
    /// executing a block: a statement outside a transaction would take and drop SQLite's file lock each time, two
    /// system calls for every key and tree page read). The tree's upper pages come from memory. Throws if any
    /// read failed, so nothing computed from a failed read is returned.
    public func committedSnapshot<T>(_ body: (StateReader, TreeNodeReader) throws -> T) throws -> T {
        try read { v in try body(v, PagedTreeReader { key in try self.cachedPage(key, v.connection) }) }
    }

    static func treePage(_ c: Connection, _ key: NodeKey) throws -> TreePage? {
        guard let v = Value.int(exactly: key.version) else { return nil }
        var data: [UInt8]?
        try c.query("SELECT data FROM tree_nodes WHERE version = ? AND path = ?", [v, .blob(key.path.canonicalBytes)]) { data = $0.blob(0) }
        guard let data else { return nil }
        do { return try TreePage(canonical: data) } catch {
            throw StorageError(code: "STORAGE_CORRUPT", message: "state tree page \(key) does not decode: \(error)")
        }
    }

    /// Rebuilds the tree of the tip's state from the `state` table, as pages under the tip's version, after
    /// checking that its root is the recorded one; drops every other version. For a database whose tree was
    /// stored another way (schema 2: a row per node). Runs inside the caller's transaction.
    func rebuildTree() throws {
        guard let b = try meta("tip") else { return }
        let tip = try ChainTip(tipBytes: b)
        var state: [(key: [UInt8], value: [UInt8]?)] = []
        try writer.query("SELECT key, value FROM state ORDER BY key") { state.append(($0.blob(0), $0.blob(1))) }
        let tree = try StateTree.update(root: nil, version: tip.height, writes: state, reader: MemoryTreeStore())
        guard tree.rootHash == tip.stateRoot else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state at height \(tip.height) has root \(tree.rootHash.short), the tip records \(tip.stateRoot.short)")
        }
        try writer.run("DELETE FROM tree_nodes")
        try writer.run("DELETE FROM tree_stale")
        try writer.run("DELETE FROM state_roots WHERE height = ?", [try .int(checked: tip.height, "height")])
        try storeTree(tree, height: tip.height)
        try setTip(ChainTip(height: tip.height, blockHash: tip.blockHash, stateRoot: tip.stateRoot, time: tip.time, stateTree: tree.root))
    }
}

extension ReadView: TreeNodeReader {
    public func node(_ key: NodeKey) throws -> TreeNode? {
        try ChainStore.treePage(connection, NodeKey(version: key.version, path: TreePage.pagePath(key.path)))?.node(at: key.path)
    }

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
