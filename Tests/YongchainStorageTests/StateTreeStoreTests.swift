import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainStorage
import YongchainTestSupport

/// The state tree as the store keeps it: nodes in SQLite, a root per height, and stale nodes pruned once no kept
/// version reaches them. Over more heights than are kept, every proof at the tip still verifies against a plain
/// model, the pruned database holds no more than the live tree plus the kept versions, and a reopened store
/// proves the same.
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

    @Test func proofsAtTheTipHoldAcrossPruningAndReopening() throws {
        let path = tempPath("tree.sqlite")
        let kept: UInt64 = 128
        let heights = kept + 72
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: path, treeVersionsKept: kept, pruneInBackground: false)
            model = try buildChain(s, heights: heights).last!
            try s.pruneTree()
            try check(s, model)
            // Pruned: every stored node is one the tip's tree reaches or one stale for fewer than the kept heights.
            var stored = 0, staleRows = 0
            try s.writer.query("SELECT count(*) FROM tree_nodes") { stored = Int(try $0.unsigned(0)) }
            try s.writer.query("SELECT keys FROM tree_stale") { row in
                var r = CanonicalReader(row.blob(0))
                staleRows += try r.list { try $0.item(NodeKey.self) }.count
            }
            var oldest: UInt64 = .max
            try s.writer.query("SELECT min(since) FROM tree_stale") { oldest = try $0.unsigned(0) }
            #expect(oldest > heights - kept + 1, "stale nodes older than the kept heights remain")
            #expect(stored <= 3 * model.count + staleRows + 2, "\(stored) nodes for \(model.count) keys and \(staleRows) stale")
        }
        let reopened = try ChainStore(path: path, treeVersionsKept: kept, pruneInBackground: false)
        try reopened.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try check(reopened, model)
    }

    /// With K kept, the trees at the newest K heights prove every key as it was then; the one before them has
    /// lost nodes (so K is exactly what is kept, no more).
    @Test func pruningKeepsExactlyTheNewestVersions() throws {
        let kept: UInt64 = 5
        let heights: UInt64 = 60
        let s = try ChainStore(path: tempPath("kept.sqlite"), treeVersionsKept: kept, pruneInBackground: false)
        let models = try buildChain(s, heights: heights)
        let report = try s.pruneTree()
        #expect(report.heightsDone > 0 && !report.stoppedEarly)
        for h in (heights - kept + 1)...heights {
            let root = try storedRoot(s, h)
            try s.read { v in
                for i in 0..<450 {
                    let k = Array("k/\(i)".utf8)
                    let proof = try StateTree.prove(root: root.tree, key: k, reader: v)
                    try proof.verify(root: root.hash, key: k, value: models[Int(h)][k])
                }
            }
        }
        let older = try storedRoot(s, heights - kept)
        var missing = 0
        try s.read { v in
            for i in 0..<450 {
                do { _ = try StateTree.prove(root: older.tree, key: Array("k/\(i)".utf8), reader: v) } catch StateTreeError.missingNode { missing += 1 }
            }
        }
        #expect(missing > 0, "the tree at height \(heights - kept) is still whole: more than \(kept) versions were kept")
    }

    /// A pass cut short (as a crash would cut it: some deletes made, no list finished) leaves a store that
    /// reopens, proves at the tip, and finishes pruning to exactly what one uninterrupted pass leaves.
    @Test func aPruneCutShortIsRedoneAfterReopening() throws {
        let kept: UInt64 = 4
        let heights: UInt64 = 80
        let cutPath = tempPath("cut.sqlite"), wholePath = tempPath("whole.sqlite")
        var model: [[UInt8]: [UInt8]] = [:]
        do {
            let s = try ChainStore(path: cutPath, treeVersionsKept: kept, pruneInBackground: false)
            model = try buildChain(s, heights: heights).last!
            let cut = try s.pruneTree(maxDeletes: 700)
            #expect(cut.stoppedEarly && cut.nodesDeleted == 700 && cut.heightsDone == 0)
        }
        let reopened = try ChainStore(path: cutPath, treeVersionsKept: kept, pruneInBackground: false)
        try reopened.open(genesis: testGenesis(), initialWrites: [], initialTree: .root(.zero))
        try check(reopened, model)
        let rest = try reopened.pruneTree()
        #expect(!rest.stoppedEarly && rest.heightsDone > 0)
        try check(reopened, model)

        let whole = try ChainStore(path: wholePath, treeVersionsKept: kept, pruneInBackground: false)
        try buildChain(whole, heights: heights)
        try whole.pruneTree()
        #expect(try storedNodes(reopened) == storedNodes(whole))
    }

    /// The background pruner, woken by commits, leaves no list older than the kept heights once a pass has run,
    /// and the tip still proves.
    @Test func theBackgroundPrunerPrunesAfterCommits() throws {
        let kept: UInt64 = 3
        let s = try ChainStore(path: tempPath("background.sqlite"), treeVersionsKept: kept)
        let model = try buildChain(s, heights: 70).last!
        #expect(s.pruner?.passNow(timeout: 60) == true)
        #expect(s.treePruningFailure == nil)
        var oldest: UInt64 = .max
        try s.read { v in try v.connection.query("SELECT min(since) FROM tree_stale") { oldest = $0.isNull(0) ? .max : try $0.unsigned(0) } }
        #expect(oldest > 70 - kept + 1)
        try check(s, model)
    }

    /// A pass deletes in the order of `tree_nodes`' primary key, so consecutive deletes share pages: the sort
    /// must be SQLite's own order of (version, path), over versions and paths of every length.
    @Test func stalenessIsDeletedInPrimaryKeyOrder() throws {
        let s = try ChainStore(path: tempPath("order.sqlite"), treeVersionsKept: nil)
        var rng = SplitMix64(seed: 7)
        var keys: [NodeKey] = []
        for _ in 0..<2_000 {
            let depth = Int(rng.next() % 40)
            var bits = (0..<((depth + 7) / 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if depth % 8 != 0 { bits[bits.count - 1] &= ~(0xff >> UInt8(depth % 8)) }
            keys.append(NodeKey(version: rng.next() % 5, path: TreePath(depth: depth, bits: bits)!))
        }
        keys = Array(Set(keys))
        try s.writer.transaction {
            for k in keys { try s.writer.run("INSERT INTO tree_nodes (version, path, data) VALUES (?, ?, x'00')", [.int(Int64(k.version)), .blob(k.path.canonicalBytes)]) }
        }
        var sqliteOrder: [String] = []
        try s.writer.query("SELECT version, path FROM tree_nodes ORDER BY version, path") { sqliteOrder.append("\($0.int(0))/\($0.blob(1))") }
        let ours = ChainStore.primaryKeyOrder(keys).map { "\($0.version)/\($0.path.canonicalBytes)" }
        #expect(ours == sqliteOrder)
        // The bytes a delete binds are the canonical bytes.
        for k in keys { #expect(k.path.withCanonicalBytes { Array($0) } == k.path.canonicalBytes) }
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

    /// The writer leaves WAL checkpoints to the pruner's thread (its hook replaces SQLite's automatic checkpoint):
    /// once the WAL passes 1,000 pages, the thread must copy them into the database file, or the WAL would grow
    /// without end.
    @Test func thePrunerCheckpointsTheWriteAheadLog() throws {
        let path = tempPath("checkpoint.sqlite")
        let s = try ChainStore(path: path, treeVersionsKept: 4)
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
        // After a pass (which deletes something: these inserts made internal nodes stale) the WAL starts afresh.
        #expect(s.pruner?.passNow(timeout: 30) == true)
        #expect(fileSize(path + "-wal") < 1_000_000, "the WAL kept \(fileSize(path + "-wal")) bytes after a pass")
        #expect(s.treePruningFailure == nil)
    }

    func storedRoot(_ s: ChainStore, _ h: UInt64) throws -> (hash: Hash, tree: ChildRef?) {
        var out: (Hash, ChildRef?)?
        try s.writer.query("SELECT hash, root FROM state_roots WHERE height = ?", [.int(Int64(h))]) { row in
            out = (Hash(row.blob(0))!, row.isNull(1) ? nil : try ChildRef(canonical: row.blob(1)))
        }
        return out!
    }

    func storedNodes(_ s: ChainStore) throws -> [String] {
        var out: [String] = []
        try s.writer.query("SELECT version, path FROM tree_nodes ORDER BY version, path") { out.append("\($0.int(0))/\($0.blob(1))") }
        return out
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

    /// Pruning deletes thousands of nodes a block: each delete must find its row by the primary key. (A first
    /// version deleted 128 keys per statement with `(version, path) IN (VALUES …)`, which SQLite runs as a scan
    /// of the whole table: a 10^5-transaction chain slowed to a block every ten seconds.)
    @Test func pruningFindsEachNodeByItsKey() throws {
        let s = try ChainStore(path: tempPath("plan.sqlite"), pruneInBackground: false)
        var plan: [String] = []
        try s.writer.query("EXPLAIN QUERY PLAN " + ChainStore.pruneNodeSQL, [.int(1), .blob([0, 0])]) { plan.append($0.text(3)) }
        #expect(plan.contains { $0.contains("USING PRIMARY KEY") } && !plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }
}
