import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
@testable import YongchainStorage

func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-store-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/" + name
}

func testGenesis(_ chain: String = "store-test") -> Genesis {
    let k = try! PrivateKey.fromSeed([UInt8](repeating: 1, count: 32))
    return Genesis(chainID: chain, genesisTime: 1000, organizations: [
        Organization(name: "registry", role: .registry, authorities: [.trade], publicKey: k.publicKey, address: "http://127.0.0.1:1"),
    ])
}

func makeBlock(_ height: UInt64, tip: ChainTip, chain: String = "store-test", stateRoot: Hash? = nil) -> Block {
    let k = try! PrivateKey.fromSeed([UInt8](repeating: 1, count: 32))
    let tx = Transaction.signed(type: "t", body: [UInt8(height & 0xff)], nonce: height, key: k, chainID: chain)
    let header = BlockHeader(chain: Chain(id: chain, hashSuite: .sha256), height: height, time: tip.time + 1, previousBlockHash: tip.blockHash,
                             lastCommitHash: Block.commitHash(nil, suite: .sha256), txRoot: Block.txRoot([tx], chain: Chain(id: chain, hashSuite: .sha256)), resultsHash: .zero,
                             stateRoot: stateRoot ?? tip.stateRoot, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: k.publicKey)
    return Block(header: header, transactions: [tx], lastCommit: nil)
}

@Suite struct ChainStoreTests {
    @Test func commitsSurviveReopenAndIndexResults() throws {
        let path = tempPath("chain.sqlite")
        let g = testGenesis()
        var hashes: [Hash] = []
        do {
            let s = try ChainStore(path: path)
            try s.open(genesis: g, initialWrites: [(Array("a".utf8), [1])], initialTree: .root(HashSuite.sha256.digest([0]), writes: [(Array("a".utf8), [1])]))
            for h in 1...20 as ClosedRange<UInt64> {
                let tip = s.tip
                let b = makeBlock(h, tip: tip, stateRoot: HashSuite.sha256.digest([UInt8(h)]))
                let txh = b.transactions[0].hash(on: Chain(id: g.chainID, hashSuite: .sha256))
                hashes.append(txh)
                let cert = CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: [])
                let writes: [(key: [UInt8], value: [UInt8]?)] = [(Array("k/\(h)".utf8), [UInt8(h)])]
                try s.commit(block: b, certificate: cert, writes: writes,
                             results: [(txh, h % 2 == 0 ? .ok : .reject("NOPE", "odd"))], tree: .root(b.header.stateRoot, writes: writes))
            }
        }
        let s = try ChainStore(path: path)
        try s.open(genesis: g, initialWrites: [], initialTree: .root(.zero))
        #expect(s.tip.height == 20)
        #expect(try s.transaction(hashes[1])?.result == .ok)
        #expect(try s.transaction(hashes[2])?.result.code == "NOPE")
        let rows = try s.read { $0.scan(prefix: Array("k/".utf8), after: nil, limit: 5) }
        #expect(rows.count == 5)
        #expect(try s.read { $0.get(Array("a".utf8)) } == [1])
        // Blocks must extend the tip.
        let stale = makeBlock(5, tip: s.tip)
        #expect(throws: StorageError.self) {
            try s.commit(block: stale, certificate: CommitCertificate(height: 5, round: 0, blockHash: stale.hash, signatures: []),
                         writes: [], results: [], tree: .root(stale.header.stateRoot))
        }
    }

    @Test func refusesADatabaseOfAnotherGenesis() throws {
        let path = tempPath("chain.sqlite")
        let s = try ChainStore(path: path)
        try s.open(genesis: testGenesis("chain-a"), initialWrites: [], initialTree: .root(.zero))
        let again = try ChainStore(path: path)
        do {
            try again.open(genesis: testGenesis("chain-b"), initialWrites: [], initialTree: .root(.zero))
            Issue.record("opened a database made for another genesis")
        } catch let e as StorageError {
            #expect(e.code == "GENESIS_MISMATCH")
        }
    }

    @Test func aFailedCommitLeavesNothingBehind() throws {
        let path = tempPath("chain.sqlite")
        let g = testGenesis()
        let s = try ChainStore(path: path)
        try s.open(genesis: g, initialWrites: [], initialTree: .root(.zero))
        let b = makeBlock(1, tip: s.tip)
        let txh = b.transactions[0].hash(on: Chain(id: g.chainID, hashSuite: .sha256))
        // The same transaction hash twice violates the index's primary key mid-way through the block.
        #expect(throws: StorageError.self) {
            try s.commit(block: b, certificate: CommitCertificate(height: 1, round: 0, blockHash: b.hash, signatures: []),
                         writes: [(Array("x".utf8), [1])], results: [(txh, .ok), (txh, .ok)], tree: .root(b.header.stateRoot, writes: [(Array("x".utf8), [1])]))
        }
        #expect(s.tip.height == 0)
        #expect(try s.block(at: 1) == nil)
        #expect(try s.read { $0.get(Array("x".utf8)) } == nil)
        #expect(try s.transaction(txh) == nil)
    }

    @Test func prefixScanHonoursBoundsAndPaging() throws {
        let s = try ChainStore(path: tempPath("chain.sqlite"))
        var writes: [(key: [UInt8], value: [UInt8]?)] = []
        for i in 0..<30 { writes.append((Array(String(format: "p/%03d", i).utf8), [UInt8(i)])) }
        writes.append((Array("p0".utf8), [99]))
        writes.append((Array("q/1".utf8), [98]))
        try s.open(genesis: testGenesis(), initialWrites: writes, initialTree: .root(.zero, writes: writes))
        let first = try s.read { $0.scan(prefix: Array("p/".utf8), after: nil, limit: 10) }
        #expect(first.count == 10)
        let next = try s.read { $0.scan(prefix: Array("p/".utf8), after: first.last!.key, limit: 100) }
        #expect(next.count == 20)
        #expect(ChainStore.prefixUpperBound([0x61, 0xff]) == [0x62])
        #expect(ChainStore.prefixUpperBound([0xff]) == nil)
    }

    @Test func signerStatePersists() throws {
        let path = tempPath("chain.sqlite")
        try ChainStore(path: path).saveSignerState([1, 2, 3])
        #expect(try ChainStore(path: path).loadSignerState() == [1, 2, 3])
    }
}

extension TreeUpdate {
    /// A tree update that only names a root, with the digests of `writes` the store keeps beside them: these tests
    /// exercise the block store, not the state tree (a root of 32 zero bytes is the empty tree).
    static func root(_ hash: Hash, writes: [(key: [UInt8], value: [UInt8]?)] = []) -> TreeUpdate {
        TreeUpdate(root: hash == .zero ? nil : ChildRef(version: 0, hash: hash, isLeaf: true), newNodes: [], staleNodes: [], leaves: [],
                   writeDigests: writes.map { (StateTree.keyHash($0.key, suite: .sha256), $0.value.map { StateTree.valueHash($0, suite: .sha256) }) })
    }
}
