import Foundation
import Synchronization
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
@testable import YongchainStorage

/// The committed-state cache answers exactly what SQLite would at the reader's height: a key rewritten or deleted
/// by a block is never answered from before it, and a reader pinned at an older height never gets a newer value.
@Suite struct StateCacheTests {
    let key = Array("unit/1".utf8)
    let other = Array("unit/2".utf8)

    /// A store at height 0 holding `key` = [1] and `other` = [7].
    func store(_ limits: StateCacheLimits = StateCacheLimits()) throws -> ChainStore {
        let s = try ChainStore(path: tempPath("chain.sqlite"), stateCache: limits)
        let writes: [(key: [UInt8], value: [UInt8]?)] = [(key, [1]), (other, [7])]
        try s.open(genesis: testGenesis(), initialWrites: writes, initialTree: .root(HashSuite.sha256.digest([0]), writes: writes))
        return s
    }

    func commit(_ s: ChainStore, _ writes: [(key: [UInt8], value: [UInt8]?)]) throws {
        let h = s.tip.height + 1
        let b = makeBlock(h, tip: s.tip, stateRoot: HashSuite.sha256.digest([UInt8(h)]))
        let txh = b.transactions[0].hash(on: Chain(id: "store-test", hashSuite: .sha256))
        try s.commit(block: b, certificate: CommitCertificate(height: h, round: 0, blockHash: b.hash, signatures: []), writes: writes,
                     results: [(txh, .ok)], tree: .root(b.header.stateRoot, writes: writes))
    }

    @Test func aSecondReadAtTheSameHeightIsAnsweredFromTheCache() throws {
        let s = try store()
        #expect(try s.read { $0.get(key) } == [1])
        #expect(s.stateCacheHits == 0)
        #expect(try s.read { $0.get(key) } == [1])
        #expect(s.stateCacheHits == 1)
        // An absent key is remembered as absent.
        let missing = Array("unit/3".utf8)
        #expect(try s.read { $0.get(missing) } == nil)
        #expect(try s.read { $0.get(missing) } == nil)
        #expect(s.stateCacheHits == 2)
    }

    @Test func aKeyRewrittenByABlockIsReadAtItsNewValue() throws {
        let s = try store()
        #expect(try s.read { ($0.get(key), $0.get(other)) } == ([1], [7]))
        try commit(s, [(key, [2])])
        let hits = s.stateCacheHits
        #expect(try s.read { $0.get(key) } == [2])
        // The key the block did not touch is still answered from the cache at the new height.
        #expect(try s.read { $0.get(other) } == [7])
        #expect(s.stateCacheHits == hits + 1)
        #expect(try s.read { $0.get(key) } == [2])
    }

    @Test func aKeyDeletedByABlockIsReadAsAbsent() throws {
        let s = try store()
        #expect(try s.read { $0.get(key) } == [1])
        #expect(try s.read { $0.get(key) } == [1])
        try commit(s, [(key, nil)])
        #expect(try s.read { $0.get(key) } == nil)
        #expect(try s.read { $0.get(key) } == nil)
    }

    @Test func aReaderPinnedAtAnOlderHeightReadsThatHeight() throws {
        let s = try store()
        try s.read { old in
            #expect(old.get(key) == [1])
            #expect(try old.tip().height == 0)
            try commit(s, [(key, [2])])
            // A newer reader fills the cache at height 1 ...
            #expect(try s.read { $0.get(key) } == [2])
            #expect(try s.read { $0.get(key) } == [2])
            // ... and the reader opened before the commit still reads height 0, from SQLite.
            #expect(old.get(key) == [1])
            #expect(try old.tip().height == 0)
        }
        #expect(try s.read { $0.get(key) } == [2])
    }

    @Test func aFailedCommitLeavesTheCacheSilentUntilTheNextOne() throws {
        let s = try store()
        #expect(try s.read { $0.get(key) } == [1])
        let b = makeBlock(1, tip: s.tip)
        let txh = b.transactions[0].hash(on: Chain(id: "store-test", hashSuite: .sha256))
        // The same transaction hash twice fails the commit after the state writes.
        #expect(throws: StorageError.self) {
            try s.commit(block: b, certificate: CommitCertificate(height: 1, round: 0, blockHash: b.hash, signatures: []),
                         writes: [(key, [9])], results: [(txh, .ok), (txh, .ok)], tree: .root(b.header.stateRoot, writes: [(key, [9])]))
        }
        let hits = s.stateCacheHits
        #expect(try s.read { $0.get(key) } == [1])
        #expect(s.stateCacheHits == hits)
        try commit(s, [(other, [8])])
        #expect(try s.read { ($0.get(key), $0.get(other)) } == ([1], [8]))
        #expect(try s.read { ($0.get(key), $0.get(other)) } == ([1], [8]))
        #expect(s.stateCacheHits == hits + 2)
    }

    /// Readers on four threads while blocks commit, each block rewriting one key to its own height and deleting it
    /// every fifth block: every read must give exactly the value of its own snapshot's height, cache or not.
    @Test func readersDuringCommitsReadTheirOwnSnapshotsValue() throws {
        let s = try store()
        let reads = try readersDuringCommits(s, readsPerBlock: 2) { s, key in try s.read { v in (try v.tip().height, v.get(key)) } }
        #expect(reads >= 2 * Self.commitsUnderReaders && s.stateCacheHits > 0)
    }

    /// Blocks committed while `readersDuringCommits` reads.
    static let commitsUnderReaders = 120

    /// Four threads read `key` through `read` (its snapshot's height and value) while `commitsUnderReaders` blocks
    /// commit, each rewriting `key` to its height (deleting it every fifth), a block committing once the readers
    /// have made `readsPerBlock` reads since the last. Records any read whose value is not its own height's; returns
    /// how many reads were made. Also `CacheFirstReadTests`' (through `readCacheFirst`).
    func readersDuringCommits(_ s: ChainStore, readsPerBlock: Int,
                              _ read: @escaping @Sendable (ChainStore, [UInt8]) throws -> (UInt64, [UInt8]?)) throws -> Int {
        let bad = Mutex<[String]>([])
        let reads = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        let key = self.key
        for _ in 0..<4 {
            // Threads of their own: under a loaded test run the shared pool may not start a reader before the
            // commits end.
            Thread {
                while !done.load(ordering: .relaxed) {
                    do {
                        let (h, value) = try read(s, key)
                        let want: [UInt8]? = h == 0 ? [1] : h % 5 == 0 ? nil : [UInt8(h & 0xff)]
                        if value != want { bad.withLock { $0.append("height \(h): \(String(describing: value))") } }
                        reads.add(1, ordering: .relaxed)
                    } catch { bad.withLock { $0.append("\(error)") } }
                }
                finished.add(1, ordering: .relaxed)
            }.start()
        }
        let deadline = Date().addingTimeInterval(60)
        var failure: Error?
        do {
            for h in 1...UInt64(Self.commitsUnderReaders) {
                let target = reads.load(ordering: .relaxed) + readsPerBlock
                while reads.load(ordering: .relaxed) < target, Date() < deadline { sched_yield() }
                try commit(s, [(key, h % 5 == 0 ? nil : [UInt8(h & 0xff)])])
            }
        } catch { failure = error }
        done.store(true, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < 4 { sched_yield() }
        if let failure { throw failure }
        #expect(bad.withLock { $0 }.isEmpty, "\(bad.withLock { $0.prefix(5) })")
        return reads.load(ordering: .relaxed)
    }

    @Test func theCacheStaysWithinItsEntriesAndBytes() throws {
        let s = try store(StateCacheLimits(maxBytes: 4 * (StateCacheLimits.entryOverhead + 40), maxEntries: 3))
        for i in 0..<20 {
            _ = try s.read { $0.get(Array("k/\(i)".utf8)) }
            let size = s.stateCache.size
            #expect(size.entries <= 3)
            #expect(size.bytes <= 4 * (StateCacheLimits.entryOverhead + 40))
        }
        let big = try store(StateCacheLimits(maxBytes: 2 * StateCacheLimits.entryOverhead, maxEntries: 100))
        for i in 0..<20 { _ = try big.read { $0.get(Array("key number \(i) with a longer name".utf8)) } }
        #expect(big.stateCache.size.bytes <= 2 * StateCacheLimits.entryOverhead)
        // Off: nothing held, nothing answered.
        let off = try store(StateCacheLimits(maxBytes: 0))
        #expect(try off.read { $0.get(key) } == [1])
        #expect(try off.read { $0.get(key) } == [1])
        #expect(off.stateCacheHits == 0)
        #expect(off.stateCache.size.entries == 0)
    }

    /// By default the cache holds at most 8 MiB as it counts them, 32,768 entries (docs/operations.md): the
    /// 32,769th empties it.
    @Test func theDefaultCacheHoldsEightMiB() throws {
        let s = try store()
        #expect(s.stateCache.limits.maxBytes == 8 << 20)
        let h = s.tip.height
        for i in 0..<32_768 { s.stateCache.insert(Array("k/\(i)".utf8), [UInt8(truncatingIfNeeded: i)], at: h) }
        #expect(s.stateCache.size.entries == 32_768)
        #expect(s.stateCache.size.bytes <= 8 << 20)
        s.stateCache.insert(Array("k/32768".utf8), [0], at: h)
        #expect(s.stateCache.size.entries == 1)
    }
}
