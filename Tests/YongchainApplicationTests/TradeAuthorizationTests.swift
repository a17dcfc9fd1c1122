import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

@Suite struct TradeAuthorizationTests {
    typealias F = TradeFixture
    static let day: Int64 = 86_400_000

    func grant(_ f: F, _ bank: PrivateKey, until: Int64, signer: PrivateKey? = nil) -> TxResult {
        f.submit(GrantAuthorization(bank: bank.publicKey, expiresAt: until), by: signer ?? f.exporterXKey).result
    }

    func query(_ f: F, _ bank: PrivateKey, time: Int64? = nil, enterprise: CreditCode? = nil) -> (result: TxResult, hash: Hash) {
        f.submit(RecordCreditQuery(enterprise: enterprise ?? f.exporterX, purpose: "pre-loan review"), by: bank, time: time)
    }

    @Test func grantSignedByTheEnterpriseAuthorises() throws {
        let f = F()
        let until = F.genesisTime + Self.day
        #expect(grant(f, f.bankA, until: until) == .ok)
        let s = try! TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterX, atTime: until - 1, state: f.state)
        #expect(s.authorized && s.code == "OK" && s.expiresAt == until)
        #expect(try !TradeQueries.authorization(of: f.bankB.publicKey, by: f.exporterX, atTime: until - 1, state: f.state).authorized)
        #expect(try !TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterY, atTime: until - 1, state: f.state).authorized,
                "a grant by X says nothing about Y")
    }

    @Test func grantSignedByTheBankIsRefused() throws {
        let f = F()
        let r = grant(f, f.bankA, until: F.genesisTime + Self.day, signer: f.bankA)
        #expect(r.code == Codes.Trade.notEnterprise)
        #expect(r.message.contains("Bank A"))
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day, signer: f.tradeRegistry).code == Codes.Trade.notEnterprise)
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day, signer: F.key(99)).code == Codes.Trade.notEnterprise)
        #expect(try TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterX, atTime: F.genesisTime, state: f.state).code == Codes.Trade.notAuthorized)
    }

    @Test func grantMustNameABankAndAFutureExpiry() {
        let f = F()
        #expect(grant(f, f.realEstate, until: F.genesisTime + Self.day).code == Codes.Trade.unknownBank)
        #expect(grant(f, F.key(99), until: F.genesisTime + Self.day).code == Codes.Trade.unknownBank)
        #expect(f.submit(GrantAuthorization(bank: f.bankA.publicKey, expiresAt: f.nextTime), by: f.exporterXKey).result.code
                == Codes.Trade.authorizationExpired, "expiring at the block's own time is already expired")
    }

    @Test func expiredAuthorisationIsRefused() throws {
        let f = F()
        let until = f.nextTime + 10_000
        #expect(grant(f, f.bankA, until: until) == .ok)
        f.expectOK(query(f, f.bankA, time: until - 1))
        let late = query(f, f.bankA, time: until)
        #expect(late.result.code == Codes.Trade.authorizationExpired)
        #expect(try TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterX, atTime: until, state: f.state).code == Codes.Trade.authorizationExpired)
        let rec = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: until, state: f.state)
        #expect(rec.failureCode == Codes.Trade.authorizationExpired)
    }

    @Test func unauthorisedQueryIsRefusedAndNotLogged() throws {
        let f = F()
        #expect(query(f, f.bankA).result.code == Codes.Trade.notAuthorized)
        #expect(query(f, f.bankA, enterprise: F.code("91310000MA1FL0099")).result.code == Codes.Trade.unknownEnterprise)
        #expect(f.submit(RecordCreditQuery(enterprise: f.exporterX, purpose: "x"), by: f.exporterXKey).result.code == Codes.unknownSigner)
        #expect(try TradeQueries.creditQueries(of: f.exporterX, state: f.state).queries.isEmpty)
        #expect(try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state).failureCode
                == Codes.Trade.notAuthorized)
    }

    @Test func revokeThenRefused() throws {
        let f = F()
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day) == .ok)
        let logged = query(f, f.bankA)
        f.expectOK(logged)
        #expect(f.submit(RevokeAuthorization(bank: f.bankA.publicKey), by: f.bankA).result.code == Codes.Trade.notEnterprise)
        #expect(f.submit(RevokeAuthorization(bank: f.bankA.publicKey), by: f.exporterYKey).result.code == Codes.Trade.notAuthorized,
                "Y never authorised bank A")
        f.expectOK(f.submit(RevokeAuthorization(bank: f.bankA.publicKey), by: f.exporterXKey))
        #expect(query(f, f.bankA).result.code == Codes.Trade.notAuthorized)
        // A query logged before the revocation is not answered after it.
        let answer = try TradeQueries.creditRecord(queryID: logged.hash, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state)
        #expect(answer.failureCode == Codes.Trade.notAuthorized)
        #expect(f.submit(RevokeAuthorization(bank: f.bankA.publicKey), by: f.exporterXKey).result.code == Codes.Trade.notAuthorized)
    }

    @Test func regrantReplacesTheExpiry() throws {
        let f = F()
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day) == .ok)
        #expect(grant(f, f.bankA, until: F.genesisTime + 2 * Self.day) == .ok)
        let s = try! TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterX, atTime: F.genesisTime + Self.day, state: f.state)
        #expect(s.authorized && s.expiresAt == F.genesisTime + 2 * Self.day)
        #expect(try TradeQueries.authorizations(of: f.exporterX, atTime: F.genesisTime, state: f.state).map(\.bank) == [f.bankA.publicKey.text])
    }

    @Test func queryLogListsWhoAskedAndWhen() throws {
        let f = F()
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day) == .ok)
        #expect(grant(f, f.bankB, until: F.genesisTime + Self.day) == .ok)
        let q1 = query(f, f.bankA)
        let q2 = f.submit(RecordCreditQuery(enterprise: f.exporterX, purpose: "annual review"), by: f.bankB)
        let q3 = query(f, f.bankA)
        f.expectOK(q1); f.expectOK(q2); f.expectOK(q3)

        let all = try TradeQueries.creditQueries(of: f.exporterX, state: f.state)
        #expect(all.queries.map(\.queryId) == [q1.hash.hex, q2.hash.hex, q3.hash.hex])
        #expect(all.queries.map(\.bankName) == ["Bank A", "Bank B", "Bank A"])
        #expect(all.queries[1].purpose == "annual review")
        #expect(all.queries[0].height < all.queries[1].height && all.queries[0].time < all.queries[1].time)
        #expect(all.nextAfter == nil)
        #expect(try TradeQueries.creditQueries(of: f.exporterY, state: f.state).queries.isEmpty)

        let page1 = try TradeQueries.creditQueries(of: f.exporterX, limit: 2, state: f.state)
        #expect(page1.queries.count == 2)
        let cursor = try #require(page1.nextAfter)
        let page2 = try TradeQueries.creditQueries(of: f.exporterX, after: cursor, limit: 2, state: f.state)
        #expect(page2.queries.map(\.queryId) == [q3.hash.hex] && page2.nextAfter == nil)
    }

    @Test func loggedQueryIsAnsweredOnlyToItsBankWithinTheWindow() throws {
        let f = F()
        #expect(grant(f, f.bankA, until: F.genesisTime + Self.day) == .ok)
        #expect(grant(f, f.bankB, until: F.genesisTime + Self.day) == .ok)
        let q = query(f, f.bankA)
        f.expectOK(q)
        let logTime = F.genesisTime + Int64(f.height) * 1000
        let ok = try TradeQueries.creditRecord(queryID: q.hash, askedBy: f.bankA.publicKey, atTime: logTime + 1000, state: f.state)
        #expect(try ok.get().enterprise.name == "Exporter X Ltd")
        #expect(try TradeQueries.creditRecord(queryID: q.hash, askedBy: f.bankB.publicKey, atTime: logTime, state: f.state).failureCode
                == Codes.Trade.unknownQuery, "bank B cannot ride on bank A's log entry")
        #expect(try TradeQueries.creditRecord(queryID: F.digest("none"), askedBy: f.bankA.publicKey, atTime: logTime, state: f.state).failureCode
                == Codes.Trade.unknownQuery)
        #expect(try TradeQueries.creditRecord(queryID: q.hash, askedBy: f.bankA.publicKey, atTime: logTime + TradeLimits.queryAnswerWindowMs + 1,
                                          state: f.state).failureCode == Codes.Trade.queryExpired)
    }

    @Test func creditRecordShowsDeclarationsFinancingsAndRepayments() throws {
        let f = F()
        let ds = f.publish([f.fields(1), f.fields(2), f.fields(3, f.exporterY)])
        let a = f.finance(f.bankA, F.cny(80_000), [(ds[0], F.cny(100_000))])
        let b = f.finance(f.bankB, F.cny(40_000), [(ds[1], F.cny(50_000))])
        f.expectOK(a); f.expectOK(b)
        f.expectOK(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(20_000)), by: f.bankA))
        #expect(grant(f, f.bankB, until: F.genesisTime + Self.day) == .ok)

        let rec = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankB.publicKey, atTime: f.nextTime, state: f.state).get()
        #expect(rec.declarations.map(\.number) == [ds[0].number.value, ds[1].number.value], "Y's declaration is not X's record")
        #expect(rec.declarations[0].pledged == 75_000 && rec.declarations[0].free == 25_000)
        #expect(rec.declarations[0].pledges.map(\.bankName) == ["Bank A"])
        #expect(rec.financings.map(\.id) == [a.hash.hex, b.hash.hex])
        #expect(rec.financings[0].outstanding == 60_000)
        #expect(rec.financings[0].repayments.map(\.amount) == [F.cny(20_000)])
        #expect(rec.financings[0].repayments[0].released.map(\.amount) == [25_000])
        #expect(rec.totals == [CreditRecordTotal(currency: "CNY", financed: 120_000, repaid: 20_000, outstanding: 100_000)])
        #expect(Set(rec.exposures.map(\.bankName)) == ["Bank A", "Bank B"])
        #expect(rec.exposures.first { $0.bankName == "Bank A" }?.outstanding == 60_000)

        let p1 = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankB.publicKey, atTime: f.nextTime, state: f.state,
                                               page: CreditRecordPage(limit: 1)).get()
        #expect(p1.declarations.count == 1 && p1.financings.count == 1)
        let p2 = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankB.publicKey, atTime: f.nextTime, state: f.state,
                                               page: CreditRecordPage(declarationsAfter: try #require(p1.nextDeclarationsAfter),
                                                                      financingsAfter: try #require(p1.nextFinancingsAfter), limit: 1)).get()
        #expect(p2.declarations.map(\.number) == [ds[1].number.value] && p2.financings.map(\.id) == [b.hash.hex])
        #expect(p2.nextDeclarationsAfter == nil && p2.nextFinancingsAfter == nil)
        #expect(p2.totals == rec.totals, "totals cover the whole history on every page")
    }

    @Test func precheckReportsKnownMatchingAndFree() {
        let f = F()
        let ds = f.publish([f.fields(1), f.fields(2)])
        f.expectOK(f.finance(f.bankA, F.cny(100_000), [(ds[1], F.cny(100_000))]))
        var forged = ds[0]
        forged.documentDigest = F.digest("forged")
        let req = PrecheckRequest(declarations: [
            PrecheckItem(number: ds[0].number, fields: ds[0]),
            PrecheckItem(number: ds[0].number, fields: forged),
            PrecheckItem(number: ds[1].number),
            PrecheckItem(number: F.number(9)),
        ])
        #expect(throws: Never.self) { try req.validate() }
        let r = try! TradeQueries.precheck(req, state: f.state, suite: .sha256).declarations
        #expect(r.map(\.code) == ["OK", Codes.Trade.fakeDeclaration, Codes.Trade.duplicateFinancing, Codes.Trade.fakeDeclaration])
        #expect(r.map(\.known) == [true, true, true, false])
        #expect(r.map(\.fieldsMatch) == [true, false, nil, nil])
        #expect(r.map(\.free) == [100_000, 100_000, 0, nil])
        #expect(r[0].commitment == ds[0].commitment(.sha256).hex)
    }
}

extension Result where Failure == TradeQueryError {
    var failureCode: String? {
        if case .failure(let e) = self { return e.code }
        return nil
    }
}
