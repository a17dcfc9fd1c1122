import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
import YongchainTestSupport

@Suite struct StateTreeTests {
    typealias Writes = [(key: [UInt8], value: [UInt8]?)]

    // MARK: the naive model

    /// The root by the definition, from scratch: empty → zero, one key → its leaf, else internal over the halves.
    static func naiveRoot(_ model: [[UInt8]: [UInt8]]) -> Hash {
        let entries = model.map { (StateTree.keyHash($0.key, suite: .sha256), StateTree.valueHash($0.value, suite: .sha256)) }
        return naiveRoot(entries, depth: 0)
    }

    static func naiveRoot(_ entries: [(Hash, Hash)], depth: Int) -> Hash {
        if entries.isEmpty { return Hash.zero }
        if entries.count == 1 { return StateTree.leafHash(keyHash: entries[0].0, valueHash: entries[0].1, suite: .sha256) }
        let left = entries.filter { StateTree.bit($0.0, depth) == 0 }
        let right = entries.filter { StateTree.bit($0.0, depth) == 1 }
        return StateTree.internalHash(naiveRoot(left, depth: depth + 1), naiveRoot(right, depth: depth + 1), suite: .sha256)
    }

    /// A chain of updates over a MemoryTreeStore that keeps every node, with the model after each version.
    struct Harness {
        var store = MemoryTreeStore()
        var root: ChildRef?
        var version: UInt64 = 0
        var roots: [ChildRef?] = [nil]
        var models: [[[UInt8]: [UInt8]]] = [[:]]
        var updates: [TreeUpdate] = []

        mutating func apply(_ writes: Writes) throws -> TreeUpdate {
            version += 1
            let u = try StateTree.update(root: root, version: version, writes: writes, reader: store, suite: .sha256)
            for stale in u.staleNodes { #expect(store.nodes[stale] != nil, "stale \(stale) was not stored") }
            #expect(Set(u.staleNodes).count == u.staleNodes.count, "a node listed stale twice")
            #expect(Set(u.newNodes.map(\.key)).count == u.newNodes.count, "a node created twice")
            for (k, n) in u.newNodes {
                #expect(k.version == version)
                #expect(store.nodes[k] == nil, "new node \(k) overwrites a stored one")
                _ = n
            }
            store.apply(u)
            #expect(u.rootHash == (u.root?.hash ?? Hash.zero))
            root = u.root
            roots.append(root)
            var model = models.last!
            for w in writes { model[w.key] = w.value }
            models.append(model)
            updates.append(u)
            return u
        }
    }

    static func key(_ i: Int) -> [UInt8] { Array("state/key/\(i)".utf8) }

    /// A batch of unique keys, sorted by state key as the application hands them over.
    static func randomBatch(_ rng: inout SplitMix64, pool: Int, size: Int, present: [[UInt8]: [UInt8]]) -> Writes {
        var batch: [[UInt8]: [UInt8]?] = [:]
        for _ in 0..<size {
            let k = key(rng.int(0...(pool - 1)))
            if rng.chance(0.35) {
                batch[k] = .some(nil)  // delete: of a present key, or of an absent one (a no-op)
            } else if let v = present[k], rng.chance(0.1) {
                batch[k] = .some(v)  // rewrite of the same value
            } else {
                batch[k] = .some(Array("v\(rng.next() % 1000)".utf8))
            }
        }
        return batch.map { (key: $0.key, value: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Proves every sampled key and checks the proof refuses every other claim.
    static func checkProofs(root: ChildRef?, model: [[UInt8]: [UInt8]], keys: [[UInt8]], store: MemoryTreeStore) throws {
        let rootHash = root?.hash ?? Hash.zero
        for k in keys {
            let proof = try StateTree.prove(root: root, key: k, reader: store, suite: .sha256)
            #expect(try StateProof(canonical: proof.canonicalBytes) == proof)
            if let v = model[k] {
                #expect(try StateTree.get(root: root, key: k, reader: store, suite: .sha256) == StateTree.valueHash(v, suite: .sha256))
                try proof.verify(root: rootHash, key: k, value: v, suite: .sha256)
                #expect(throws: StateProofError.valueMismatch) { try proof.verify(root: rootHash, key: k, value: v + [0], suite: .sha256) }
                #expect(throws: StateProofError.notAbsent) { try proof.verify(root: rootHash, key: k, value: nil, suite: .sha256) }
            } else {
                #expect(try StateTree.get(root: root, key: k, reader: store, suite: .sha256) == nil)
                try proof.verify(root: rootHash, key: k, value: nil, suite: .sha256)
                #expect(throws: StateProofError.keyMismatch) { try proof.verify(root: rootHash, key: k, value: [1], suite: .sha256) }
            }
            #expect(throws: StateProofError.rootMismatch) {
                try proof.verify(root: HashSuite.sha256.digest([UInt8](rootHash.bytes)), key: k, value: model[k], suite: .sha256)
            }
        }
    }

    static func sampleKeys(_ rng: inout SplitMix64, pool: Int, model: [[UInt8]: [UInt8]]) -> [[UInt8]] {
        let present = Array(model.keys)
        var keys: [[UInt8]] = []
        for _ in 0..<8 where !present.isEmpty { keys.append(present[rng.int(0...(present.count - 1))]) }
        for _ in 0..<8 { keys.append(key(pool + rng.int(0...10_000))) }  // never written
        for _ in 0..<8 { keys.append(key(rng.int(0...(pool - 1)))) }  // maybe deleted
        return keys
    }

    // MARK: against the model

    @Test func randomBatchesAgreeWithTheNaiveRootAndProveEveryClaim() throws {
        for seed: UInt64 in [1, 2, 3] {
            var rng = SplitMix64(seed: seed)
            var h = Harness()
            let pool = 250
            for _ in 0..<60 {
                let batch = Self.randomBatch(&rng, pool: pool, size: rng.int(0...60), present: h.models.last!)
                let u = try h.apply(batch)
                #expect(u.rootHash == Self.naiveRoot(h.models.last!), "seed \(seed) version \(h.version)")
                try Self.checkProofs(root: h.root, model: h.models.last!,
                                     keys: Self.sampleKeys(&rng, pool: pool, model: h.models.last!), store: h.store)
            }
        }
    }

    @Test func writesThatChangeNothingKeepTheRootAndCreateNothing() throws {
        var rng = SplitMix64(seed: 11)
        var h = Harness()
        _ = try h.apply((0..<100).map { (key: Self.key($0), value: [UInt8(truncatingIfNeeded: rng.next())]) })
        let before = h.root
        let model = h.models.last!
        var noop: Writes = (0..<100).filter { $0 % 3 == 0 }.map { (key: Self.key($0), value: model[Self.key($0)]) }
        noop += (1000..<1020).map { (key: Self.key($0), value: nil) }
        let u = try h.apply(noop)
        #expect(u.root == before)
        #expect(u.newNodes.isEmpty && u.staleNodes.isEmpty)
        let none = try h.apply([])
        #expect(none.root == before && none.newNodes.isEmpty && none.staleNodes.isEmpty)
    }

    @Test func theOrderOfABlocksWritesDoesNotMatter() throws {
        var rng = SplitMix64(seed: 5)
        var h = Harness()
        for _ in 0..<20 {
            let batch = Self.randomBatch(&rng, pool: 300, size: 80, present: h.models.last!)
            var shuffled = batch
            shuffled.shuffle(using: &rng)
            let a = try StateTree.update(root: h.root, version: h.version + 1, writes: batch, reader: h.store, suite: .sha256)
            let b = try StateTree.update(root: h.root, version: h.version + 1, writes: shuffled, reader: h.store, suite: .sha256)
            #expect(a.rootHash == b.rootHash)
            #expect(Set(a.newNodes.map(\.key)) == Set(b.newNodes.map(\.key)))
            #expect(Set(a.staleNodes) == Set(b.staleNodes))
            _ = try h.apply(shuffled)
        }
    }

    @Test func theLastWriteOfARepeatedKeyWins() throws {
        let k = Self.key(1)
        let u = try StateTree.update(root: nil, version: 1, writes: [(k, [1]), (k, nil), (k, [2])], reader: MemoryTreeStore(), suite: .sha256)
        #expect(u.rootHash == Self.naiveRoot([k: [2]]))
    }

    // MARK: history and pruning

    @Test func everyEarlierRootStillProvesItsState() throws {
        var rng = SplitMix64(seed: 21)
        var h = Harness()
        for _ in 0..<40 { _ = try h.apply(Self.randomBatch(&rng, pool: 200, size: 50, present: h.models.last!)) }
        for v in 0..<h.roots.count {
            #expect((h.roots[v]?.hash ?? Hash.zero) == Self.naiveRoot(h.models[v]))
            try Self.checkProofs(root: h.roots[v], model: h.models[v],
                                 keys: Self.sampleKeys(&rng, pool: 200, model: h.models[v]), store: h.store)
        }
    }

    @Test func pruningNodesStaleBeforeAVersionKeepsEveryLaterRootWhole() throws {
        var rng = SplitMix64(seed: 31)
        var h = Harness()
        let pool = 150
        for _ in 0..<30 { _ = try h.apply(Self.randomBatch(&rng, pool: pool, size: 40, present: h.models.last!)) }
        for v in [1, 5, 12, 20, 30] {
            var pruned = h.store
            for u in h.updates.prefix(v - 1) { pruned.remove(u.staleNodes) }  // updates[i] made version i + 1
            for later in v...h.updates.count {
                let everyKey = (0..<pool).map(Self.key)
                try Self.checkProofs(root: h.roots[later], model: h.models[later], keys: everyKey, store: pruned)
            }
        }
        // Pruning everything stale leaves exactly the nodes the last root reaches: nothing leaks.
        var all = h.store
        for u in h.updates { all.remove(u.staleNodes) }
        #expect(all.count == Self.reachable(h.root, .root, all))
    }

    static func reachable(_ ref: ChildRef?, _ path: TreePath, _ store: MemoryTreeStore) -> Int {
        guard let ref, let node = store.nodes[NodeKey(version: ref.version, path: path)] else { return 0 }
        guard case .internal(let l, let r) = node else { return 1 }
        return 1 + reachable(l, path.appending(0), store) + reachable(r, path.appending(1), store)
    }

    // MARK: small trees

    @Test func theEmptyTreeProvesAbsence() throws {
        let store = MemoryTreeStore()
        let u = try StateTree.update(root: nil, version: 1, writes: [(Self.key(1), nil)], reader: store, suite: .sha256)
        #expect(u.root == nil && u.rootHash == Hash.zero && u.newNodes.isEmpty)
        let proof = try StateTree.prove(root: nil, key: Self.key(1), reader: store, suite: .sha256)
        #expect(proof == StateProof(siblings: [], terminal: .empty))
        try proof.verify(root: Hash.zero, key: Self.key(1), value: nil, suite: .sha256)
        #expect(proof.canonicalBytes == [0, 0, 0])
    }

    @Test func aSingleKeyIsALeafAtTheRootAndDeletingItEmptiesTheTree() throws {
        var h = Harness()
        let u = try h.apply([(Self.key(7), [9])])
        let kh = StateTree.keyHash(Self.key(7), suite: .sha256)
        #expect(u.rootHash == StateTree.leafHash(keyHash: kh, valueHash: StateTree.valueHash([9], suite: .sha256), suite: .sha256))
        #expect(u.root?.isLeaf == true)
        #expect(u.newNodes.map(\.key) == [NodeKey(version: 1, path: .root)])
        let proof = try StateTree.prove(root: h.root, key: Self.key(7), reader: h.store, suite: .sha256)
        #expect(proof.siblings.isEmpty)
        try proof.verify(root: u.rootHash, key: Self.key(7), value: [9], suite: .sha256)
        let d = try h.apply([(Self.key(7), nil)])
        #expect(d.root == nil && d.newNodes.isEmpty && d.staleNodes == [NodeKey(version: 1, path: .root)])
    }

    @Test func twoKeysSharingALongPrefixAndTheCollapseWhenOneGoes() throws {
        // Search for two keys whose hashes share their first 12 bits.
        var seen: [Int: Int] = [:]
        var pair: (Int, Int)?
        for i in 0..<100_000 {
            let h = StateTree.keyHash(Self.key(i), suite: .sha256)
            let top12 = Int(h.bytes[0]) << 4 | Int(h.bytes[1] >> 4)
            if let j = seen[top12] { pair = (j, i); break }
            seen[top12] = i
        }
        let (a, b) = try #require(pair)
        let ka = StateTree.keyHash(Self.key(a), suite: .sha256), kb = StateTree.keyHash(Self.key(b), suite: .sha256)
        let split = (0..<256).first { StateTree.bit(ka, $0) != StateTree.bit(kb, $0) }!
        #expect(split >= 12)

        var h = Harness()
        let u = try h.apply([(Self.key(a), [1]), (Self.key(b), [2])])
        #expect(u.rootHash == Self.naiveRoot(h.models.last!))
        #expect(u.newNodes.count == split + 1 + 2)  // a chain of internal nodes down to the split, then two leaves
        let proof = try StateTree.prove(root: h.root, key: Self.key(a), reader: h.store, suite: .sha256)
        #expect(proof.siblings.count == split + 1)
        #expect(proof.siblings.dropLast().allSatisfy { $0 == Hash.zero })
        #expect(proof.siblings.last == StateTree.leafHash(keyHash: kb, valueHash: StateTree.valueHash([2], suite: .sha256), suite: .sha256))
        #expect(proof.canonicalBytes.count == 2 + (split + 8) / 8 + 32 + 1 + 64)
        try proof.verify(root: u.rootHash, key: Self.key(a), value: [1], suite: .sha256)

        // A third key that shares the prefix only partly: absent, and its proof ends on the chain's empty side.
        let d = try h.apply([(Self.key(b), nil)])
        #expect(d.root?.isLeaf == true)
        #expect(d.newNodes.map(\.key) == [NodeKey(version: 2, path: .root)])
        #expect(d.staleNodes.count == split + 1 + 2)
        #expect(d.rootHash == StateTree.leafHash(keyHash: ka, valueHash: StateTree.valueHash([1], suite: .sha256), suite: .sha256))
        let absent = try StateTree.prove(root: h.root, key: Self.key(b), reader: h.store, suite: .sha256)
        #expect(absent.siblings.isEmpty && absent.terminal == .leaf(keyHash: ka, valueHash: StateTree.valueHash([1], suite: .sha256)))
        try absent.verify(root: d.rootHash, key: Self.key(b), value: nil, suite: .sha256)
        #expect(throws: StateProofError.keyMismatch) { try absent.verify(root: d.rootHash, key: Self.key(b), value: [2], suite: .sha256) }
    }

    @Test func aLeafOffTheKeysPathIsRefused() throws {
        var rng = SplitMix64(seed: 41)
        var h = Harness()
        _ = try h.apply((0..<64).map { (key: Self.key($0), value: [UInt8(truncatingIfNeeded: rng.next())]) })
        let proof = try StateTree.prove(root: h.root, key: Self.key(1), reader: h.store, suite: .sha256)
        // The same proof offered for a key on another path: the leaf does not share the path's bits.
        let other = (2..<64).map(Self.key).first { k in
            StateTree.bit(StateTree.keyHash(k, suite: .sha256), 0) != StateTree.bit(StateTree.keyHash(Self.key(1), suite: .sha256), 0)
        }!
        #expect(throws: StateProofError.badTerminal) { try proof.verify(root: h.root!.hash, key: other, value: nil, suite: .sha256) }
    }

    // MARK: errors

    @Test func aMissingNodeIsAnErrorNotAnAbsence() throws {
        var h = Harness()
        _ = try h.apply((0..<10).map { (key: Self.key($0), value: [1]) })
        let empty = MemoryTreeStore()
        #expect(throws: StateTreeError.missingNode(NodeKey(version: 1, path: .root))) {
            try StateTree.get(root: h.root, key: Self.key(1), reader: empty, suite: .sha256)
        }
        #expect(throws: StateTreeError.missingNode(NodeKey(version: 1, path: .root))) {
            try StateTree.update(root: h.root, version: 2, writes: [(Self.key(1), [2])], reader: empty, suite: .sha256)
        }
        #expect(throws: StateTreeError.versionNotAfterRoot(rootVersion: 1, version: 1)) {
            try StateTree.update(root: h.root, version: 1, writes: [(Self.key(1), [2])], reader: h.store, suite: .sha256)
        }
    }

    // MARK: proof encoding

    @Test func proofEncodingRoundTripsAndRefusesMalformedBytes() throws {
        var rng = SplitMix64(seed: 51)
        var h = Harness()
        _ = try h.apply((0..<500).map { (key: Self.key($0), value: Array("v\(rng.next())".utf8)) })
        let rootHash = h.root!.hash
        for i in stride(from: 0, to: 1000, by: 97) {
            let k = Self.key(i), value: [UInt8]? = h.models.last![k]
            let proof = try StateTree.prove(root: h.root, key: k, reader: h.store, suite: .sha256)
            let bytes = proof.canonicalBytes
            #expect(try StateProof(canonical: bytes) == proof)
            #expect(throws: EncodingError.self) { try StateProof(canonical: bytes + [0]) }
            #expect(throws: EncodingError.self) { try StateProof(canonical: Array(bytes.dropLast())) }
            // Every single-byte change: decoding fails or the proof no longer proves the claim.
            for at in bytes.indices {
                for flip: UInt8 in [0x01, 0x80, 0xff] {
                    var t = bytes
                    t[at] ^= flip
                    guard let p = try? StateProof(canonical: t) else { continue }
                    #expect(throws: StateProofError.self) { try p.verify(root: rootHash, key: k, value: value, suite: .sha256) }
                }
            }
        }
        let hashA = HashSuite.sha256.digest([1]).bytes
        #expect(throws: EncodingError.self) { try StateProof(canonical: [0x01, 0x01] + [UInt8](repeating: 0, count: 33)) }  // 257
        #expect(throws: EncodingError.self) { try StateProof(canonical: [0, 1, 0x40, 0]) }  // bitmap bit beyond count
        #expect(throws: EncodingError.self) { try StateProof(canonical: [0, 1, 0x80] + [UInt8](repeating: 0, count: 32) + [0]) }
        #expect(throws: EncodingError.self) { try StateProof(canonical: [0, 1, 0x80] + hashA + [2]) }  // terminal 2
        #expect(try StateProof(canonical: [0, 1, 0x80] + hashA + [0]) == StateProof(siblings: [HashSuite.sha256.digest([1])], terminal: .empty))
        #expect(throws: EncodingError.self) { try StateProof(canonical: []) }
    }

    @Test func pathsAndNodesEncodeCanonically() throws {
        var p = TreePath.root
        for b in [1, 0, 1, 1, 0, 0, 0, 1, 1] { p = p.appending(b) }
        #expect(p.bits == [0b1011_0001, 0b1000_0000] && p.depth == 9)
        #expect(try TreePath(canonical: p.canonicalBytes) == p)
        #expect(throws: EncodingError.self) { try TreePath(canonical: [0, 9, 0xb1, 0xc0]) }  // a bit past the depth
        #expect(throws: EncodingError.self) { try TreePath(canonical: [0x01, 0x01] + [UInt8](repeating: 0, count: 33)) }
        let key = NodeKey(version: 7, path: p)
        #expect(try NodeKey(canonical: key.canonicalBytes) == key)
        let node = TreeNode.internal(left: nil, right: ChildRef(version: 3, hash: HashSuite.sha256.digest([2]), isLeaf: true))
        #expect(try TreeNode(canonical: node.canonicalBytes) == node)
        #expect(throws: EncodingError.self) { try TreeNode(canonical: [1, 0, 0]) }
    }

    // MARK: benchmark (YONGCHAIN_TREE_BENCH=1, release build)

    @Test(.enabled(if: ProcessInfo.processInfo.environment["YONGCHAIN_TREE_BENCH"] == "1"))
    func stateTreeBenchmark() throws {
        var rng = SplitMix64(seed: 99)
        let initial = 1_000_000
        var store = MemoryTreeStore()
        let clock = ContinuousClock()
        var start = clock.now
        let first = try StateTree.update(
            root: nil, version: 1,
            writes: (0..<initial).map { (key: Self.key($0), value: Array("value-\($0)".utf8)) }, reader: store, suite: .sha256)
        store.apply(first)
        print("state tree bench: built \(initial) keys, \(store.count) nodes in \(clock.now - start)")
        var root = first.root
        var nextKey = initial
        var rows: [(Duration, Int, Int, Int)] = []
        for block in 0..<5 {
            // 10,000 writes: 6,000 updates of existing keys, 3,000 new keys, 1,000 deletes.
            var batch: [[UInt8]: [UInt8]?] = [:]
            while batch.count < 6_000 { batch[Self.key(rng.int(0...(initial - 1)))] = .some(Array("u\(block)-\(rng.next())".utf8)) }
            while batch.count < 9_000 { batch[Self.key(nextKey)] = .some(Array("n\(nextKey)".utf8)); nextKey += 1 }
            while batch.count < 10_000 { batch[Self.key(rng.int(0...(initial - 1)))] = .some(nil) }
            let writes = batch.map { (key: $0.key, value: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            start = clock.now
            let u = try StateTree.update(root: root, version: UInt64(block + 2), writes: writes, reader: store, suite: .sha256)
            let took = clock.now - start
            // SHA-256 calls: a key hash per write, a value hash per put, one per created node (nothing else hashes).
            let shas = writes.count + writes.filter { $0.value != nil }.count + u.newNodes.count
            rows.append((took, shas, u.newNodes.count, u.staleNodes.count))
            print("state tree bench: block \(block + 2): \(took), \(shas) SHA-256, \(u.newNodes.count) new nodes, \(u.staleNodes.count) stale")
            store.apply(u)
            store.remove(u.staleNodes)
            root = u.root
        }
        let median = rows.sorted { $0.0 < $1.0 }[2]
        print("state tree bench: median of 5 blocks of 10000 writes into \(initial) keys: \(median.0), \(median.1) SHA-256, \(median.2) new nodes, \(median.3) stale")
    }
}
