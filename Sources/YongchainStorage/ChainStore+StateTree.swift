import Glibc
import YongchainCore
import YongchainCrypto

/// The state tree of the store: held in memory, derived from the `state` table, never written to disk.
///
/// The tree is a function of the state (docs/proofs.md), and the state is committed with every block; so the
/// store keeps no tree nodes at all, only each state row's leaf beside its value (ChainStore+StateLeaves.swift).
/// At the store's first tree read, the tree is built from those leaves (`TreeMemory`); that build must give the
/// root the tip records (`STORAGE_CORRUPT` otherwise), so every start checks the tree against the chain. Each
/// commit then updates the memory with the block's `TreeUpdate` before its SQLite transaction commits (on a
/// failed commit the memory is dropped and built again at the next read).
///
/// - The nodes above depth `bucketDepth` (at most 2^17 − 1 paths) sit in slots found by their path's bits,
///   under the version that made them (JMT's node keys); those a commit replaced stay readable for the newest
///   `topVersionsKept` heights.
/// - Below that, the leaves are kept by bucket: the leaves whose key hash starts with the same 17 bits, a few at
///   a time, with the buckets a commit replaced kept as long. A node at depth 17 or more is built when read from
///   its bucket as of the reader's snapshot (a few hashes).
/// So a read sees exactly the tree of its own SQLite snapshot, whatever commits run beside it. A read whose
/// snapshot is more than `topVersionsKept` blocks behind the memory gets `STORAGE_SNAPSHOT_GONE` and reads again.
/// Why: written to SQLite, the tree cost the commit a random B-tree write per key written (the leaves alone took
/// 35-42 ms of a 1,000-transaction block's 90 ms commit, docs/performance.md, session 8), and before that a row
/// per level of every key (a quarter of the node's throughput, session 7).
extension ChainStore {
    /// Depth of the buckets: nodes above it are kept, nodes at or below it are built from their bucket's leaves.
    /// 18 against 16 when the leaves were in SQLite (session 7): 46 against 59 µs of CPU a write at 10^6 keys
    /// (`bench --store`). In memory, 17: the slots above are half as many (2^17 − 1 of about 100 bytes, 13 MiB
    /// fewer) and a bucket's array header is paid by twice the leaves (about 4 a bucket in the city-year's
    /// 574,000 keys, 15 at 2·10^6), for a few more hashes when a bucket's nodes are built (docs/performance.md,
    /// session 14).
    static let bucketDepth = 17
    /// Heights whose replaced nodes and buckets are kept: a read begun up to this many commits ago still finds
    /// its tree.
    static let topVersionsKept: UInt64 = 4
    /// A read's snapshot is older than the tree the memory still holds: read again.
    public static let snapshotGone = "STORAGE_SNAPSHOT_GONE"

    /// The state tree in memory: its nodes above the buckets and every leaf, with what the newest
    /// `topVersionsKept` commits replaced.
    struct TreeMemory {
        typealias Leaf = (key: Hash, value: Hash)

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

        /// A bucket's leaves before a commit changed them, and the height from which they held.
        struct ReplacedBucket {
            let index: Int
            let since: UInt64
            let leaves: [Leaf]
        }

        /// Level d (0..<bucketDepth) has 2^d slots, one per path of depth d; made when first written.
        private var levels: [[Slot]] = Array(repeating: [], count: ChainStore.bucketDepth)
        /// The leaves under each path of depth `bucketDepth`, sorted by key hash, and the height from which
        /// they hold.
        private var buckets = [[Leaf]](repeating: [], count: 1 << ChainStore.bucketDepth)
        private var bucketSince: [UInt64]
        /// Per committed height, the nodes and buckets it replaced (forgotten `topVersionsKept` heights later). Only
        /// a reader whose snapshot a commit overtook looks in them, and searches them in turn.
        private var replaced: [(height: UInt64, nodes: [Replaced], buckets: [ReplacedBucket])] = []

        /// The tree of `leaves` (sorted by key hash, distinct), the state at `height`; its nodes carry `version`
        /// (the version of the root the tip records). Returns the memory and the root it gives.
        static func build(_ leaves: [Leaf], height: UInt64, version: UInt64, suite: HashSuite) -> (TreeMemory, ChildRef?) {
            var memory = TreeMemory(height: height)
            let root = Bucket.build(leaves[...], at: .root, version: version, suite: suite) { path, node in
                if path.depth < ChainStore.bucketDepth { memory.put(NodeKey(version: version, path: path), node) }
            }
            var start = 0
            while start < leaves.count {
                let b = bucket(of: leaves[start].key)
                var end = start + 1
                while end < leaves.count, bucket(of: leaves[end].key) == b { end += 1 }
                memory.buckets[b] = Array(leaves[start..<end])
                start = end
            }
            return (memory, root)
        }

        private init(height: UInt64) {
            bucketSince = [UInt64](repeating: height, count: 1 << ChainStore.bucketDepth)
        }

        /// One number per path above the buckets: 2^depth − 1 + the path's bits.
        static func id(_ path: TreePath) -> Int { (1 << path.depth) - 1 + path.index }

        /// The bucket of a key hash: its first `bucketDepth` bits.
        static func bucket(of keyHash: Hash) -> Int { Int(keyHash.leadingBits(ChainStore.bucketDepth)) }

        /// The node above the buckets at `key`, if memory still holds it.
        func node(_ key: NodeKey) -> TreeNode? {
            let d = key.path.depth, i = key.path.index
            if i < levels[d].count, levels[d][i].version == key.version, let n = levels[d][i].node { return n }
            let id = TreeMemory.id(key.path)
            for r in replaced.reversed() {
                if let old = r.nodes.first(where: { $0.id == id && $0.version == key.version }) { return old.node }
            }
            return nil
        }

        /// Bucket `index`'s leaves in the state at `height`, if memory still holds them.
        func leaves(bucket index: Int, at height: UInt64) -> [Leaf]? {
            if bucketSince[index] <= height { return buckets[index] }
            for r in replaced.reversed() {
                // The newest height that replaced this bucket and is after `height` kept what held before it.
                if r.height <= height { break }
                if let old = r.buckets.first(where: { $0.index == index }), old.since <= height { return old.leaves }
            }
            return nil
        }

        mutating func put(_ key: NodeKey, _ node: TreeNode) {
            let d = key.path.depth
            if levels[d].isEmpty { levels[d] = Array(repeating: Slot(), count: 1 << d) }
            levels[d][key.path.index] = Slot(version: key.version, node: node)
        }

        /// Applies height `height`'s update: its stale nodes leave their slots for `replaced`, its new ones take
        /// them, and its leaves replace their buckets' old ones.
        mutating func apply(_ tree: TreeUpdate, height: UInt64) {
            var gone: [Replaced] = []
            for key in tree.staleNodes where key.path.depth < ChainStore.bucketDepth {
                let d = key.path.depth, i = key.path.index
                guard i < levels[d].count, levels[d][i].version == key.version, let n = levels[d][i].node else { continue }
                gone.append(Replaced(id: TreeMemory.id(key.path), version: key.version, node: n))
                levels[d][i] = Slot()
            }
            for (key, node) in tree.newNodes where key.path.depth < ChainStore.bucketDepth { put(key, node) }
            var oldBuckets: [ReplacedBucket] = []
            var start = tree.leaves.startIndex
            while start < tree.leaves.endIndex {
                let b = TreeMemory.bucket(of: tree.leaves[start].keyHash)
                var end = start + 1
                while end < tree.leaves.endIndex, TreeMemory.bucket(of: tree.leaves[end].keyHash) == b { end += 1 }
                oldBuckets.append(ReplacedBucket(index: b, since: bucketSince[b], leaves: buckets[b]))
                buckets[b] = TreeMemory.merge(buckets[b], tree.leaves[start..<end])
                bucketSince[b] = height
                start = end
            }
            replaced.append((height, gone, oldBuckets))
            replaced.removeAll { $0.height + ChainStore.topVersionsKept <= height }
        }

        /// `leaves` with `writes` (both sorted by key hash) applied: a value puts, nil deletes.
        static func merge(_ leaves: [Leaf], _ writes: ArraySlice<(keyHash: Hash, valueHash: Hash?)>) -> [Leaf] {
            var out: [Leaf] = []
            out.reserveCapacity(leaves.count + writes.count)
            var i = leaves.startIndex
            for w in writes {
                while i < leaves.endIndex, leaves[i].key < w.keyHash { out.append(leaves[i]); i += 1 }
                if i < leaves.endIndex, leaves[i].key == w.keyHash { i += 1 }
                if let v = w.valueHash { out.append((w.keyHash, v)) }
            }
            out.append(contentsOf: leaves[i...])
            return out
        }
    }

    /// Updates the memory with a block's (or genesis's) tree before its commit (writer lock held). Readers of
    /// the heights before still find theirs.
    func applyTree(_ tree: TreeUpdate, height: UInt64) {
        treeMemory.write { memory in memory?.apply(tree, height: height) }
    }

    /// Drops the memory (a commit it was updated for failed): the next read builds it from the state again.
    func dropTree() {
        treeMemory.write { $0 = nil }
    }

    /// Builds the memory from the state table's leaves if this store has not yet (writer lock held: no commit runs
    /// meanwhile). Throws `STORAGE_CORRUPT` if it does not give the root the tip records.
    func ensureTreeLocked() throws {
        guard treeMemory.read({ $0 == nil }) else { return }
        guard let b = try meta("tip") else { return }
        let tip = try ChainTip(tipBytes: b)
        let suite = try chainLocked().hashSuite
        Self.adviseWillRead(path)
        let leaves = try storedLeaves()
        let (memory, root) = TreeMemory.build(leaves, height: tip.height, version: tip.stateTree?.version ?? 0, suite: suite)
        guard root?.hash ?? Hash.zero == tip.stateRoot, root?.isLeaf == tip.stateTree?.isLeaf else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state gives the tree root \((root?.hash ?? Hash.zero).short), the tip at height \(tip.height) records \(tip.stateRoot.short)")
        }
        treeMemory.write { $0 = memory }
    }

    /// Tells the kernel that the whole database file (and its WAL) is about to be read, so that it reads ahead
    /// in large runs. The scan of the state table visits its pages in key order, which after random inserts is
    /// scattered over the file: from a cold cache (a restart after a reboot), a scan of 4·10^5 rows read page by
    /// page took 4.9 s, 3.4 s after this advice, 1.5 s from a warm cache (docs/performance.md, "Restart").
    /// Advice only: nothing depends on it, and a file already cached costs nothing.
    static func adviseWillRead(_ path: String) {
        for file in [path, path + "-wal"] {
            let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_WILLNEED))
            Glibc.close(fd)
        }
    }

    /// Makes sure the memory holds the tree (the first tree read of a store builds it).
    func ensureTree() throws {
        guard treeMemory.read({ $0 == nil }) else { return }
        try locked { try ensureTreeLocked() }
    }

    /// Runs `body` with the committed state and state tree read from one snapshot, in one read transaction (for
    /// executing a block: a statement outside a transaction would take and drop SQLite's file lock each time, two
    /// system calls for every key read). Throws if any read failed, so nothing computed from a failed read is
    /// returned. The tree is the snapshot's: a root `body` reads from MUST be the snapshot's tip's (the node reads
    /// the tip and executes on its consensus queue, where no commit runs in between).
    public func committedSnapshot<T>(_ body: (StateReader, TreeNodeReader) throws -> T) throws -> T {
        try ensureTree()
        return try read { v in try body(v, v) }
    }

    /// The schemas before 4 stored the tree (2: every node, 3: the leaves); 4 derives it from the state. Drops
    /// those tables (inside the caller's transaction); the first tree read checks the recorded root.
    func dropStoredTree() throws {
        try writer.exec("DROP TABLE IF EXISTS tree_leaves; DROP TABLE IF EXISTS tree_nodes; DROP TABLE IF EXISTS tree_stale")
    }
}

/// A subtree built from its sorted leaves, as the tree's canonical shape places them.
enum Bucket {
    /// Builds the subtree of `leaves` (sorted by key hash, distinct, all under `path`) at `path`, calling `emit`
    /// with every node; returns the reference to its top node (nil when there are no leaves). References carry
    /// `version`.
    static func build(_ leaves: ArraySlice<ChainStore.TreeMemory.Leaf>, at path: TreePath, version: UInt64, suite: HashSuite,
                      emit: (TreePath, TreeNode) -> Void) -> ChildRef? {
        guard let first = leaves.first else { return nil }
        if leaves.count == 1 {
            let node = TreeNode.leaf(keyHash: first.key, valueHash: first.value)
            emit(path, node)
            return ChildRef(version: version, hash: node.hash(suite), isLeaf: true)
        }
        let d = path.depth
        let split = leaves.firstIndex { StateTree.bit($0.key, d) == 1 } ?? leaves.endIndex
        let l = build(leaves[..<split], at: path.appending(0), version: version, suite: suite, emit: emit)
        let r = build(leaves[split...], at: path.appending(1), version: version, suite: suite, emit: emit)
        let node = TreeNode.internal(left: l, right: r)
        emit(path, node)
        return ChildRef(version: version, hash: node.hash(suite), isLeaf: false)
    }
}

/// What one read view has found of the tree: its snapshot's height, and the buckets it built (an update or a
/// proof reads several nodes of each).
final class BucketCache: @unchecked Sendable {
    var height: UInt64?
    /// By the bucket's index: its nodes (a few), searched in turn.
    var nodes: [Int: [(path: TreePath, node: TreeNode)]] = [:]
}

extension ReadView: TreeNodeReader {
    public func node(_ key: NodeKey) throws -> TreeNode? {
        guard let store else { throw StorageError(code: "STORAGE_FAILED", message: "this view has no store to read a tree from") }
        try store.ensureTree()
        // Made only when thrown: its message's interpolation, built on every call, was a third of a proof's cost.
        var gone: StorageError {
            StorageError(code: ChainStore.snapshotGone, message: "the chain moved more than \(ChainStore.topVersionsKept) blocks past this read's snapshot while it read; read again")
        }
        if key.path.depth < ChainStore.bucketDepth {
            guard let n = store.treeMemory.read({ $0?.node(key) }) else { throw gone }
            return n
        }
        let b = key.path.prefix(ChainStore.bucketDepth).index
        if let nodes = buckets.nodes[b] { return nodes.first { $0.path == key.path }?.node }
        let height: UInt64
        if let h = buckets.height { height = h } else {
            height = try tip().height
            buckets.height = height
        }
        guard let leaves = store.treeMemory.read({ $0?.leaves(bucket: b, at: height) }) else { throw gone }
        var nodes: [(path: TreePath, node: TreeNode)] = []
        _ = Bucket.build(leaves[...], at: key.path.prefix(ChainStore.bucketDepth), version: 0, suite: try chain().hashSuite) { nodes.append(($0, $1)) }
        // A bucket of one leaf: that leaf sits at the bucket's path only if its parent holds two or more keys,
        // which is when a reader asks for it here.
        buckets.nodes[b] = nodes
        return nodes.first { $0.path == key.path }?.node
    }

    /// A proof of `key`'s value (or absence) in the state after block `tip.height`, with the value itself.
    /// `tip` MUST be this snapshot's own tip (`tip()`): the `state` table this reads the value from holds that
    /// height's state and no other.
    ///
    /// A proof made once at a state root is kept (`StateRootCache`) and handed out again at that root: checked
    /// against the value read from SQLite when it was made, so a value altered on disk afterwards is seen at the
    /// next state root, not at the next proof.
    public func stateProof(key: [UInt8], tip: ChainTip) throws -> (value: [UInt8]?, proof: StateProof) {
        if let kept = store?.proofCache.value(key, root: tip.stateRoot) { return (kept.value, kept.proof) }
        let suite = try chain().hashSuite
        let keyHash = StateTree.keyHash(key, suite: suite)
        let proof: StateProof
        do { proof = try StateTree.prove(root: tip.stateTree, keyHash: keyHash, reader: self) } catch let e as StateTreeError {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state tree at height \(tip.height) is incomplete: \(e)")
        }
        let value = try ChainStore.get(connection, key)
        // The tree was built from the stored leaves, not the values: a value altered on disk under its leaf is
        // seen here, before a proof that cannot hold is handed out with it.
        var proven: Hash?
        if case .leaf(let k, let v) = proof.terminal, k == keyHash { proven = v }
        guard proven == value.map({ StateTree.valueHash($0, suite: suite) }) else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the value stored for a key at height \(tip.height) does not match its leaf in the state tree")
        }
        store?.proofCache.insert(key, KeptProof(value: value, proof: proof), cost: key.count + (value?.count ?? 0) + 32 * proof.siblings.count + 160,
                                 root: tip.stateRoot, height: tip.height)
        return (value, proof)
    }
}

/// A state proof and its value, as `ReadView.stateProof` made them at one state root.
struct KeptProof: Sendable {
    let value: [UInt8]?
    let proof: StateProof
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
