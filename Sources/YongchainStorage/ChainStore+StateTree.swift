import Synchronization
import YongchainCore
import YongchainCrypto

/// The state tree in the store: what is stored is only its leaves, `tree_leaves` (key hash → value hash, one row
/// per state key, written with the state); everything above them is derived.
///
/// - The nodes above depth `bucketDepth` (at most 2^18 − 1 paths) live in memory (`TreeTop`), keyed by version
///   and path as the Jellyfish Merkle Tree keys its nodes, with the newest `topVersionsKept` versions whole.
///   They are built from the leaves when the store's tree is first read, and that build must give the root the
///   tip records (`STORAGE_CORRUPT` otherwise); commits before it add nothing to memory.
/// - A node at depth 18 or below is computed when read: its bucket (the leaves whose key hash starts with the
///   node's first 18 bits, a few rows next to each other) is read from the snapshot being read and its subtree
///   built (a few hashes). So a read sees exactly the tree of its own snapshot, whatever commits run beside it.
/// - A block's commit writes one leaf row per key it wrote, as it writes the state; nothing is pruned. Which
///   node of the tree holds what is unchanged: proofs, roots and their vectors are the same (docs/proofs.md).
/// Why: storing every node version by version cost a row to write, to read and to prune per level of every
/// key written (about 9 rows a write at 200,000 keys), and that cost the node a quarter of its throughput
/// (docs/performance.md, session 7).
extension ChainStore {
    /// Depth of the buckets: nodes above it are in memory, nodes at or below it are built from leaves. 18 against
    /// 16: 46 against 59 µs of CPU a write at 10^6 keys, 29 against 32 at 200,000 (`bench --store`); memory holds
    /// at most 2^18 − 1 paths (about 40 MB when full, at a few 10^5 keys and more).
    static let bucketDepth = 18
    /// Versions of the in-memory nodes kept whole: a read begun just before a commit still finds its tree.
    static let topVersionsKept: UInt64 = 4

    /// The tree's nodes above `bucketDepth`, for the newest versions: at each path its newest node, in a slot
    /// found by the path's bits (an update reads and replaces some 16,000 of them a block: a dictionary's hashing,
    /// probing and resizing cost the node about 9 % of its CPU), and per recent height the nodes it replaced.
    struct TreeTop {
        struct Slot {
            var version: UInt64 = 0
            var node: TreeNode?
        }

        /// A node a commit made stale, kept for readers of older snapshots.
        struct Replaced {
            let id: Int
            let version: UInt64
            let node: TreeNode
        }

        /// Level d (0..<bucketDepth) has 2^d slots, one per path of depth d; made when first written.
        private var levels: [[Slot]] = Array(repeating: [], count: ChainStore.bucketDepth)
        /// Per committed height, the nodes it made stale (forgotten `topVersionsKept` heights later). Sorted by `id`
        /// when a reader of an older snapshot first looks in them: most never are.
        private var replaced: [(height: UInt64, nodes: [Replaced], sorted: Bool)] = []

        /// One number per path above the buckets: 2^depth − 1 + the path's bits.
        static func id(_ path: TreePath) -> Int { (1 << path.depth) - 1 + path.index }

        mutating func node(_ key: NodeKey) -> TreeNode? {
            let d = key.path.depth, i = key.path.index
            if i < levels[d].count, levels[d][i].version == key.version, let n = levels[d][i].node { return n }
            let id = TreeTop.id(key.path)
            for r in replaced.indices.reversed() {
                if !replaced[r].sorted {
                    replaced[r].nodes.sort { $0.id < $1.id }
                    replaced[r].sorted = true
                }
                let nodes = replaced[r].nodes
                var (lo, hi) = (0, nodes.count)
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if nodes[mid].id < id { lo = mid + 1 } else { hi = mid }
                }
                while lo < nodes.count, nodes[lo].id == id {
                    if nodes[lo].version == key.version { return nodes[lo].node }
                    lo += 1
                }
            }
            return nil
        }

        mutating func put(_ key: NodeKey, _ node: TreeNode) {
            let d = key.path.depth
            if levels[d].isEmpty { levels[d] = Array(repeating: Slot(), count: 1 << d) }
            levels[d][key.path.index] = Slot(version: key.version, node: node)
        }

        /// Applies a committed height's update: its stale nodes leave their slots for `replaced`, its new ones
        /// take them.
        mutating func apply(_ tree: TreeUpdate, height: UInt64) {
            var gone: [Replaced] = []
            for key in tree.staleNodes where key.path.depth < ChainStore.bucketDepth {
                let d = key.path.depth, i = key.path.index
                guard i < levels[d].count, levels[d][i].version == key.version, let n = levels[d][i].node else { continue }
                gone.append(Replaced(id: TreeTop.id(key.path), version: key.version, node: n))
                levels[d][i] = Slot()
            }
            for (key, node) in tree.newNodes where key.path.depth < ChainStore.bucketDepth { put(key, node) }
            replaced.append((height, gone, false))
            replaced.removeAll { $0.height + ChainStore.topVersionsKept <= height }
        }
    }

    /// Writes the leaves of a block's (or genesis's) writes and the root for `height`. Runs inside the commit's
    /// SQLite transaction (writer lock held). The in-memory nodes change only once that transaction has
    /// committed (`applyTop`).
    func storeTree(_ tree: TreeUpdate, writes: [(key: [UInt8], value: [UInt8]?)], height: UInt64) throws {
        let h = try Value.int(checked: height, "height")
        try writeLeaves(writes)
        try writer.run("INSERT INTO state_roots (height, hash, root) VALUES (?, ?, ?)",
                       [h, .blob(tree.rootHash.bytes), tree.root.map { .blob($0.canonicalBytes) } ?? .null])
    }

    /// Puts (or, for a nil value, deletes) the leaf of each written state key. In key-hash order: consecutive
    /// writes land on the same or the next page of the leaves' B-tree.
    private func writeLeaves(_ writes: [(key: [UInt8], value: [UInt8]?)]) throws {
        let leaves = writes.map { (key: StateTree.keyHash($0.key), value: $0.value.map(StateTree.valueHash)) }.sorted { $0.key < $1.key }
        for leaf in leaves {
            if let v = leaf.value {
                try writer.run("INSERT OR REPLACE INTO tree_leaves (khash, vhash) VALUES (?, ?)", [.blob(leaf.key.bytes), .blob(v.bytes)])
            } else {
                try writer.run("DELETE FROM tree_leaves WHERE khash = ?", [.blob(leaf.key.bytes)])
            }
        }
    }

    /// Adds a committed update's nodes above the buckets to memory, and forgets those stale for long enough.
    func applyTop(_ tree: TreeUpdate, height: UInt64) {
        treeTop.withLock { top in top?.apply(tree, height: height) }
    }

    /// Builds the in-memory nodes from the leaves if this store has not yet (writer lock held: no commit runs
    /// meanwhile). Throws `STORAGE_CORRUPT` if they do not give the root the tip records.
    func ensureTopLocked() throws {
        guard treeTop.withLock({ $0 == nil }) else { return }
        var top = TreeTop()
        if let b = try meta("tip") {
            let tip = try ChainTip(tipBytes: b)
            let leaves = try Bucket.leaves(writer, prefix: .root)
            let version = tip.stateTree?.version ?? 0
            let root = Bucket.build(leaves[...], at: .root, version: version) { path, node in
                if path.depth < ChainStore.bucketDepth { top.put(NodeKey(version: version, path: path), node) }
            }
            guard root?.hash ?? Hash.zero == tip.stateRoot, root?.isLeaf == tip.stateTree?.isLeaf else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "the tree leaves give root \((root?.hash ?? Hash.zero).short), the tip at height \(tip.height) records \(tip.stateRoot.short)")
            }
        }
        treeTop.withLock { $0 = top }
    }

    /// Makes sure the in-memory nodes exist (the first tree read of a store builds them).
    func ensureTop() throws {
        guard treeTop.withLock({ $0 == nil }) else { return }
        try locked { try ensureTopLocked() }
    }

    /// Runs `body` with the committed state and state tree read from one snapshot, in one read transaction (for
    /// executing a block: a statement outside a transaction would take and drop SQLite's file lock each time, two
    /// system calls for every key and bucket read). Throws if any read failed, so nothing computed from a failed
    /// read is returned.
    public func committedSnapshot<T>(_ body: (StateReader, TreeNodeReader) throws -> T) throws -> T {
        try ensureTop()
        return try read { v in try body(v, v) }
    }

    /// Schema 2 kept every tree node in `tree_nodes`; schema 3 keeps the leaves. Fills them from the state table
    /// and drops the nodes' tables (inside the caller's transaction); the first use checks they give the recorded root.
    func convertTreeToLeaves() throws {
        try writer.run("DELETE FROM tree_leaves")
        var state: [(key: [UInt8], value: [UInt8]?)] = []
        try writer.query("SELECT key, value FROM state") { state.append(($0.blob(0), $0.blob(1))) }
        try writeLeaves(state)
        try writer.exec("DROP TABLE IF EXISTS tree_nodes; DROP TABLE IF EXISTS tree_stale")
    }
}

/// A subtree built from its sorted leaves, as the tree's canonical shape places them.
enum Bucket {
    /// Builds the subtree of `leaves` (sorted by key hash, distinct, all under `path`) at `path`, calling `emit`
    /// with every node; returns the reference to its top node (nil when there are no leaves). References carry
    /// `version`.
    static func build(_ leaves: ArraySlice<(Hash, Hash)>, at path: TreePath, version: UInt64,
                      emit: (TreePath, TreeNode) -> Void) -> ChildRef? {
        guard let first = leaves.first else { return nil }
        if leaves.count == 1 {
            let node = TreeNode.leaf(keyHash: first.0, valueHash: first.1)
            emit(path, node)
            return ChildRef(version: version, hash: node.hash, isLeaf: true)
        }
        let d = path.depth
        let split = leaves.firstIndex { StateTree.bit($0.0, d) == 1 } ?? leaves.endIndex
        let l = build(leaves[..<split], at: path.appending(0), version: version, emit: emit)
        let r = build(leaves[split...], at: path.appending(1), version: version, emit: emit)
        let node = TreeNode.internal(left: l, right: r)
        emit(path, node)
        return ChildRef(version: version, hash: node.hash, isLeaf: false)
    }

    /// The leaves whose key hash starts with `prefix`, from `c`'s snapshot, sorted.
    static func leaves(_ c: Connection, prefix: TreePath) throws -> [(Hash, Hash)] {
        let low = prefix.bits + [UInt8](repeating: 0, count: 32 - prefix.bits.count)
        var out: [(Hash, Hash)] = []
        func row(_ r: Row) throws {
            guard let k = Hash(r.blob(0)), let v = Hash(r.blob(1)) else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "a tree leaf is not two 32-byte hashes")
            }
            out.append((k, v))
        }
        // The bound just past the prefix: add one at the prefix's last bit.
        var high = low
        var carry = true
        var bit = prefix.depth - 1
        while carry, bit >= 0 {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if high[bit / 8] & mask == 0 { high[bit / 8] |= mask; carry = false } else { high[bit / 8] &= ~mask; bit -= 1 }
        }
        if prefix.depth == 0 {
            try c.query("SELECT khash, vhash FROM tree_leaves ORDER BY khash", row: row)
        } else if carry {
            try c.query("SELECT khash, vhash FROM tree_leaves WHERE khash >= ? ORDER BY khash", [.blob(low)], row: row)
        } else {
            try c.query("SELECT khash, vhash FROM tree_leaves WHERE khash >= ? AND khash < ? ORDER BY khash", [.blob(low), .blob(high)], row: row)
        }
        return out
    }
}

/// Reads of the tree at the snapshot's tip: nodes above the buckets from memory, the rest built from leaves.
/// Each view builds a bucket once (an update or a proof reads several of its nodes).
final class BucketCache: @unchecked Sendable {
    /// By the bucket's index among the paths of depth `bucketDepth`: its nodes (a few), searched in turn.
    var nodes: [Int: [(path: TreePath, node: TreeNode)]] = [:]
}

extension ReadView: TreeNodeReader {
    public func node(_ key: NodeKey) throws -> TreeNode? {
        if key.path.depth < ChainStore.bucketDepth, let store {
            try store.ensureTop()
            if let n = store.treeTop.withLock({ $0?.node(key) }) { return n }
            // Not in memory: this snapshot began before the commit the memory was first built at (once per
            // store, if at all). Computed from this snapshot's leaves instead, as a bucket is.
            var node: TreeNode?
            let leaves = try Bucket.leaves(connection, prefix: key.path)
            _ = Bucket.build(leaves[...], at: key.path, version: 0) { if $0 == key.path { node = $1 } }
            return node
        }
        let prefix = key.path.prefix(ChainStore.bucketDepth)
        if let b = buckets.nodes[prefix.index] { return b.first { $0.path == key.path }?.node }
        var nodes: [(path: TreePath, node: TreeNode)] = []
        let leaves = try Bucket.leaves(connection, prefix: prefix)
        _ = Bucket.build(leaves[...], at: prefix, version: 0) { nodes.append(($0, $1)) }
        // A bucket of one leaf: that leaf sits at the bucket's path only if its parent holds two or more keys,
        // which is when a reader asks for it here.
        buckets.nodes[prefix.index] = nodes
        return nodes.first { $0.path == key.path }?.node
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
