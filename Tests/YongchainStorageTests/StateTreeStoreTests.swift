import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainStorage
import YongchainTestSupport

/// The state tree as the store keeps it: nodes in SQLite, a root per height, stale nodes pruned
/// `treeVersionsKept` heights later when a store is made to prune. Over more heights than are kept, every proof at the tip still verifies
/// against a plain model, the pruned database holds no more than the live tree plus the kept versions, and a
/// reopened store proves the same.
@Suite struct StateTreeStoreTests {
    @Test func proofsAtTheTipHoldAcrossPruningAndReopening() throws {
        let path = tempPath("tree.sqlite")
        let g = testGenesis()
        var rng = SplitMix64(seed: 14)
        var model: [[UInt8]: [UInt8]] = [:]
        let kept: UInt64 = 128
        let heights = kept + 72
        do {
            let s = try ChainStore(path: path, treeVersionsKept: kept)
            let genesisTree = try StateTree.update(root: nil, version: 0, writes: [(Array("genesis".utf8), [1])], reader: MemoryTreeStore())
            try s.open(genesis: g, initialWrites: [(Array("genesis".utf8), [1])], initialTree: genesisTree)
            model[Array("genesis".utf8)] = [1]
            for h in 1...heights {
                // A few dozen writes a block over 400 keys: inserts, updates and deletes.
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
                let b = makeBlock(h, tip: tip, stateRoot: update.rootHash)
                try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                             writes: writes, results: [(b.transactions[0].hash(chainID: g.chainID), .ok)], tree: update)
            }
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
            #expect(oldest > heights - kept, "stale nodes older than the kept heights remain")
            #expect(stored <= 3 * model.count + staleRows + 2, "\(stored) nodes for \(model.count) keys and \(staleRows) stale")
        }
        let reopened = try ChainStore(path: path, treeVersionsKept: kept)
        try reopened.open(genesis: g, initialWrites: [], initialTree: .root(.zero))
        try check(reopened, model)
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
        let s = try ChainStore(path: tempPath("plan.sqlite"))
        var plan: [String] = []
        try s.writer.query("EXPLAIN QUERY PLAN " + ChainStore.pruneNodeSQL, [.int(1), .blob([0, 0])]) { plan.append($0.text(3)) }
        #expect(plan.contains { $0.contains("USING PRIMARY KEY") } && !plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }
}
