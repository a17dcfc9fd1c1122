import Foundation
import Synchronization
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
@testable import YongchainStorage

/// `ChainStore.readCacheFirst`: an answer from the state cache alone is all of one height, and anything the cache
/// cannot answer is read again, from the start, in a SQLite snapshot.
@Suite struct CacheFirstReadTests {
    let key = Array("unit/1".utf8)
    let other = Array("unit/2".utf8)
    let cacheTests = StateCacheTests()

    struct Refused: Error, Equatable { let why: String }

    /// Runs `body` through `readCacheFirst`, counting its runs.
    func counted<T>(_ s: ChainStore, _ body: (ReadView, Int) throws -> T) throws -> (T, runs: Int) {
        var runs = 0
        let result = try s.readCacheFirst { v in
            runs += 1
            return try body(v, runs)
        }
        return (result, runs)
    }

    @Test func whatTheCacheHoldsIsAnsweredWithoutATransaction() throws {
        let s = try cacheTests.store()
        _ = try s.read { ($0.get(key), $0.get(other)) }
        let (answer, runs) = try counted(s) { v, _ in (try v.tip().height, v.get(key), v.get(other)) }
        #expect(answer == (0, [1], [7]))
        #expect(runs == 1 && s.readsFromCache.load(ordering: .relaxed) == 1)
    }

    @Test func aMissIsReadAgainFromSQLite() throws {
        let s = try cacheTests.store()
        // Nothing cached yet: the cache-only view answers nil, and that answer is never the one given.
        let (answer, runs) = try counted(s) { v, _ in v.get(key) }
        #expect(answer == [1] && runs == 2)
        #expect(s.readsFromCache.load(ordering: .relaxed) == 0)
        // The snapshot's read filled the cache: the next read is the cache's alone.
        #expect(try counted(s) { v, _ in v.get(key) } == ([1], 1))
        // A refusal computed from a miss is not the answer either: the snapshot's is.
        let (found, again) = try counted(s) { v, _ in
            guard let value = v.get(other) else { throw Refused(why: "absent") }
            return value
        }
        #expect(found == [7] && again == 2)
        // A scan, a block: SQLite's.
        #expect(try counted(s) { v, _ in v.scan(prefix: Array("unit/".utf8), after: nil, limit: 10).count } == (2, 2))
        #expect(try counted(s) { v, _ in try v.block(at: 0) == nil } == (true, 2))
    }

    @Test func aRefusalFromTheCacheAndAFailedReadStillThrow() throws {
        let s = try cacheTests.store()
        _ = try s.read { $0.get(key) }
        var runs = 0
        #expect(throws: Refused(why: "no")) {
            try s.readCacheFirst { v -> Int in
                runs += 1
                _ = v.get(key)
                throw Refused(why: "no")
            }
        }
        #expect(runs == 1)
        // A read that fails in the snapshot the miss led to: thrown, no answer.
        try s.writer.exec("ALTER TABLE state RENAME TO state_gone")
        defer { try? s.writer.exec("ALTER TABLE state_gone RENAME TO state") }
        #expect(throws: StorageError.self) { try s.readCacheFirst { $0.get(other) } }
    }

    /// A commit lands while the cache-only view runs: its answer stays at its own height, or is read again.
    @Test func anAnswerReadAcrossACommitIsOfOneHeight() throws {
        let s = try cacheTests.store()
        _ = try s.read { $0.get(key) }
        // The tip is the view's, not the store's at the time it is asked.
        let (early, earlyRuns) = try counted(s) { v, run in
            let value = v.get(key)
            if run == 1 { try cacheTests.commit(s, [(other, [8])]) }
            return (try v.tip().height, value)
        }
        #expect(early == (0, [1]) && earlyRuns == 1)
        // A key rewritten by the commit, already cached again at the new height, is not read under the old one.
        let (late, lateRuns) = try counted(s) { v, run in
            let height = try v.tip().height
            if run == 1 {
                try cacheTests.commit(s, [(key, [2])])
                #expect(try s.read { $0.get(key) } == [2])
            }
            return (height, v.get(key))
        }
        #expect(late == (2, [2]) && lateRuns == 2)
    }

    /// Readers on four threads while blocks commit (`StateCacheTests.readersDuringCommits`, through
    /// `readCacheFirst`): every answer is its own height's value.
    @Test func readersDuringCommitsReadTheirOwnHeightsValue() throws {
        let s = try cacheTests.store()
        let reads = try cacheTests.readersDuringCommits(s, readsPerBlock: 3) { s, key in
            try s.readCacheFirst { v in (try v.tip().height, v.get(key)) }
        }
        #expect(reads >= 3 * StateCacheTests.commitsUnderReaders && s.readsFromCache.load(ordering: .relaxed) > 0)
    }

    @Test func theCacheOffKeepsTheSnapshotPath() throws {
        let s = try cacheTests.store(StateCacheLimits(maxBytes: 0))
        _ = try s.read { $0.get(key) }
        #expect(try counted(s) { v, _ in v.get(key) } == ([1], 1))
        #expect(try counted(s) { v, _ in try v.block(at: 0) == nil } == (true, 1))
        #expect(s.readsFromCache.load(ordering: .relaxed) == 0)
    }
}
