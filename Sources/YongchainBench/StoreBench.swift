import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// `yongchain bench --store`: what executing a block's writes into the state tree and committing them costs,
/// without consensus, HTTP or signatures. A store takes `blocks` blocks of `writes` new keys of about 180 bytes
/// each (`property.register` writes two). Printed per block, over the second half of the run: the tree update's
/// time (reads and hashing), the commit's time, and this process's CPU per block and per write (the store's
/// background thread and making the writes included); then the database's size, and how long a reopened
/// store's first tree read takes (it builds the tree from every state key). Compare builds with it.
public enum StoreBench {
    public static func run(blocks: Int, writes: Int, say: (String) -> Void = { print($0) }) throws {
        say("store bench: \(blocks) blocks of \(writes) new keys (\(blocks * writes) keys at the end), release build expected")
        let r = try measure(blocks: blocks, writes: writes)
        say(String(format: "update ms p50 %.1f  commit ms p50 %.1f  CPU ms per block %.1f (%.1f µs per write)  database %.0f MiB",
                   r.updateMs, r.commitMs, r.cpuMs, r.cpuMs * 1000 / Double(writes), r.databaseMiB))
        say(String(format: "reopened: the first tree read (building the tree from %d state keys) took %.0f ms (CPU %.0f ms)",
                   blocks * writes + 1, r.reopenMs, r.reopenCPUMs))
    }

    struct Result {
        var updateMs = 0.0, commitMs = 0.0, cpuMs = 0.0, databaseMiB = 0.0, reopenMs = 0.0, reopenCPUMs = 0.0
    }

    static func measure(blocks: Int, writes perBlock: Int) throws -> Result {
        let dir = NSTemporaryDirectory() + "yongchain-store-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try PrivateKey.fromSeed([UInt8](repeating: 7, count: 32))
        let genesis = Genesis(chainID: "store-bench", genesisTime: 1000, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.trade], publicKey: key.publicKey, address: "http://127.0.0.1:1"),
        ])
        let chain = genesis.chain
        var result = Result()
        var updates: [Double] = [], commits: [Double] = []
        var cpu = 0.0
        do {
            let store = try ChainStore(path: dir + "/chain.sqlite")
            let g = try StateTree.update(root: nil, version: 0, writes: [(Array("genesis".utf8), [1])], reader: MemoryTreeStore(),
                                         suite: chain.hashSuite)
            try store.open(genesis: genesis, initialWrites: [(Array("genesis".utf8), [1])], initialTree: g)
            var n = 0
            var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
            var cpuFrom = 0.0
            for h in 1...UInt64(blocks) {
                if Int(h) == blocks / 2 + 1 { cpuFrom = ProcessSampler.ownCPU() }
                var w: [(key: [UInt8], value: [UInt8]?)] = []
                w.reserveCapacity(perBlock)
                for _ in 0..<perBlock {
                    n += 1
                    var value = [UInt8](repeating: 0, count: 180)
                    for i in stride(from: 0, to: 180, by: 8) {
                        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        withUnsafeBytes(of: seed) { for (j, b) in $0.enumerated() where i + j < 180 { value[i + j] = b } }
                    }
                    w.append((Array("property/unit/\(n)".utf8), value))
                }
                let tx = Transaction.signed(type: "bench", body: [], nonce: h, key: key, chainID: chain.id)
                let t0 = Date()
                let tip = store.tip
                let update = try store.committedSnapshot { _, r in try StateTree.update(root: tip.stateTree, version: h, writes: w, reader: r, suite: chain.hashSuite) }
                let t1 = Date()
                let header = BlockHeader(chain: chain, height: h, time: tip.time + 1, previousBlockHash: tip.blockHash,
                                         lastCommitHash: Block.commitHash(nil, suite: chain.hashSuite), txRoot: Block.txRoot([tx], chain: chain), resultsHash: .zero,
                                         stateRoot: update.rootHash, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: key.publicKey)
                let block = Block(header: header, transactions: [tx], lastCommit: nil)
                try store.commit(block: block, certificate: CommitCertificate(height: h, round: 0, blockHash: block.hash, signatures: []),
                                 writes: w, results: [(tx.hash(on: chain), .ok)], tree: update)
                if Int(h) > blocks / 2 {
                    updates.append(t1.timeIntervalSince(t0) * 1000)
                    commits.append(Date().timeIntervalSince(t1) * 1000)
                }
            }
            cpu = ProcessSampler.ownCPU() - cpuFrom
        }
        // The kernel is still writing the run's pages back to the disk; a page being written back is read only
        // when that write ends, so a reopen at once measured the disk's write speed (docs/performance.md,
        // "Restart"). A node restarts on a written database: flush it first.
        sync()
        do {
            let store = try ChainStore(path: dir + "/chain.sqlite")
            let t0 = Date(), c0 = ProcessSampler.ownCPU()
            try store.committedSnapshot { _, _ in }
            result.reopenMs = Date().timeIntervalSince(t0) * 1000
            result.reopenCPUMs = (ProcessSampler.ownCPU() - c0) * 1000
        }
        updates.sort()
        commits.sort()
        result.updateMs = updates[updates.count / 2]
        result.commitMs = commits[commits.count / 2]
        result.cpuMs = cpu * 1000 / Double(updates.count)
        result.databaseMiB = ProcessSampler.databaseMiB(dir)
        return result
    }
}
