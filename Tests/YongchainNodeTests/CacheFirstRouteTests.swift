import Foundation
import Testing
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode
@testable import YongchainStorage

/// The verification routes read the state cache alone first (`ChainStore.readCacheFirst`) and, when it cannot
/// answer, run again in a SQLite snapshot: a request's credential is spent once, and the answer is the snapshot's.
@Suite(.serialized) struct CacheFirstRouteTests {
    let unitTarget = "/v1/mortgage/units/110101001001GB00001F00010001/encumbrances"

    /// A session's sequence number is spent before its key is looked up: when that look-up misses the cache, the
    /// snapshot's run finds the key already verified instead of refusing the number as replayed.
    @Test func aSessionRequestWhoseCallerMissesTheCacheIsAnsweredOnce() throws {
        let f = try SessionRouteTests.Fixture()
        let s = f.session(f.bankA)
        #expect(f.outcome(try s.send("GET", unitTarget)) == (404, "NOT_FOUND"))
        // A cache that speaks for no height (as after a failed commit, until the next one): every read misses.
        f.node.store.stateCache.reset()
        let before = f.node.store.readsFromCache.load(ordering: .relaxed)
        for _ in 0..<3 { #expect(f.outcome(try s.send("GET", unitTarget)) == (404, "NOT_FOUND")) }
        #expect(try f.signed("GET", unitTarget, key: f.bankA) == (404, "NOT_FOUND"))
        #expect(f.node.store.readsFromCache.load(ordering: .relaxed) == before)
    }

    /// With the caller and the unit in the cache, the answer is the cache's alone, and the same as the snapshot's.
    @Test func aWarmQueryIsAnsweredFromTheCache() throws {
        let f = try SessionRouteTests.Fixture()
        let s = f.session(f.bankA)
        let first = try s.send("GET", unitTarget)
        let before = f.node.store.readsFromCache.load(ordering: .relaxed)
        let second = try s.send("GET", unitTarget)
        #expect(f.node.store.readsFromCache.load(ordering: .relaxed) == before + 1)
        #expect(first.status == 404 && second.body == first.body)
        // At height 0 there is no proof to give: refused, from the cache alone (a refusal is not counted as a read).
        #expect(f.outcome(try s.send("GET", unitTarget + "?prove=true")).1 == "PROOF_UNAVAILABLE")
        #expect(f.node.store.readsFromCache.load(ordering: .relaxed) == before + 1)
    }
}
