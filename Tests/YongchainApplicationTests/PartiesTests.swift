import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// Who is a party to each transaction type (docs/confidentiality.md's table) and the party log in state.
@Suite struct PartiesTests {
    let registry = "Suzhou Real Estate Registration Centre"

    /// The parties of the transaction `f.run` last ran, against the state after it.
    func parties(_ f: MortgageFixture, _ tx: Transaction, _ r: TxResult) -> [String] { try! Parties.of(tx, r, f.state) }

    func signed<P: Payload>(_ f: MortgageFixture, _ p: P, by key: PrivateKey, nonce: UInt64) -> Transaction {
        p.transaction(key: key, nonce: nonce, chainID: MortgageFixture.chainID)
    }

    @Test func mortgageFlowPartiesAreTheBankAndTheRegistryNeverTheOtherBank() throws {
        let f = try MortgageFixture()
        let reg = signed(f, f.registration(f.unit1, title: "苏(2019)苏州市不动产权第0000001号", owners: [f.owner(f.owner1ID, f.owner1)]), by: f.registry, nonce: 100)
        #expect(parties(f, reg, f.run(reg)) == [registry])
        let apply = signed(f, f.signedApplication(bank: f.bankA), by: f.bankA, nonce: 100)
        let applied = f.run(apply)
        #expect(applied == .ok)
        #expect(parties(f, apply, applied) == ["Bank A", registry])
        let id = f.lastTxHash
        let approve = signed(f, ApproveMortgage(applicationId: id), by: f.registry, nonce: 101)
        #expect(parties(f, approve, f.run(approve)) == ["Bank A", registry])
        // A court seizes the unit: the bank holding a lien in force hears of it, Bank B does not.
        let seize = signed(f, SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号"), by: f.registry, nonce: 102)
        #expect(parties(f, seize, f.run(seize)) == ["Bank A", registry])
        // Bank B's refused application (the unit is seized) is logged for Bank B alone.
        let refused = signed(f, f.signedApplication(bank: f.bankB, principal: 1), by: f.bankB, nonce: 100)
        let r = f.run(refused)
        #expect(r.code == Codes.propertySeized)
        #expect(parties(f, refused, r) == ["Bank B"])
        let discharge = signed(f, DischargeMortgage(applicationId: id), by: f.bankA, nonce: 101)
        #expect(parties(f, discharge, f.run(discharge)) == ["Bank A", registry])
        let registered = signed(f, RegisterDischarge(applicationId: id), by: f.registry, nonce: 103)
        #expect(parties(f, registered, f.run(registered)) == ["Bank A", registry])
        // Discharged, the lien is no longer in force: a release concerns the registry alone.
        let release = signed(f, ReleaseProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执124号"), by: f.registry, nonce: 104)
        #expect(parties(f, release, f.run(release)) == [registry])
    }

    /// A decision's party rule reads only the record's head for its mortgagee (`MortgageRecord.loadMortgagee`):
    /// the same bank as the whole record names, for records of either bank, pending or decided; nothing for a
    /// missing record or one cut short before the mortgagee.
    @Test func theMortgageeReadFromTheRecordsHeadIsTheWholeRecordsMortgagee() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let a = f.file(f.signedApplication(bank: f.bankA, principal: 1), by: f.bankA)
        let b = f.file(f.signedApplication(bank: f.bankB, principal: 2), by: f.bankB)
        #expect(f.run(ApproveMortgage(applicationId: b), by: f.registry) == .ok)
        for (id, bank) in [(a, f.bankA.publicKey), (b, f.bankB.publicKey)] {
            let whole = try #require(try MortgageRecord.load(id, f.state))
            #expect(whole.application.mortgagee == bank)
            #expect(MortgageRecord.loadMortgagee(id, f.state) == bank)
        }
        #expect(MortgageRecord.loadMortgagee(Hash.zero, f.state) == nil)
        let bytes = try #require(f.state.get(StateKey.mortgage(a)))
        let cut = MortgageMemoryState()
        cut.apply([(StateKey.mortgage(a), Array(bytes.prefix(32 + 4 + 4 + 28 + 2)))])
        #expect(MortgageRecord.loadMortgagee(a, cut) == nil)
    }

    @Test func tradePartiesAreTheBankAndTheTradeRegistries() {
        let f = TradeFixture()
        #expect(f.lastParties == ["Trade Authority"], "enterprise.register")
        let fs = f.publish([f.fields(1)])
        #expect(f.lastParties == ["Trade Authority"])
        f.expectOK(f.finance(f.bankA, TradeFixture.cny(50_000), [(fs[0], TradeFixture.cny(50_000))]))
        #expect(f.lastParties == ["Bank A", "Trade Authority"])
        // Bank B's duplicate financing is refused, and logged for Bank B alone.
        #expect(f.finance(f.bankB, TradeFixture.cny(60_000), [(fs[0], TradeFixture.cny(60_000))]).result.isOK == false)
        #expect(f.lastParties == ["Bank B"])
        // Signed by the enterprise: the bank it names is the party.
        f.expectOK(f.submit(GrantAuthorization(bank: f.bankB.publicKey, expiresAt: f.nextTime + 100_000), by: f.exporterXKey))
        #expect(f.lastParties == ["Bank B", "Trade Authority"])
        f.expectOK(f.submit(RecordCreditQuery(enterprise: f.exporterX, purpose: "pre-loan review"), by: f.bankB))
        #expect(f.lastParties == ["Bank B", "Trade Authority"])
        // A refused transaction of an enterprise is nobody's.
        #expect(f.submit(RecordCreditQuery(enterprise: f.exporterX, purpose: "x"), by: f.exporterXKey).result.isOK == false)
        #expect(f.lastParties == [])
    }

    @Test func governanceConcernsEveryMember() {
        let f = TradeFixture()
        let r = f.submit(ProposeGovernance(action: .setPower(name: "Bank A", power: 0), description: ""), by: f.bankB)
        #expect(r.result.isOK, "\(r.result.message)")
        #expect(f.lastParties == ["Bank A", "Bank B", "Real Estate Centre", "Trade Authority"])
    }

    /// The log in state is exactly the fold of `PartyLog.appending` over the member's transactions, in order, with
    /// their codes; another member's transactions leave it alone.
    @Test func thePartyLogFoldsTheMembersTransactionsAndTheirCodes() throws {
        let f = TradeFixture()
        func log(_ name: String) throws -> PartyLog {
            try f.state.get(PartyLog.stateKey(name)).map { try PartyLog(canonical: $0) } ?? .empty
        }
        #expect(try log("Bank A") == .empty && log("Bank B") == .empty)
        let fs = f.publish([f.fields(1)])
        var expectA = PartyLog.empty
        let a = f.finance(f.bankA, TradeFixture.cny(50_000), [(fs[0], TradeFixture.cny(50_000))])
        expectA = expectA.appending(height: f.height, txIndex: 0, txHash: a.hash, code: "OK", suite: .sha256)
        let b = f.finance(f.bankB, TradeFixture.cny(60_000), [(fs[0], TradeFixture.cny(60_000))])
        let expectB = PartyLog.empty.appending(height: f.height, txIndex: 0, txHash: b.hash, code: b.result.code, suite: .sha256)
        #expect(b.result.code != "OK")
        #expect(try log("Bank A") == expectA, "Bank B's refused financing is not in Bank A's log")
        #expect(try log("Bank B") == expectB)
        #expect(try log("Trade Authority").count == 4, "two enterprises, one publication, Bank A's financing")
        // The bytes: u64 count ‖ digest.
        var w = CanonicalWriter()
        w.u64(1)
        w.hash(expectA.digest)
        #expect(expectA.canonicalBytes == w.bytes)
    }
    /// A block's party logs resolve each signer's name once, not once per transaction: a block of a thousand
    /// approvals by the registry read its member record a thousand times (issue 29, session 13). The parties and
    /// the logs are the same either way.
    @Test func recordingABlockReadsEachSignersMemberRecordOnce() throws {
        let f = try MortgageFixture()
        var executed: [ExecutedTransaction] = []
        for i in 0..<5 {
            let tx = signed(f, f.registration(f.unit1, title: "T-\(i)", owners: [f.owner(f.owner1ID, f.owner1)]), by: f.registry, nonce: UInt64(200 + i))
            executed.append(ExecutedTransaction(transaction: tx, hash: tx.hash(on: Chain(id: MortgageFixture.chainID, hashSuite: .sha256)), result: .ok))
        }
        let counting = CountingReader(base: f.state)
        let overlay = StateOverlay(base: counting)
        let parties = try Parties.record(executed, height: 7, suite: .sha256, state: overlay)
        #expect(parties == Array(repeating: [registry], count: 5))
        #expect(counting.reads[StateKey.member(f.registry.publicKey), default: 0] == 1)
        // The log holds all five, in order.
        var expected = try f.state.get(PartyLog.stateKey(registry)).map { try PartyLog(canonical: $0) } ?? .empty
        for (i, e) in executed.enumerated() {
            expected = expected.appending(height: 7, txIndex: UInt32(i), txHash: e.hash, code: "OK", suite: .sha256)
        }
        #expect(overlay.get(PartyLog.stateKey(registry)) == expected.canonicalBytes)
    }
}

/// A state that counts the reads of each key.
private final class CountingReader: StateReader {
    let base: StateReader
    var reads: [[UInt8]: Int] = [:]
    init(base: StateReader) { self.base = base }
    func get(_ key: [UInt8]) -> [UInt8]? {
        reads[key, default: 0] += 1
        return base.get(key)
    }
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        base.scan(prefix: prefix, after: after, limit: limit)
    }
}
