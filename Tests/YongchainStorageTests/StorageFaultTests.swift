import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
@testable import YongchainStorage

/// What the store does when its file is altered, damaged or full: it names the problem, never answers from it.
@Suite struct StorageFaultTests {
    /// A store with blocks 1...n committed, as the node commits them.
    func chain(_ n: UInt64) throws -> (ChainStore, Genesis) {
        let g = testGenesis()
        let s = try ChainStore(path: tempPath("chain.sqlite"))
        try s.open(genesis: g, initialWrites: [], initialTree: .root(.zero))
        for h in 1...n {
            let b = makeBlock(h, tip: s.tip)
            let writes: [(key: [UInt8], value: [UInt8]?)] = [(Array("k/\(h)".utf8), [UInt8(h)])]
            try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                         writes: writes, results: [(b.transactions[0].hash(on: Chain(id: g.chainID, hashSuite: .sha256)), .ok)],
                         tree: .root(b.header.stateRoot, writes: writes))
        }
        return (s, g)
    }

    /// Changes the last byte of the stored bytes of block `height` (inside its transaction's signature, which
    /// neither the block hash nor the transaction root covers), as an editor of the SQLite file would.
    func alter(_ s: ChainStore, height: Int64, keepDigest: Bool = true) throws {
        var data: [UInt8] = []
        try s.writer.query("SELECT data FROM blocks WHERE height = ?", [.int(height)]) { data = $0.blob(0) }
        // The block ends with its last-commit flag (0: none); the byte before it is the signature's last.
        data[data.count - 2] ^= 0x01
        try s.writer.run("UPDATE blocks SET data = ? WHERE height = ?", [.blob(data), .int(height)])
        if !keepDigest { try s.writer.run("UPDATE blocks SET data_hash = NULL WHERE height = ?", [.int(height)]) }
    }

    @Test func aBlockAlteredOnDiskIsNeverReadBack() throws {
        let (s, _) = try chain(10)
        try alter(s, height: 5)
        #expect(try s.block(at: 4) != nil)
        do {
            _ = try s.block(at: 5)
            Issue.record("an altered block was read back")
        } catch let e as StoredBlockCorrupt {
            #expect(e.height == 5 && e.code == "STORAGE_CORRUPT")
        }
        do {
            try s.verifyStoredBlocks(from: 1, through: 10)
            Issue.record("verification passed over an altered block")
        } catch let e as StoredBlockCorrupt {
            #expect(e.height == 5)
        }
        try s.verifyStoredBlocks(from: 7, through: 10)
    }

    @Test func aBodyThatNoLongerMatchesItsHeaderIsCorruptEvenWithoutADigest() throws {
        let (s, g) = try chain(6)
        // A database from before the digest column: the transaction root still catches a changed body.
        var data: [UInt8] = []
        try s.writer.query("SELECT data FROM blocks WHERE height = 3") { data = $0.blob(0) }
        var block = try Block(canonical: data, hashSuite: .sha256)
        block.transactions[0] = Transaction.signed(type: "t", body: [0xEE], nonce: 3, key: try PrivateKey.fromSeed([UInt8](repeating: 1, count: 32)), chainID: g.chainID)
        try s.writer.run("UPDATE blocks SET data = ?, data_hash = NULL WHERE height = 3", [.blob(block.canonicalBytes)])
        #expect(throws: StoredBlockCorrupt.self) { _ = try s.block(at: 3) }
        // A forged header that hashes differently from the recorded hash is caught too.
        try s.writer.query("SELECT data FROM blocks WHERE height = 4") { data = $0.blob(0) }
        var forged = try Block(canonical: data, hashSuite: .sha256)
        forged.header.time += 1
        try s.writer.run("UPDATE blocks SET data = ?, data_hash = NULL WHERE height = 4", [.blob(forged.canonicalBytes)])
        #expect(throws: StoredBlockCorrupt.self) { _ = try s.block(at: 4) }
    }

    @Test func reopeningRefusesACorruptTip() throws {
        let (s, g) = try chain(4)
        try alter(s, height: 4)
        let again = try ChainStore(path: s.path)
        #expect(throws: StoredBlockCorrupt.self) { try again.open(genesis: g, initialWrites: [], initialTree: .root(.zero)) }
    }

    @Test func heightsBeyondSQLiteAreAbsentNotATrap() throws {
        let (s, _) = try chain(2)
        #expect(try s.block(at: UInt64.max) == nil)
        #expect(try s.certificate(at: UInt64(Int64.max) + 1) == nil)
        #expect(try s.read { try $0.stateRoot(at: UInt64.max) } == nil)
        #expect(try s.read { try $0.recentBlocks(limit: 10, before: UInt64.max) }.count == 2)
    }

    @Test func aFailedReadIsAnErrorNotAnAbsentKey() throws {
        let (s, _) = try chain(2)
        #expect(try s.read { $0.get(Array("k/1".utf8)) } == [1])
        try s.writer.exec("ALTER TABLE state RENAME TO state_gone")
        // Queries answer through `read`: it throws rather than return "absent". (k/2, not k/1: the key read above is
        // now in the committed-state cache, which answers it without SQLite.)
        #expect(throws: StorageError.self) { _ = try s.read { $0.get(Array("k/2".utf8)) } }
        #expect(throws: StorageError.self) { _ = try s.read { $0.scan(prefix: Array("k/".utf8), after: nil, limit: 5) } }
        // Execution reads through the writer: the reader remembers and `checkReads` throws before any commit.
        let state = s.committedState
        #expect(state.get(Array("k/1".utf8)) == nil)
        #expect(throws: StorageError.self) { try state.checkReads() }
        try s.writer.exec("ALTER TABLE state_gone RENAME TO state")
        let fresh = s.committedState
        #expect(fresh.get(Array("k/1".utf8)) == [1])
        try fresh.checkReads()
    }

    @Test func aFullDiskFailsTheCommitWholeAndLaterCommitsResume() throws {
        let (s, g) = try chain(2)
        var pages: Int64 = 0
        try s.writer.query("PRAGMA page_count") { pages = $0.int(0) }
        try s.writer.exec("PRAGMA max_page_count = \(pages)")
        let b = makeBlock(3, tip: s.tip)
        let big = (0..<2_000).map { (key: Array("fill/\($0)".utf8), value: Optional([UInt8](repeating: 7, count: 512))) }
        do {
            try s.commit(block: b, certificate: CommitCertificate(height: 3, round: 0, blockHash: b.hash, signatures: []),
                         writes: big, results: [(b.transactions[0].hash(on: Chain(id: g.chainID, hashSuite: .sha256)), .ok)], tree: .root(b.header.stateRoot, writes: big))
            Issue.record("a commit went through on a full database")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_FAILED" && e.message.contains("full"), "\(e)")
        }
        #expect(s.tip.height == 2)
        #expect(try s.block(at: 3) == nil)
        try s.writer.exec("PRAGMA max_page_count = 1000000")
        try s.commit(block: b, certificate: CommitCertificate(height: 3, round: 0, blockHash: b.hash, signatures: []),
                     writes: big, results: [(b.transactions[0].hash(on: Chain(id: g.chainID, hashSuite: .sha256)), .ok)], tree: .root(b.header.stateRoot, writes: big))
        #expect(s.tip.height == 3)
    }
}

/// How long checking stored blocks takes (docs/operations.md, "Health"): not a pass/fail test, a figure. Run it
/// in a release build: `YONGCHAIN_MEASURE_SCRUB=1000000 swift test -c release --filter storedBlockCheckSpeed`.
@Suite struct StoredBlockCheckMeasurement {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["YONGCHAIN_MEASURE_SCRUB"] != nil))
    func storedBlockCheckSpeed() throws {
        let total = Int(ProcessInfo.processInfo.environment["YONGCHAIN_MEASURE_SCRUB"] ?? "") ?? 100_000
        let perBlock = 1_000
        let g = testGenesis()
        let path = tempPath("chain.sqlite")
        let s = try ChainStore(path: path)
        try s.open(genesis: g, initialWrites: [], initialTree: .root(.zero))
        let k = try PrivateKey.fromSeed([UInt8](repeating: 1, count: 32))
        var rng = SystemRandomNumberGenerator()
        let blocks = max(1, total / perBlock)
        let built = Date()
        for h in 1...UInt64(blocks) {
            // Transactions of a realistic size (a mortgage application's body is 200-300 bytes); the signature is
            // random bytes: the store never verifies signatures, and signing a million would only slow the setup.
            let txs = (0..<perBlock).map { i in
                Transaction(type: "mortgage.apply", body: (0..<240).map { _ in UInt8.random(in: 0...255, using: &rng) }, signer: k.publicKey,
                            nonce: h * 10_000 + UInt64(i), signature: (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
            let tip = s.tip
            let header = BlockHeader(chain: Chain(id: g.chainID, hashSuite: .sha256), height: h, time: tip.time + 1, previousBlockHash: tip.blockHash,
                                     lastCommitHash: Block.commitHash(nil, suite: .sha256), txRoot: Block.txRoot(txs, chain: Chain(id: g.chainID, hashSuite: .sha256)),
                                     resultsHash: .zero, stateRoot: tip.stateRoot, validatorsHash: .zero, nextValidatorsHash: .zero,
                                     proposer: k.publicKey)
            let b = Block(header: header, transactions: txs, lastCommit: nil)
            try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []),
                         writes: [], results: [], tree: .root(b.header.stateRoot))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print("stored \(blocks) blocks × \(perBlock) transactions in \(String(format: "%.1f", Date().timeIntervalSince(built))) s, \(size / 1_048_576) MiB")
        var times: [Double] = []
        for _ in 0..<3 {
            let t0 = Date()
            try s.verifyStoredBlocks(from: 1, through: UInt64(blocks))
            times.append(Date().timeIntervalSince(t0))
        }
        let median = times.sorted()[1]
        print("checked \(blocks * perBlock) transactions in \(String(format: "%.2f", median)) s (median of 3: \(times.map { String(format: "%.2f", $0) })), \(String(format: "%.0f", Double(blocks * perBlock) / median)) tx/s")
    }
}
