import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode
@testable import YongchainStorage

/// A failing disk never reads as a bad credential or an absent record (issue 24, item 7): a request whose signer
/// cannot be looked up answers 503 STORAGE_UNAVAILABLE and counts as a storage failure.
@Suite(.serialized) struct StorageErrorAnswerTests {
    /// Makes every read of the state table fail, as a damaged file would (the table is there, renamed), and has
    /// the committed-state cache forget what it held, so that every read reaches the table.
    func breakStateReads(_ f: HostileInputTests.Fixture) throws {
        try f.node.store.writer.exec("ALTER TABLE state RENAME TO state_unreadable")
        f.node.store.stateCache.reset()
    }

    @Test func aStorageErrorWhileAuthenticatingIs503AndCounted() throws {
        let f = try HostileInputTests.Fixture()
        let target = "/v1/governance/proposals"
        let signed = { RequestAuth.headers(method: "GET", target: target, key: f.registry, chainID: f.chain) }
        #expect(f.send("GET", target, headers: signed()).0 == 200, "a member's signed read works while the disk does")
        try breakStateReads(f)
        let before = f.node.health.storageErrors
        #expect(f.send("GET", target, headers: signed()) == (503, "STORAGE_UNAVAILABLE"), "not 401 AUTH_UNKNOWN_KEY")
        #expect(f.node.health.storageErrors == before + 1)
        #expect(f.node.health.problem()?.code == "STORAGE_FAILED")
    }

    @Test func aStorageErrorWhileAdmittingIsCounted() throws {
        let f = try HostileInputTests.Fixture()
        try breakStateReads(f)
        let tx = Transaction.signed(type: "governance.vote", body: [0, 0, 0, 0, 0, 0, 0, 1, 1], nonce: 1, key: f.registry, chainID: f.chain)
        let body = try JSONEncoder().encode(TransactionJSON(tx))
        let before = f.node.health.storageErrors
        #expect(f.send("POST", "/v1/txs", body: Array(body)) == (503, "STORAGE_UNAVAILABLE"))
        #expect(f.node.health.storageErrors == before + 1, "admission's failed read is a storage failure like any other")
    }
}
