import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainTestSupport

@Suite struct TradeDeclarationTests {
    @Test func onlyTheTradeRegistryPublishes() {
        let f = TradeFixture()
        let batch = PublishDeclarations(declarations: [PublishedDeclaration(f.fields(1), suite: .sha256)])
        #expect(f.submit(batch, by: f.bankA).result.code == Codes.forbiddenRole)
        #expect(f.submit(batch, by: f.realEstate).result.code == Codes.forbiddenRole)
        #expect(f.submit(batch, by: f.exporterXKey).result.code == Codes.unknownSigner)
        #expect(f.declaration(1) == nil)
        f.expectOK(f.submit(batch, by: f.tradeRegistry))
        #expect(f.declaration(1)?.published == PublishedDeclaration(f.fields(1), suite: .sha256))
        #expect(f.declaration(1)?.pledged == 0)
    }

    @Test func duplicateNumbersRefuseTheWholeBatch() {
        let f = TradeFixture()
        f.publish([f.fields(1)])
        let again = f.submit(PublishDeclarations(declarations: [PublishedDeclaration(f.fields(2), suite: .sha256), PublishedDeclaration(f.fields(1), suite: .sha256)]), by: f.tradeRegistry)
        #expect(again.result.code == Codes.Trade.duplicateDeclaration)
        #expect(again.result.message.hasPrefix("declarations[1]"))
        #expect(f.declaration(2) == nil, "a refused batch publishes nothing")

        let twice = f.submit(PublishDeclarations(declarations: [PublishedDeclaration(f.fields(3), suite: .sha256), PublishedDeclaration(f.fields(3), suite: .sha256)]), by: f.tradeRegistry)
        #expect(twice.result.code == Codes.Trade.duplicateDeclaration)
        #expect(f.declaration(3) == nil)
    }

    @Test func unknownExporterRefusesTheBatch() {
        let f = TradeFixture()
        let stranger = TradeFixture.code("91310000MA1FL0099")
        let r = f.submit(PublishDeclarations(declarations: [PublishedDeclaration(f.fields(1), suite: .sha256), PublishedDeclaration(f.fields(2, stranger), suite: .sha256)]), by: f.tradeRegistry)
        #expect(r.result.code == Codes.Trade.unknownEnterprise)
        #expect(f.declaration(1) == nil)
    }
}

@Suite struct TradeFinancingTests {
    typealias F = TradeFixture

    @Test func financingPledgesAndIndexes() throws {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        let r = f.finance(f.bankA, F.cny(80_000), [(d, F.cny(100_000))])
        f.expectOK(r)
        #expect(f.declaration(1)?.pledged == 100_000)
        let fin = try #require(try FinancingRecord.load(r.hash, f.state))
        #expect(fin.bank == f.bankA.publicKey && fin.outstanding == 80_000 && fin.id == r.hash)
        #expect(f.state.get(StateKey.pledge(d.number, r.hash)) != nil)
    }

    @Test func fakeDeclarationUnknownNumber() {
        let f = F()
        let r = f.finance(f.bankA, F.cny(100), [(f.fields(7), F.cny(100))])
        #expect(r.result.code == Codes.Trade.fakeDeclaration)
        #expect(r.result.message.contains("not been published"))
    }

    @Test func fakeDeclarationCommitmentMismatch() {
        let f = F()
        var d = f.publish([f.fields(1)])[0]
        d.documentDigest = F.digest("a forged document")
        #expect(f.finance(f.bankA, F.cny(100), [(d, F.cny(100))]).result.code == Codes.Trade.fakeDeclaration)
        var inflated = f.fields(1)
        inflated.amount = F.cny(900_000)
        #expect(f.finance(f.bankA, F.cny(100), [(inflated, F.cny(100))]).result.code == Codes.Trade.fakeDeclaration)
        var redated = f.fields(1)
        redated.exportDate = 20200316
        #expect(f.finance(f.bankA, F.cny(100), [(redated, F.cny(100))]).result.code == Codes.Trade.fakeDeclaration)
        #expect(f.declaration(1)?.pledged == 0)
    }

    @Test func duplicateFinancingByTheOtherBank() {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        f.expectOK(f.finance(f.bankA, F.cny(100_000), [(d, F.cny(100_000))]))
        let r = f.finance(f.bankB, F.cny(1), [(d, F.cny(1))])
        #expect(r.result.code == Codes.Trade.duplicateFinancing)
        #expect(f.finance(f.bankA, F.cny(1), [(d, F.cny(1))]).result.code == Codes.Trade.duplicateFinancing, "the same bank again, too")
        #expect(f.declaration(1)?.pledged == 100_000)
    }

    @Test func partialPledgesSummingPastTheValueAreExcess() {
        let f = F()
        let d = f.publish([f.fields(1)])[0] // worth 100_000
        f.expectOK(f.finance(f.bankA, F.cny(60_000), [(d, F.cny(60_000))]))
        f.expectOK(f.finance(f.bankB, F.cny(30_000), [(d, F.cny(30_000))]))
        let over = f.finance(f.bankB, F.cny(20_000), [(d, F.cny(20_000))])
        #expect(over.result.code == Codes.Trade.excessFinancing)
        #expect(over.result.message.contains("10000"))
        #expect(f.declaration(1)?.pledged == 90_000)
        f.expectOK(f.finance(f.bankA, F.cny(10_000), [(d, F.cny(10_000))]))
        #expect(f.finance(f.bankB, F.cny(1), [(d, F.cny(1))]).result.code == Codes.Trade.duplicateFinancing)
    }

    @Test func financingAboveThePledgedValueIsExcess() {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        let r = f.finance(f.bankA, F.cny(50_001), [(d, F.cny(50_000))])
        #expect(r.result.code == Codes.Trade.excessFinancing)
        #expect(r.result.message.hasPrefix("amount"))
    }

    @Test func oneBadDeclarationPledgesNone() {
        let f = F()
        let ds = f.publish([f.fields(1), f.fields(2), f.fields(3)])
        f.expectOK(f.finance(f.bankB, F.cny(100_000), [(ds[2], F.cny(100_000))]))
        let before = f.state.entries

        var forged = ds[1]
        forged.documentDigest = F.digest("forged")
        let (r, overlay) = f.executeKeepingWrites(RecordFinancing(exporter: f.exporterX, amount: F.cny(10),
            pledges: [PledgeRequest(declaration: ds[0], amount: F.cny(50_000)), PledgeRequest(declaration: forged, amount: F.cny(50_000))]), by: f.bankA)
        #expect(r.code == Codes.Trade.fakeDeclaration)
        #expect(r.message.hasPrefix("pledges[1]"))
        // The handler itself wrote nothing, even before the node discards the transaction.
        #expect(overlay.get(StateKey.declaration(ds[0].number)) == f.state.get(StateKey.declaration(ds[0].number)))
        #expect(overlay.scan(prefix: Array("pledge/\(ds[0].number.value)/".utf8), after: nil, limit: 10).isEmpty)
        #expect(overlay.scan(prefix: Array("financing".utf8), after: nil, limit: 10).count == 2, "only bank B's financing and its index")

        let dup = f.finance(f.bankA, F.cny(10), [(ds[0], F.cny(50_000)), (ds[2], F.cny(1))])
        #expect(dup.result.code == Codes.Trade.duplicateFinancing)
        // Nothing changed but the signer's party log, which records the refusal (docs/confidentiality.md).
        let partyA = PartyLog.stateKey("Bank A")
        #expect(f.state.entries.filter { $0.key != partyA } == before.filter { $0.key != partyA })
        #expect(f.state.entries[partyA] != before[partyA])
    }

    @Test func exporterMismatch() {
        let f = F()
        let d = f.publish([f.fields(1, f.exporterX)])[0]
        let r = f.finance(f.bankA, F.cny(100), [(d, F.cny(100))], exporter: f.exporterY)
        #expect(r.result.code == Codes.Trade.exporterMismatch)
        #expect(f.declaration(1)?.pledged == 0)
    }

    @Test func unknownExporter() {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        let r = f.finance(f.bankA, F.cny(100), [(d, F.cny(100))], exporter: F.code("91310000MA1FL0099"))
        #expect(r.result.code == Codes.Trade.unknownEnterprise)
    }

    @Test func currencyMismatch() {
        let f = F()
        let d = f.publish([f.fields(1)])[0] // CNY
        #expect(f.finance(f.bankA, F.usd(100), [(d, F.usd(100))]).result.code == Codes.Trade.currencyMismatch)
        #expect(f.finance(f.bankA, F.usd(100), [(d, F.cny(100))]).result.code == Codes.Trade.currencyMismatch)
        // Held fields claiming another currency no longer match the commitment.
        let usdFields = f.fields(1, nil, F.usd(100_000))
        #expect(f.finance(f.bankA, F.usd(100), [(usdFields, F.usd(100))]).result.code == Codes.Trade.fakeDeclaration)
    }

    @Test func onlyBanksFinance() {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        #expect(f.finance(f.tradeRegistry, F.cny(100), [(d, F.cny(100))]).result.code == Codes.forbiddenRole)
        #expect(f.finance(f.exporterXKey, F.cny(100), [(d, F.cny(100))]).result.code == Codes.unknownSigner)
    }

    @Test func repayThenRefinanceIsAllowed() {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        let a = f.finance(f.bankA, F.cny(100_000), [(d, F.cny(100_000))])
        f.expectOK(a)
        #expect(f.finance(f.bankB, F.cny(100_000), [(d, F.cny(100_000))]).result.code == Codes.Trade.duplicateFinancing)
        f.expectOK(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(100_000)), by: f.bankA))
        #expect(f.declaration(1)?.pledged == 0)
        #expect(f.state.get(StateKey.pledge(d.number, a.hash)) == nil, "a released pledge leaves no key")
        f.expectOK(f.finance(f.bankB, F.cny(100_000), [(d, F.cny(100_000))]))
        #expect(f.declaration(1)?.pledged == 100_000)
    }

    @Test func partialRepaymentReleasesInProportion() throws {
        let f = F()
        let ds = f.publish([f.fields(1), f.fields(2)])
        // Lend 80_000 against 100_000 + 50_000 pledged.
        let a = f.finance(f.bankA, F.cny(80_000), [(ds[0], F.cny(100_000)), (ds[1], F.cny(50_000))])
        f.expectOK(a)
        f.expectOK(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(30_000)), by: f.bankA))
        // 50_000 outstanding of 80_000: keep ceil(100_000·5/8) = 62_500 and ceil(50_000·5/8) = 31_250.
        #expect(f.declaration(1)?.pledged == 62_500)
        #expect(f.declaration(2)?.pledged == 31_250)
        let fin = try #require(try FinancingRecord.load(a.hash, f.state))
        #expect(fin.outstanding == 50_000 && fin.repayments == 1)
        let rep = try #require(f.state.get(StateKey.repayment(a.hash, 1)).flatMap { try? RepaymentRecord(canonical: $0) })
        #expect(rep.released.map(\.amount) == [37_500, 18_750])
        #expect(rep.outstandingAfter == 50_000)
        // The freed value can be pledged again, but no more.
        f.expectOK(f.finance(f.bankB, F.cny(37_500), [(ds[0], F.cny(37_500))]))
        #expect(f.finance(f.bankB, F.cny(1), [(ds[0], F.cny(1))]).result.code == Codes.Trade.duplicateFinancing)
    }

    @Test func repayRules() throws {
        let f = F()
        let d = f.publish([f.fields(1)])[0]
        let a = f.finance(f.bankA, F.cny(50_000), [(d, F.cny(100_000))])
        f.expectOK(a)
        #expect(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(10)), by: f.bankB).result.code == Codes.Trade.notFinancingBank)
        #expect(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(50_001)), by: f.bankA).result.code == Codes.Trade.repayExceedsOutstanding)
        #expect(f.submit(RepayFinancing(financingId: a.hash, amount: F.usd(10)), by: f.bankA).result.code == Codes.Trade.currencyMismatch)
        #expect(f.submit(RepayFinancing(financingId: F.digest("nothing"), amount: F.cny(10)), by: f.bankA).result.code == Codes.Trade.unknownFinancing)
        #expect(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(10)), by: f.tradeRegistry).result.code == Codes.forbiddenRole)
        #expect(try FinancingRecord.load(a.hash, f.state)?.outstanding == 50_000)
        f.expectOK(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(50_000)), by: f.bankA))
        #expect(f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(1)), by: f.bankA).result.code == Codes.Trade.repayExceedsOutstanding)
    }

    @Test func remainingPledgeMatchesNaiveArithmetic() {
        var rng = SplitMix64(seed: 0x7ade)
        for _ in 0..<5000 {
            let amount = Int64(rng.next() % 3_000_000_000) + 1
            let outstanding = Int64(rng.next() % UInt64(amount + 1))
            let original = Int64(rng.next() % 3_000_000_000)
            let naive = (original * outstanding + amount - 1) / amount
            #expect(FinancingRecord.remainingPledge(original: original, outstanding: outstanding, amount: amount) == naive,
                    "original \(original) outstanding \(outstanding) amount \(amount)")
        }
        // Far past 64-bit products.
        let big = Money.maxMinorUnits
        #expect(FinancingRecord.remainingPledge(original: big, outstanding: big - 1, amount: big) == big - 1)
        #expect(FinancingRecord.remainingPledge(original: big, outstanding: 1, amount: big) == 1)
    }

    @Test func sameHistoryGivesSameState() {
        func run() -> [[UInt8]: [UInt8]] {
            let f = F()
            let ds = f.publish([f.fields(1), f.fields(2)])
            let a = f.finance(f.bankA, F.cny(90_000), [(ds[0], F.cny(70_000)), (ds[1], F.cny(40_000))])
            f.submit(RepayFinancing(financingId: a.hash, amount: F.cny(12_345)), by: f.bankA)
            f.finance(f.bankB, F.cny(30_000), [(ds[0], F.cny(30_000))])
            return f.state.entries
        }
        #expect(run() == run())
    }
}
