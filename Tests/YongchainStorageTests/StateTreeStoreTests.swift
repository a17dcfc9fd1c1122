import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainStorage
import YongchainTestSupport

/// The state tree as the store keeps it: its leaves in SQLite beside the state, the nodes above the buckets in
/// memory, a root per height. Over many heights every proof at the tip verifies against a plain model, the
/// memory is built from the leaves and checked against the recorded root, and a reopened store proves the same.
@Suite struct StateTreeStoreTests {
    /// A chain of `heights` blocks of a few dozen writes each over 400 keys (inserts, updates, deletes), committed
    /// to a store at `path`; returns the model of the state after each height.
    @discardableResult
    func buildChain(_ s: ChainStore, heights: UInt64, seed: UInt64 = 14) throws -> [[[UInt8]: [UInt8]]] {
        let g = testGenesis()
        var rng = SplitMix64(seed: seed)
        var model: [[UInt8]: [UInt8]] = [Array("genesis".utf8): [1]]
        var models = [model]
        let genesisTree = try StateTree.update(root: nil, version: 0, writes: [(Array("genesis".utf8), [1])], reader: MemoryTreeStore())
        try s.open(genesis: g, initialWrites: [(Array("genesis".utf8), [1])], initialTree: genesisTree)
        for h in 1...heights {
            var writes: [(key: [UInt8], value: [UInt8]?)] = []
            for _ in 0..<(20 + Int(rng.next() % 20)) {
                let k = Array("k/\(rng.next() % 400)".utf8)
                let v: [UInt8]? = rng.next() % 5 == 0 ? nil : [UInt8(truncatingIfNeeded: rng.next()), UInt8(h & 0xff)]
                writes.removeAll { $0.key == k }
                writes.append((k, v))
            }
            let tip = s.tip
            let update = try s.committedSnapshot { _, tree in try StateTree.update(root: tip.stateTree, version: h, writes: writes, reader: tree) }
            for w in writes { model[w.key] = w.value }
            models.append(model)
            let b = makeBlock(h, tip: tip, stateRoot: update.rootHash)
            try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                         writes: writes, results: [(b.transactions[0].hash(chainID: g.chainID), .ok)], tree: update)
        }
        return models
    }

    @Test func proofsAtTheTipHoldAcrossCommitsAndReopening() throws {
        let path = tempPath("tree.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 200).last!
            try check(s, model)
            // What is stored of the tree is its leaves: one row per state key.
            var leaves = 0, state = 0
            try s.writer.query("SELECT count(*) FROM tree_leaves") { leaves = Int(try $0.unsigned(0)) }
            try s.writer.query("SELECT count(*) FROM state") { state = Int(try $0.unsigned(0)) }
            #expect(leaves == state && state == model.count)
        }
        let reopened = try ChainStore(path: path)
        try reopened.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try check(reopened, model)
    }

    /// The nodes above the buckets are built in memory from the leaves at the first read of a store, checked
    /// against the recorded root; a store whose leaves do not give it refuses to read its tree.
    @Test func theTreeIsBuiltFromItsLeavesAndCheckedAgainstTheRecordedRoot() throws {
        let path = tempPath("leaves.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 30).last!
        }
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        #expect(s.treeTop.withLock { $0 == nil })
        try check(s, model)
        let root = NodeKey(version: s.tip.stateTree!.version, path: .root)
        #expect(s.treeTop.withLock { $0?.node(root) } != nil)
        // A changed leaf: the tree it gives is not the recorded one.
        try s.writer.run("UPDATE tree_leaves SET vhash = ? WHERE khash = (SELECT min(khash) FROM tree_leaves)", [.blob([UInt8](repeating: 7, count: 32))])
        let tampered = try ChainStore(path: path)
        do {
            try tampered.committedSnapshot { _, _ in }
            Issue.record("a tree whose leaves do not give the recorded root was read")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_CORRUPT" && e.message.contains("records"), "\(e)")
        }
    }

    /// A node a commit replaced or removed stays readable under its own version for the newest
    /// `topVersionsKept` heights (a read begun before the commit still finds it), then is forgotten.
    @Test func replacedNodesStayReadableForTheNewestVersions() {
        var top = ChainStore.TreeTop()
        let p = TreePath.root.appending(1).appending(0), q = TreePath.root.appending(0)
        let a = TreeNode.leaf(keyHash: Hash.sha256([1]), valueHash: Hash.sha256([2]))
        let b = TreeNode.leaf(keyHash: Hash.sha256([1]), valueHash: Hash.sha256([3]))
        let (pa, pb, qa) = (NodeKey(version: 1, path: p), NodeKey(version: 2, path: p), NodeKey(version: 1, path: q))
        top.put(pa, a)
        top.put(qa, a)
        top.apply(TreeUpdate(root: nil, newNodes: [(pb, b)], staleNodes: [pa, qa]), height: 2)
        #expect(top.node(pb) == b && top.node(NodeKey(version: 2, path: q)) == nil)
        for h in UInt64(3)...(1 + ChainStore.topVersionsKept) {
            top.apply(TreeUpdate(root: nil, newNodes: [], staleNodes: []), height: h)
            #expect(top.node(pa) == a && top.node(qa) == a, "height \(h)")
        }
        top.apply(TreeUpdate(root: nil, newNodes: [], staleNodes: []), height: 2 + ChainStore.topVersionsKept)
        #expect(top.node(pa) == nil && top.node(qa) == nil && top.node(pb) == b)
    }

    /// A read that began before the commit the store's memory was first built after still reads its own tree:
    /// what memory does not hold is computed from the snapshot's leaves.
    @Test func aSnapshotOlderThanTheMemoryReadsItsOwnTree() throws {
        let path = tempPath("older.sqlite")
        let models = try buildChain(try ChainStore(path: path), heights: 12)
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try s.read { v in
            let snapTip = try v.tip()
            // Block 13 commits (its tree computed through another store on the file) before s builds its memory.
            let tip = s.tip
            let writes: [(key: [UInt8], value: [UInt8]?)] = (0..<40).map { (Array("k/\($0)".utf8), [13]) }
            let update = try ChainStore(path: path).committedSnapshot { _, tree in try StateTree.update(root: tip.stateTree, version: 13, writes: writes, reader: tree) }
            let b = makeBlock(13, tip: tip, stateRoot: update.rootHash)
            try s.commit(block: b, certificate: CommitCertificate(height: 13, round: 0, blockHash: b.hash, signatures: []),
                         writes: writes, results: [(b.transactions[0].hash(chainID: testGenesis().chainID), .ok)], tree: update)
            #expect(s.treeTop.withLock { $0 == nil })
            for i in 0..<50 {
                let k = Array("k/\(i)".utf8)
                let (value, proof) = try v.stateProof(key: k, tip: snapTip)
                #expect(value == models[12][k])
                try proof.verify(root: snapTip.stateRoot, key: k, value: models[12][k])
            }
            #expect(s.treeTop.withLock { $0 != nil })
        }
    }

    /// A database of schema 2 (a row per tree node) opens as schema 3: its leaves are made from the state table
    /// and its nodes dropped; the first read checks the leaves give the recorded root; then it proves and takes
    /// new blocks.
    @Test func aSchemaTwoDatabaseKeepsItsLeavesOnly() throws {
        let path = tempPath("schema2.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path)
            model = try buildChain(s, heights: 30).last!
            try s.writer.run("UPDATE meta SET value = '2' WHERE key = 'schema'")
            try s.writer.run("DELETE FROM tree_leaves")
            try s.writer.exec("CREATE TABLE tree_nodes (version INTEGER NOT NULL, path BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, path)) WITHOUT ROWID; CREATE TABLE tree_stale (since INTEGER PRIMARY KEY, keys BLOB NOT NULL)")
            try s.writer.run("INSERT INTO tree_nodes (version, path, data) VALUES (29, x'0000', x'0100')")
        }
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        var schema = "", nodes = -1
        try s.writer.query("SELECT value FROM meta WHERE key = 'schema'") { schema = String(decoding: $0.blob(0), as: UTF8.self) }
        try s.writer.query("SELECT count(*) FROM sqlite_master WHERE name IN ('tree_nodes', 'tree_stale')") { nodes = Int(try $0.unsigned(0)) }
        #expect(schema == "\(ChainStore.schemaVersion)" && nodes == 0)
        try check(s, model)
        let tip = s.tip
        let writes: [(key: [UInt8], value: [UInt8]?)] = [(Array("k/1".utf8), [9]), (Array("k/2".utf8), nil)]
        let update = try s.committedSnapshot { _, tree in try StateTree.update(root: tip.stateTree, version: 31, writes: writes, reader: tree) }
        let b = makeBlock(31, tip: tip, stateRoot: update.rootHash)
        try s.commit(block: b, certificate: CommitCertificate(height: 31, round: 0, blockHash: b.hash, signatures: []),
                     writes: writes, results: [(b.transactions[0].hash(chainID: testGenesis().chainID), .ok)], tree: update)
        model[Array("k/1".utf8)] = [9]
        model[Array("k/2".utf8)] = nil
        try check(s, model)
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
        let genesisTree = try StateTree.update(root: nil, version: 0, writes: [], reader: MemoryTreeStore())
        try s.open(genesis: g, initialWrites: [], initialTree: genesisTree)
        func fileSize(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
        let before = fileSize(path)
        for h in UInt64(1)...40 {
            // About 6 MB of state over the run: 1,500 pages, past the 1,000 that make a checkpoint due.
            let writes: [(key: [UInt8], value: [UInt8]?)] = (0..<40).map { i in (Array("big/\(h)/\(i)".utf8), [UInt8](repeating: UInt8(i), count: 4_000)) }
            let tip = s.tip
            let update = try s.committedSnapshot { _, tree in try StateTree.update(root: tip.stateTree, version: h, writes: writes, reader: tree) }
            let b = makeBlock(h, tip: tip, stateRoot: update.rootHash)
            try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                         writes: writes, results: [(b.transactions[0].hash(chainID: g.chainID), .ok)], tree: update)
        }
        let deadline = Date(timeIntervalSinceNow: 30)
        while fileSize(path) < before + 2_000_000, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(fileSize(path) >= before + 2_000_000, "the database file did not grow: no checkpoint copied the WAL into it")
        #expect(s.checkpointFailure == nil)
    }

    func check(_ s: ChainStore, _ model: [[UInt8]: [UInt8]]) throws {
        let tip = s.tip
        try s.read { v in
            for i in 0..<450 {
                let k = Array("k/\(i)".utf8)
                let (value, proof) = try v.stateProof(key: k, tip: tip)
                #expect(value == model[k])
                try proof.verify(root: tip.stateRoot, key: k, value: model[k])
            }
        }
    }


}
