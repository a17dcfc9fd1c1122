import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainNode
@testable import YongchainStorage

/// A grey-list value in the node's database that does not decode stops the node (STORAGE_CORRUPT): no block is
/// built or committed from it, no answer is given from it, and health says so for good. Before, the value read as
/// absent or as the defaults: the block committed and the route answered.
@Suite(.serialized) struct GreylistDamageTests {
    typealias C = GreylistChain

    /// Overwrites the value at `key` in the node's state table, as a damaged disk or another program's write would,
    /// and has the committed-state cache forget what it held (a value it read before the damage stays good until
    /// the next commit moves it out; the scrub finds the damage then), so that the reads reach the table.
    static func damage(_ c: C, _ key: String) throws {
        let db = try Connection(path: NodeHome(c.dir).databasePath, readOnly: false)
        try db.exec("UPDATE state SET value = x'ff0007' WHERE key = CAST('\(key)' AS BLOB)")
        c.node.store.stateCache.reset()
    }

    @Test func aBlockThatReadsADamagedRecordIsNotCommittedAndHaltsTheNode() throws {
        let c = try C()
        try c.list(C.listed)
        let height = c.node.store.tip.height
        try Self.damage(c, "greylist/stats")
        let given = try GreylistPseudonym.make(C.unlisted, key: C.vrfKey, version: 1, chainID: C.chainID)
        do {
            _ = try c.check([given], by: C.bankB)
            Issue.record("a block that counted over damaged stats was committed")
        } catch let e as StorageError {
            #expect(e.code == "STORAGE_CORRUPT" && e.description.contains("greylist/stats"), "\(e)")
        }
        #expect(c.node.store.tip.height == height)
        let stats = c.ask("GET", "/v1/greylist/stats", as: nil)
        #expect(stats.status == 500 && C.code(stats) == "STORAGE_CORRUPT", "\(String(decoding: stats.body, as: UTF8.self))")
        #expect(c.node.health.halted && c.node.health.problem()?.code == "STORAGE_CORRUPT")
    }

    @Test func aCheckAnswerOverADamagedEntryIsStorageCorruptNotNotListed() throws {
        let c = try C()
        try c.list(C.listed)
        let given = try GreylistPseudonym.make(C.listed, key: C.vrfKey, version: 1, chainID: C.chainID)
        let id = try c.check([given], by: C.bankB)
        try Self.damage(c, "greylist/entry/\(given.keyVersion)/\(given.pseudonym.hex)")
        for target in ["/v1/greylist/checks/\(id.hex)", "/v1/greylist/checks/\(id.hex)?prove=true"] {
            let r = c.ask("GET", target, as: C.bankB)
            #expect(r.status == 500 && C.code(r) == "STORAGE_CORRUPT", "\(target): \(String(decoding: r.body, as: UTF8.self))")
        }
        #expect(c.node.health.halted)
    }
}
