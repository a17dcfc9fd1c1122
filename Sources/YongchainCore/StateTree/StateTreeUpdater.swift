import YongchainCrypto

/// The batch update behind `StateTree.update`: one pass from the root, splitting the sorted writes by bit.
///
/// 1. Hash and sort the writes by key hash (the last write of a key wins).
/// 2. At a subtree with no writes, keep the reference as it is (never read).
/// 3. At an empty subtree, build the canonical subtree of the writes' puts.
/// 4. At a leaf, read it, merge it with the writes, and build the canonical subtree of the result.
/// 5. At an internal node, split the writes by the next bit and recurse into both children; if neither changed,
///    keep the node; otherwise it is stale, and the two results are joined: both empty → empty; one empty and
///    the other a single leaf → that leaf moves up (reading it only if it was untouched); else a new internal node.
/// A leaf is carried upward unplaced (`Sub.leaf`) until its final position is known, so no node is created and
/// made stale in the same update; a leaf placed back where it was stored is kept, not re-created.
/// Not generic over the reader: called from other modules, a generic body would run unspecialised, looking up
/// type metadata on every call.
struct StateTreeUpdater {
    let version: UInt64
    let reader: any TreeNodeReader
    let suite: HashSuite
    private var newNodes: [(key: NodeKey, node: TreeNode)] = []
    private var staleNodes: [NodeKey] = []

    init(version: UInt64, reader: any TreeNodeReader, suite: HashSuite) {
        self.version = version
        self.reader = reader
        self.suite = suite
    }

    private struct Write {
        let keyHash: Hash
        let valueHash: Hash?
    }

    /// A stored leaf that a result may keep: where it is and its hash.
    private struct Origin {
        let key: NodeKey
        let hash: Hash
    }

    private struct Entry {
        let keyHash: Hash
        let valueHash: Hash
        let origin: Origin?
    }

    /// A subtree's result before it is placed: empty, one unplaced leaf, or a node stored at its path.
    private enum Sub {
        case empty
        case leaf(Entry)
        case ref(ChildRef)
    }

    mutating func run(root: ChildRef?, writes: [(key: [UInt8], value: [UInt8]?)]) throws -> TreeUpdate {
        guard !writes.isEmpty else { return TreeUpdate(root: root, newNodes: [], staleNodes: [], leaves: [], writeDigests: []) }
        // 1.
        var hashed = writes.enumerated().map { (i, w) in
            (i, Write(keyHash: StateTree.keyHash(w.key, suite: suite), valueHash: w.value.map { StateTree.valueHash($0, suite: suite) }))
        }
        let digests = hashed.map { (keyHash: $0.1.keyHash, valueHash: $0.1.valueHash) }
        hashed.sort { $0.1.keyHash != $1.1.keyHash ? $0.1.keyHash < $1.1.keyHash : $0.0 < $1.0 }
        var sorted: [Write] = []
        sorted.reserveCapacity(hashed.count)
        for (_, w) in hashed {
            if let last = sorted.last, last.keyHash == w.keyHash { sorted[sorted.count - 1] = w } else { sorted.append(w) }
        }

        let leaves = sorted.map { (keyHash: $0.keyHash, valueHash: $0.valueHash) }
        let result = try update(root, .root, sorted[...])
        if same(result, root, .root) { return TreeUpdate(root: root, newNodes: [], staleNodes: [], leaves: leaves, writeDigests: digests) }
        let newRoot = materialize(result, .root)
        return TreeUpdate(root: newRoot, newNodes: newNodes, staleNodes: staleNodes, leaves: leaves, writeDigests: digests)
    }

    private mutating func update(_ ref: ChildRef?, _ path: TreePath, _ writes: ArraySlice<Write>) throws -> Sub {
        // 2.
        guard !writes.isEmpty else { return ref.map(Sub.ref) ?? .empty }
        // 3.
        guard let ref else {
            return try build(path, writes.compactMap { w in
                w.valueHash.map { Entry(keyHash: w.keyHash, valueHash: $0, origin: nil) }
            }[...])
        }
        let key = NodeKey(version: ref.version, path: path)
        let node = try StateTree.read(key, isLeaf: ref.isLeaf, reader)
        switch node {
        case .leaf(let k0, let v0):
            // 4.
            let old = Entry(keyHash: k0, valueHash: v0, origin: Origin(key: key, hash: ref.hash))
            var entries: [Entry] = []
            entries.reserveCapacity(writes.count + 1)
            var oldPlaced = false
            for w in writes {
                if w.keyHash == k0 {
                    oldPlaced = true
                    if let v = w.valueHash, v == v0 {
                        entries.append(old)
                    } else {
                        staleNodes.append(key)
                        if let v = w.valueHash { entries.append(Entry(keyHash: k0, valueHash: v, origin: nil)) }
                    }
                    continue
                }
                if !oldPlaced, k0 < w.keyHash {
                    entries.append(old)
                    oldPlaced = true
                }
                if let v = w.valueHash { entries.append(Entry(keyHash: w.keyHash, valueHash: v, origin: nil)) }
            }
            if !oldPlaced { entries.append(old) }
            return try build(path, entries[...])
        case .internal(let l, let r):
            // 5.
            let split = partition(writes, path.depth)
            let lp = path.appending(0), rp = path.appending(1)
            let ls = try update(l, lp, writes[..<split])
            let rs = try update(r, rp, writes[split...])
            if same(ls, l, lp), same(rs, r, rp) { return .ref(ref) }
            staleNodes.append(key)
            return try join(path, ls, rs)
        }
    }

    /// The canonical subtree of `entries` (sorted, distinct, all under `path`).
    private mutating func build(_ path: TreePath, _ entries: ArraySlice<Entry>) throws -> Sub {
        if entries.isEmpty { return .empty }
        if entries.count == 1 { return .leaf(entries[entries.startIndex]) }
        let d = path.depth
        let split = entries.firstIndex { StateTree.bit($0.keyHash, d) == 1 } ?? entries.endIndex
        let ls = try build(path.appending(0), entries[..<split])
        let rs = try build(path.appending(1), entries[split...])
        return try join(path, ls, rs)
    }

    /// The node at `path` over two children results, collapsing a lone leaf upward.
    private mutating func join(_ path: TreePath, _ ls: Sub, _ rs: Sub) throws -> Sub {
        switch (ls, rs) {
        case (.empty, .empty):
            return .empty
        case (.empty, .leaf(let e)), (.leaf(let e), .empty):
            return .leaf(e)
        case (.empty, .ref(let c)) where c.isLeaf:
            return .leaf(try readLeaf(c, path.appending(1)))
        case (.ref(let c), .empty) where c.isLeaf:
            return .leaf(try readLeaf(c, path.appending(0)))
        default:
            let node = TreeNode.internal(left: materialize(ls, path.appending(0)), right: materialize(rs, path.appending(1)))
            let hash = node.hash(suite)
            newNodes.append((NodeKey(version: version, path: path), node))
            return .ref(ChildRef(version: version, hash: hash, isLeaf: false))
        }
    }

    /// An untouched leaf about to move up: the only read a collapse needs.
    private func readLeaf(_ c: ChildRef, _ path: TreePath) throws -> Entry {
        let key = NodeKey(version: c.version, path: path)
        guard case .leaf(let k, let v) = try StateTree.read(key, isLeaf: true, reader) else {
            throw StateTreeError.unexpectedNode(key, expectedLeaf: true)
        }
        return Entry(keyHash: k, valueHash: v, origin: Origin(key: key, hash: c.hash))
    }

    /// Places a result at `path`: a leaf kept where it is stored, or created here (its old place stale).
    private mutating func materialize(_ sub: Sub, _ path: TreePath) -> ChildRef? {
        switch sub {
        case .empty: return nil
        case .ref(let c): return c
        case .leaf(let e):
            if let o = e.origin {
                if o.key.path == path { return ChildRef(version: o.key.version, hash: o.hash, isLeaf: true) }
                staleNodes.append(o.key)
            }
            let hash = StateTree.leafHash(keyHash: e.keyHash, valueHash: e.valueHash, suite: suite)
            newNodes.append((NodeKey(version: version, path: path), .leaf(keyHash: e.keyHash, valueHash: e.valueHash)))
            return ChildRef(version: version, hash: hash, isLeaf: true)
        }
    }

    /// Whether a result is exactly the subtree `old` already stored at `path`.
    private func same(_ sub: Sub, _ old: ChildRef?, _ path: TreePath) -> Bool {
        switch sub {
        case .empty: return old == nil
        case .ref(let c): return c == old
        case .leaf(let e):
            guard let o = e.origin, let old, old.isLeaf else { return false }
            return o.key == NodeKey(version: old.version, path: path)
        }
    }

    /// The first write whose key hash has bit `d` set (the writes are sorted and share bits 0..<d).
    private func partition(_ writes: ArraySlice<Write>, _ d: Int) -> Int {
        var (lo, hi) = (writes.startIndex, writes.endIndex)
        while lo < hi {
            let mid = (lo + hi) / 2
            if StateTree.bit(writes[mid].keyHash, d) == 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
