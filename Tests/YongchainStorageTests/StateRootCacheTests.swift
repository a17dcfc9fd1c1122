import Foundation
import Synchronization
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainStorage
import YongchainTestSupport

/// The store's state proofs' cache (`StateRootCache`) hands out exactly the proof the tree gives at the asker's state
/// root: never one kept from another root, never an older root's in place of the newest, and never more than its bounds.
@Suite struct StateRootCacheTests {
    let tree = StateTreeStoreTests()

    /// Over blocks that rewrite, delete and leave alone keys (every third block empty: the same root at the next
    /// height), each key is proven twice at the tip: both proofs verify against the tip's root with the model's
    /// value, and the second, from the cache, equals the first. After an empty block the proofs come from the cache.
    @Test func aKeptProofIsTheOneTheTreeGivesAtThatRoot() throws {
        let s = try ChainStore(path: tempPath("proofs.sqlite"))
        var model = try tree.buildChain(s, heights: 5).last!
        var rng = SplitMix64(seed: 17)
        var provenAt: Hash?, keptAcrossBlocks = 0
        for h in UInt64(6)...40 {
            var writes: [(key: [UInt8], value: [UInt8]?)] = []
            if h % 3 != 0 {
                for _ in 0..<(5 + Int(rng.next() % 30)) {
                    let k = Array("k/\(rng.next() % 60)".utf8)
                    writes.removeAll { $0.key == k }
                    writes.append((k, rng.next() % 4 == 0 ? nil : [UInt8(truncatingIfNeeded: rng.next()), UInt8(h)]))
                }
            }
            try tree.commit(s, h, writes)
            for w in writes { model[w.key] = w.value }
            let tip = s.tip
            let hitsBefore = s.proofCache.hits.load(ordering: .relaxed)
            try s.read { v in
                for i in 0..<70 {
                    let k = Array("k/\(i)".utf8)
                    let first = try v.stateProof(key: k, tip: tip)
                    let second = try v.stateProof(key: k, tip: tip)
                    #expect(first.value == model[k] && second.value == model[k], "height \(h), key \(i)")
                    #expect(first.proof == second.proof)
                    try first.proof.verify(root: tip.stateRoot, key: k, value: model[k], suite: .sha256)
                }
            }
            let hits = s.proofCache.hits.load(ordering: .relaxed) - hitsBefore
            #expect(hits == (tip.stateRoot == provenAt ? 140 : 70), "height \(h)")
            if tip.stateRoot == provenAt { keptAcrossBlocks += 1 }
            provenAt = tip.stateRoot
            #expect(s.proofCache.size.root == tip.stateRoot)
        }
        #expect(keptAcrossBlocks >= 10)
    }

    /// A reader whose snapshot a commit passed proves at its own root, and its proofs do not take the place of the
    /// newest root's.
    @Test func aProofAtAnOlderRootDoesNotDisplaceTheNewest() throws {
        let s = try ChainStore(path: tempPath("older.sqlite"))
        let models = try tree.buildChain(s, heights: 8)
        let k = Array("k/3".utf8)
        try s.read { old in
            let oldTip = try old.tip()
            try tree.commit(s, 9, [(k, [9, 9])])
            let newTip = s.tip
            let newest = try s.read { try $0.stateProof(key: k, tip: newTip) }
            #expect(newest.value == [9, 9] && s.proofCache.size.root == newTip.stateRoot)
            let older = try old.stateProof(key: k, tip: oldTip)
            #expect(older.value == models[8][k])
            try older.proof.verify(root: oldTip.stateRoot, key: k, value: models[8][k], suite: .sha256)
            #expect(s.proofCache.size.root == newTip.stateRoot && s.proofCache.size.entries == 1)
            let again = try s.read { try $0.stateProof(key: k, tip: newTip) }
            #expect(again.value == newest.value && again.proof == newest.proof)
        }
    }

    /// Units: the newest root wins whatever the order of insertions; the same root at a later height raises the
    /// height; entries and bytes stay within the limits (the cache is emptied when full); a zero limit keeps nothing.
    @Test func theCacheKeepsOneRootWithinItsBounds() {
        let (r1, r2, r3) = (HashSuite.sha256.digest([1]), HashSuite.sha256.digest([2]), HashSuite.sha256.digest([3]))
        let c = StateRootCache<[UInt8]>(limits: StateRootCacheLimits(maxBytes: 20_000, maxEntries: 30))
        c.insert([1], [1], cost: 10, root: r2, height: 5)
        c.insert([2], [2], cost: 10, root: r1, height: 4)
        #expect(c.size.root == r2 && c.size.entries == 1 && c.value([2], root: r1) == nil)
        c.insert([3], [3], cost: 10, root: r2, height: 7)
        c.insert([4], [4], cost: 10, root: r3, height: 6)
        #expect(c.size.root == r2 && c.size.entries == 2, "a root at height 6 took the place of the one kept at 7")
        #expect(c.value([1], root: r2) == [1] && c.value([3], root: r2) == [3] && c.value([3], root: r3) == nil)
        c.insert([5], [5], cost: 10, root: r3, height: 8)
        #expect(c.size.root == r3 && c.size.entries == 1 && c.value([1], root: r2) == nil && c.value([5], root: r3) == [5])
        var rng = SplitMix64(seed: 3)
        for i in 0..<500 {
            c.insert(Array("key/\(i)".utf8), [UInt8(i & 0xff)], cost: 100 + Int(rng.next() % 1_500), root: r3, height: 8)
            #expect(c.size.entries <= 30 && c.size.bytes <= 20_000, "after \(i + 1) insertions")
            #expect(c.value(Array("key/\(i)".utf8), root: r3) == [UInt8(i & 0xff)])
        }
        c.insert([9], [9], cost: 20_001, root: r3, height: 8)
        #expect(c.value([9], root: r3) == nil, "an entry larger than the bound was kept")
        let off = StateRootCache<[UInt8]>(limits: .off)
        off.insert([1], [1], cost: 1, root: r1, height: 1)
        #expect(off.size.entries == 0 && off.value([1], root: r1) == nil)
    }
}
