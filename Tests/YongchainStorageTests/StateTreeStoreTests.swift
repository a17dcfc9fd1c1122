import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainStorage
import YongchainTestSupport

/// The state tree as the store keeps it: in memory, built from the state table and checked against the recorded
/// root, a root per height in SQLite. Over many heights every proof at the tip verifies against a plain model, a
/// reopened store proves the same, and a read whose snapshot the memory no longer holds is told so.
@Suite struct StateTreeStoreTests {
    /// A chain of `heights` blocks of a few dozen writes each over 400 keys (inserts, updates, deletes), committed
    /// to a store at `path`; returns the model of the state after each height.
    @discardableResult
    func buildChain(_ s: ChainStore, heights: UInt64, seed: UInt64 = 14) throws -> [[[UInt8]: [UInt8]]] {
        let g = testGenesis()
        var rng = SplitMix64(seed: seed)
        var model: [[UInt8]: [UInt8]] = [Array("genesis".utf8): [1]]
        var models = [model]
        let genesisTree = try StateTree.update(root: nil, version: 0, writes: [(Array("genesis".utf8), [1])], reader: MemoryTreeStore(), suite: .sha256)
        try s.open(genesis: g, initialWrites: [(Array("genesis".utf8), [1])], initialTree: genesisTree)
        for h in 1...heights {
            var writes: [(key: [UInt8], value: [UInt8]?)] = []
            for _ in 0..<(20 + Int(rng.next() % 20)) {
                let k = Array("k/\(rng.next() % 400)".utf8)
                let v: [UInt8]? = rng.next() % 5 == 0 ? nil : [UInt8(truncatingIfNeeded: rng.next()), UInt8(h & 0xff)]
                writes.removeAll { $0.key == k }
                writes.append((k, v))
            }
            try commit(s, h, writes)
            for w in writes { model[w.key] = w.value }
            models.append(model)
        }
        return models
    }

    /// Commits block `h` of `writes` on `s`'s tip, its tree computed through the store.
    func commit(_ s: ChainStore, _ h: UInt64, _ writes: [(key: [UInt8], value: [UInt8]?)]) throws {
        let tip = s.tip
        let update = try s.committedSnapshot { _, tree in try StateTree.update(root: tip.stateTree, version: h, writes: writes, reader: tree, suite: .sha256) }
        let b = makeBlock(h, tip: tip, stateRoot: update.rootHash)
        try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                     writes: writes, results: [(b.transactions[0].hash(on: testGenesis().chain), .ok)], tree: update)
    }

    @Test func proofsAtTheTipHoldAcrossCommitsAndReopening() throws {
        let path = tempPath("tree.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 200).last!
            try check(s, model)
            // Nothing of the tree but its roots is stored.
            var tables = -1
            try s.writer.query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'tree%'") { tables = Int(try $0.unsigned(0)) }
            #expect(tables == 0)
        }
        let reopened = try ChainStore(path: path)
        try reopened.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try check(reopened, model)
    }

    /// The tree is built in memory from the leaves stored beside the state at the first tree read of a store: its
    /// root is the one a tree made from the values themselves gives, and the one the tip records.
    @Test func theTreeBuiltFromTheStoredLeavesIsTheTreeOfTheValues() throws {
        let path = tempPath("built.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 30).last!
        }
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        #expect(s.treeMemory.read { $0 == nil })
        try check(s, model)
        let fromValues = try StateTree.update(root: nil, version: 1, writes: model.map { ($0.key, $0.value) }, reader: MemoryTreeStore(), suite: .sha256)
        let root = NodeKey(version: s.tip.stateTree!.version, path: .root)
        #expect(s.treeMemory.read { $0?.node(root)?.hash(.sha256) } == fromValues.rootHash)
        #expect(s.tip.stateRoot == fromValues.rootHash)
    }

    /// A stored leaf that disagrees with its value, missing or malformed (an altered file) is found at the first
    /// tree read (the tree it gives is not the recorded one), never a silently different tree; a value altered
    /// under its intact leaf is refused when it is proven.
    @Test(arguments: ["UPDATE state SET leaf = zeroblob(64) WHERE key = (SELECT min(key) FROM state)",
                      "UPDATE state SET leaf = NULL WHERE key = (SELECT min(key) FROM state)",
                      "UPDATE state SET leaf = x'00' WHERE key = (SELECT min(key) FROM state)",
                      "UPDATE state SET leaf = (SELECT leaf FROM state WHERE key = (SELECT max(key) FROM state)) WHERE key = (SELECT min(key) FROM state)",
                      "DELETE FROM state WHERE key = (SELECT min(key) FROM state)"])
    func aLeafThatDisagreesWithItsValueIsFoundAtTheFirstTreeRead(alteration: String) throws {
        let path = tempPath("leaf.sqlite")
        do {
            let s = try ChainStore(path: path)
            try buildChain(s, heights: 30)
            try s.writer.run(alteration)
        }
        let s = try ChainStore(path: path)
        do {
            try s.committedSnapshot { _, _ in }
            Issue.record("a state whose leaves do not give the recorded root was read")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_CORRUPT", "\(e)")
        }
    }

    /// The tree no longer reads the values at a restart: a value altered under its intact leaf is refused when it
    /// is proven, and every other key still proves.
    @Test func aValueAlteredUnderItsLeafIsNotProven() throws {
        let path = tempPath("value.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 30).last!
            #expect(model[Array("k/1".utf8)] != nil, "the seed must leave k/1 present")
            try s.writer.run("UPDATE state SET value = x'07' WHERE key = x'6b2f31'")
        }
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try check(s, model, skipping: [1])
        do {
            _ = try s.read { v in try v.stateProof(key: Array("k/1".utf8), tip: s.tip) }
            Issue.record("a value that is not the one its leaf holds was proven")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_CORRUPT" && e.message.contains("leaf"), "\(e)")
        }
        // The scrub of every row, a few at a time, names it.
        var after: [UInt8]?
        do {
            repeat { after = try s.verifyStoredState(after: after, limit: 7) } while after != nil
            Issue.record("the scrub passed a value altered under its leaf")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_CORRUPT" && e.message.contains(Hex.encode(Array("k/1".utf8))), "\(e)")
        }
    }

    /// The scrub walks every row, in batches, and passes a store as committed.
    @Test func theScrubOfTheStoredStatePassesACommittedStore() throws {
        let s = try ChainStore(path: tempPath("scrub.sqlite"))
        let model = try buildChain(s, heights: 30).last!
        var after: [UInt8]?, keys: [[UInt8]] = []
        repeat {
            after = try s.verifyStoredState(after: after, limit: 7)
            if let after { keys.append(after) }
        } while after != nil
        #expect(keys.count == (model.count + 6) / 7 && keys.last == model.keys.max { $0.lexicographicallyPrecedes($1) })
    }

    /// The restart's sort by bucket, then within each bucket, gives what a plain sort gives: on random key hashes,
    /// and on many in one bucket (keys can be chosen so their hashes share 18 bits).
    @Test func theBucketSortOfLeavesIsThePlainSort() {
        var rng = SplitMix64(seed: 29)
        func hash(prefix: UInt64?) -> Hash {
            var bytes = (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if let prefix { for i in 0..<3 { bytes[i] = UInt8(truncatingIfNeeded: prefix >> (8 * (2 - UInt64(i)))) } }
            return Hash(bytes)!
        }
        for round in 0..<20 {
            let n = Int(rng.next() % 3_000)
            let crowded = round % 2 == 1 ? UInt64(rng.next() % (1 << 24)) : nil
            let leaves = (0..<n).map { i in (key: hash(prefix: i % 3 == 0 ? crowded : nil), value: hash(prefix: nil)) }
            let got = ChainStore.sortedByKeyHash(leaves)
            let want = leaves.sorted { $0.key < $1.key }
            #expect(got.map(\.key) == want.map(\.key) && got.map(\.value) == want.map(\.value), "round \(round)")
        }
    }

    /// A node or a bucket a commit replaced stays readable for the newest `topVersionsKept` heights (a read
    /// begun before the commit still finds it), then is forgotten.
    @Test func replacedNodesAndBucketsStayReadableForTheNewestHeights() {
        let key = HashSuite.sha256.digest([1])
        let b = ChainStore.TreeMemory.bucket(of: key)
        var (memory, _) = ChainStore.TreeMemory.build([(key, HashSuite.sha256.digest([2]))], height: 1, version: 1, suite: .sha256)
        let p = TreePath.root.appending(1).appending(0), q = TreePath.root.appending(0)
        let x = TreeNode.leaf(keyHash: key, valueHash: HashSuite.sha256.digest([2]))
        let y = TreeNode.leaf(keyHash: key, valueHash: HashSuite.sha256.digest([3]))
        let (px, py, qx) = (NodeKey(version: 1, path: p), NodeKey(version: 2, path: p), NodeKey(version: 1, path: q))
        memory.put(px, x)
        memory.put(qx, x)
        memory.apply(TreeUpdate(root: nil, newNodes: [(py, y)], staleNodes: [px, qx], leaves: [(key, HashSuite.sha256.digest([3]))], writeDigests: []), height: 2)
        #expect(memory.node(py) == y && memory.node(NodeKey(version: 2, path: q)) == nil)
        #expect(memory.leaves(bucket: b, at: 2)?.map(\.value) == [HashSuite.sha256.digest([3])])
        #expect(memory.leaves(bucket: b, at: 0) == nil, "before the memory was built")
        for h in UInt64(3)...(1 + ChainStore.topVersionsKept) {
            memory.apply(TreeUpdate(root: nil, newNodes: [], staleNodes: [], leaves: [], writeDigests: []), height: h)
            #expect(memory.node(px) == x && memory.node(qx) == x, "height \(h)")
            #expect(memory.leaves(bucket: b, at: 1)?.map(\.value) == [HashSuite.sha256.digest([2])], "height \(h)")
        }
        memory.apply(TreeUpdate(root: nil, newNodes: [], staleNodes: [], leaves: [(key, nil)], writeDigests: []), height: 2 + ChainStore.topVersionsKept)
        #expect(memory.node(px) == nil && memory.node(qx) == nil && memory.node(py) == y)
        #expect(memory.leaves(bucket: b, at: 1) == nil)
        #expect(memory.leaves(bucket: b, at: 5)?.map(\.value) == [HashSuite.sha256.digest([3])])
        #expect(memory.leaves(bucket: b, at: 6)?.isEmpty == true)
    }

    /// A read proves against its own snapshot's tree while commits run beside it, up to `topVersionsKept` commits
    /// behind; further behind it gets STORAGE_SNAPSHOT_GONE, never another height's tree. (With the proofs' cache
    /// off: it would hand the snapshot's proofs out again at its root, tree or no tree: StateRootCacheTests.)
    @Test func aReadLeftBehindIsToldSoNotGivenAnotherTree() throws {
        let s = try ChainStore(path: tempPath("behind.sqlite"), proofCache: .off)
        let models = try buildChain(s, heights: 12)
        try s.read { v in
            let snapTip = try v.tip()
            func proveAll() throws {
                for i in 0..<50 {
                    let k = Array("k/\(i)".utf8)
                    let (value, proof) = try v.stateProof(key: k, tip: snapTip)
                    #expect(value == models[12][k])
                    try proof.verify(root: snapTip.stateRoot, key: k, value: models[12][k], suite: .sha256)
                }
            }
            for h in UInt64(13)...(12 + ChainStore.topVersionsKept) {
                try commit(s, h, (0..<50).map { (Array("k/\($0)".utf8), [UInt8(h)]) })
                try proveAll()
            }
            try commit(s, 13 + ChainStore.topVersionsKept, (0..<50).map { (Array("k/\($0)".utf8), [0]) })
            do {
                try proveAll()
                Issue.record("a read left behind proved")
            } catch let e as StorageError {
                #expect(e.code == ChainStore.snapshotGone, "\(e)")
            }
        }
    }

    /// Databases of schema 2 (a row per tree node), 3 (a row per leaf) and 4 (no leaves) open as schema 5: their
    /// tree tables are dropped, every state row gets its leaf once (said in the log); the first read checks those
    /// leaves give the recorded root; then they prove and take new blocks.
    @Test(arguments: [2, 3, 4]) func anOlderSchemaGetsItsLeavesOnceAtOpen(schema old: Int) throws {
        let path = tempPath("schema\(old).sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 30).last!
            try s.writer.run("UPDATE meta SET value = '\(old)' WHERE key = 'schema'")
            try s.writer.exec("ALTER TABLE state DROP COLUMN leaf")
            if old == 2 {
                try s.writer.exec("CREATE TABLE tree_nodes (version INTEGER NOT NULL, path BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, path)) WITHOUT ROWID; CREATE TABLE tree_stale (since INTEGER PRIMARY KEY, keys BLOB NOT NULL)")
                try s.writer.run("INSERT INTO tree_nodes (version, path, data) VALUES (29, x'0000', x'0100')")
            } else if old == 3 {
                try s.writer.exec("CREATE TABLE tree_leaves (khash BLOB PRIMARY KEY, vhash BLOB NOT NULL) WITHOUT ROWID")
                try s.writer.run("INSERT INTO tree_leaves (khash, vhash) VALUES (x'00', x'01')")
            }
        }
        var said: [String] = []
        let s = try ChainStore(path: path) { said.append($0) }
        #expect(said.count == 2 && said[0].contains("schema \(old) to 5") && said[1].contains("\(model.count) state keys"), "\(said)")
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        var schema = "", tables = -1, withoutLeaf = -1
        try s.writer.query("SELECT value FROM meta WHERE key = 'schema'") { schema = String(decoding: $0.blob(0), as: UTF8.self) }
        try s.writer.query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'tree%'") { tables = Int(try $0.unsigned(0)) }
        try s.writer.query("SELECT count(*) FROM state WHERE length(leaf) IS NOT 64") { withoutLeaf = Int(try $0.unsigned(0)) }
        #expect(schema == "\(ChainStore.schemaVersion)" && tables == 0 && withoutLeaf == 0)
        try check(s, model)
        try commit(s, 31, [(Array("k/1".utf8), [9]), (Array("k/2".utf8), nil)])
        model[Array("k/1".utf8)] = [9]
        model[Array("k/2".utf8)] = nil
        try check(s, model)
        said = []
        _ = try ChainStore(path: path) { said.append($0) }
        #expect(said.isEmpty, "upgraded twice: \(said)")
    }

    /// A schema this build does not know is refused with a stable code, the database untouched.
    @Test func anUnknownSchemaIsRefused() throws {
        let path = tempPath("schema9.sqlite")
        do {
            let s = try ChainStore(path: path)
            try buildChain(s, heights: 3)
            try s.writer.run("UPDATE meta SET value = '9' WHERE key = 'schema'")
        }
        #expect { try ChainStore(path: path) } throws: { ($0 as? StorageError)?.code == "STORAGE_SCHEMA" }
    }

    /// Blocks commit with `synchronous=NORMAL`; the signer's record is written under FULL, and the writer is back
    /// at NORMAL afterwards.
    @Test func onlyTheSignersRecordIsSyncedAtItsCommit() throws {
        let s = try ChainStore(path: tempPath("sync.sqlite"))
        func level() throws -> Int64 { var v: Int64 = -1; try s.writer.query("PRAGMA synchronous") { v = $0.int(0) }; return v }
        #expect(try level() == 1)
        var inside: Int64 = -1
        try s.durably { inside = try level() }
        #expect(inside == 2)
        try s.saveSignerState([1, 2, 3])
        #expect(try level() == 1)
    }

    /// The writer leaves WAL checkpoints to a thread of the store's (its hook replaces SQLite's automatic checkpoint):
    /// once the WAL passes 1,000 pages, the thread must copy them into the database file, or the WAL would grow
    /// without end.
    @Test func aThreadOfTheStoresCheckpointsTheWriteAheadLog() throws {
        let path = tempPath("checkpoint.sqlite")
        let s = try ChainStore(path: path)
        let g = testGenesis()
        let genesisTree = try StateTree.update(root: nil, version: 0, writes: [], reader: MemoryTreeStore(), suite: .sha256)
        try s.open(genesis: g, initialWrites: [], initialTree: genesisTree)
        func fileSize(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
        let before = fileSize(path)
        for h in UInt64(1)...40 {
            // About 6 MB of state over the run: 1,500 pages, past the 1,000 that make a checkpoint due.
            try commit(s, h, (0..<40).map { i in (Array("big/\(h)/\(i)".utf8), [UInt8](repeating: UInt8(i), count: 4_000)) })
        }
        let deadline = Date(timeIntervalSinceNow: 30)
        while fileSize(path) < before + 2_000_000, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(fileSize(path) >= before + 2_000_000, "the database file did not grow: no checkpoint copied the WAL into it")
        #expect(s.checkpointFailure == nil)
    }

    func check(_ s: ChainStore, _ model: [[UInt8]: [UInt8]], skipping: Set<Int> = []) throws {
        let tip = s.tip
        try s.read { v in
            for i in 0..<450 where !skipping.contains(i) {
                let k = Array("k/\(i)".utf8)
                let (value, proof) = try v.stateProof(key: k, tip: tip)
                #expect(value == model[k])
                try proof.verify(root: tip.stateRoot, key: k, value: model[k], suite: .sha256)
            }
        }
    }


}
