import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// The bodies admission decoded, kept for execution (`DecodedBodies`): never another transaction's, and bounded.
@Suite struct DecodedBodiesTests {
    static let chain = Chain(id: MortgageFixture.chainID, hashSuite: .sha256)

    @Test func aKeptBodyServesOnlyTheTransactionItWasDecodedFrom() throws {
        let f = try MortgageFixture()
        let memo = DecodedBodies(generation: 16)
        let a = f.signedApplication(bank: f.bankA, principal: 100).transaction(key: f.bankA, nonce: 1, chainID: MortgageFixture.chainID)
        let b = f.signedApplication(bank: f.bankA, principal: 200).transaction(key: f.bankA, nonce: 1, chainID: MortgageFixture.chainID)
        let ha = a.hash(on: Self.chain)
        let pa = try MortgageApplication(canonical: a.body)

        // Another body under a's hash (a caller passing the wrong hash) finds nothing, and the entry is gone.
        memo.keep(pa, of: a, hash: ha)
        #expect(memo.take(MortgageApplication.self, of: b, hash: ha) == nil)
        #expect(memo.count == 0)
        // Another payload type under the right hash finds nothing either.
        memo.keep(pa, of: a, hash: ha)
        #expect(memo.take(ApproveMortgage.self, of: a, hash: ha) == nil)
        // The transaction itself finds its payload, once.
        memo.keep(pa, of: a, hash: ha)
        #expect(memo.take(MortgageApplication.self, of: a, hash: ha) == pa)
        #expect(memo.take(MortgageApplication.self, of: a, hash: ha) == nil)
    }

    @Test func theMemoHoldsAtMostTwoGenerationsAndNoShortBodies() throws {
        let f = try MortgageFixture()
        let memo = DecodedBodies(generation: 4)
        var kept: [(Transaction, Hash)] = []
        for i in 1...100 {
            let reject = RejectMortgage(applicationId: HashSuite.sha256.digest(parts: [[UInt8(i)]]), reason: String(repeating: "r", count: 64))
            let tx = reject.transaction(key: f.registry, nonce: UInt64(i), chainID: MortgageFixture.chainID)
            let h = tx.hash(on: Self.chain)
            memo.keep(try RejectMortgage(canonical: tx.body), of: tx, hash: h)
            kept.append((tx, h))
            #expect(memo.count <= 8)
        }
        // The newest are still there; the oldest were dropped.
        #expect(memo.take(RejectMortgage.self, of: kept[99].0, hash: kept[99].1) != nil)
        #expect(memo.take(RejectMortgage.self, of: kept[0].0, hash: kept[0].1) == nil)

        // An approval's body (an application id) decodes for less than the memo costs: not kept.
        let empty = DecodedBodies(generation: 4)
        let approve = ApproveMortgage(applicationId: Hash.zero).transaction(key: f.registry, nonce: 1, chainID: MortgageFixture.chainID)
        #expect(approve.body.count < DecodedBodies.minBodyBytes)
        empty.keep(try ApproveMortgage(canonical: approve.body), of: approve, hash: approve.hash(on: Self.chain))
        #expect(empty.count == 0)
    }

    /// Through the application: a transaction admitted with its hash, then a different transaction executed under
    /// that hash (a wrong hash from a caller) executes exactly as it does on a node that never admitted anything;
    /// and an admitted transaction executes as it does without the memo.
    @Test func executionAfterAdmissionIsExecutionWithoutIt() throws {
        let primed = try MortgageFixture(), clean = try MortgageFixture()
        let app = LedgerApplication(chainID: MortgageFixture.chainID)
        for f in [primed, clean] { f.registerUnits(); f.endBlock() }
        let a = primed.signedApplication(bank: primed.bankA, principal: 100).transaction(key: primed.bankA, nonce: 7, chainID: MortgageFixture.chainID)
        let b = primed.signedApplication(bank: primed.bankA, principal: 200).transaction(key: primed.bankA, nonce: 7, chainID: MortgageFixture.chainID)
        let ha = a.hash(on: Self.chain)
        #expect(app.check(a, hash: ha, state: primed.state) == nil)

        func execute(_ tx: Transaction, as hash: Hash, in f: MortgageFixture) -> TxResult {
            let r = app.execute(tx, context: BlockContext(chain: Self.chain, height: f.height, time: f.time, txHash: hash, txIndex: 0), state: f.state)
            f.state.commitTransaction()
            return r
        }
        #expect(execute(b, as: ha, in: primed) == .ok)
        #expect(execute(b, as: ha, in: clean) == .ok)
        #expect(primed.writes == clean.writes)
        // The record written is b's (principal 200), not the admitted a's.
        let stored = try #require(try MortgageRecord.load(ha, primed.state))
        #expect(stored.application == (try MortgageApplication(canonical: b.body)))

        // The admitted transaction itself, in the next block: the same outcome and writes on both.
        primed.endBlock(); clean.endBlock()
        let c = primed.signedApplication(bank: primed.bankB, principal: 300).transaction(key: primed.bankB, nonce: 1, chainID: MortgageFixture.chainID)
        let hc = c.hash(on: Self.chain)
        #expect(app.check(c, hash: hc, state: primed.state) == nil)
        #expect(execute(c, as: hc, in: primed) == execute(c, as: hc, in: clean))
        #expect(primed.writes == clean.writes)
    }
}
