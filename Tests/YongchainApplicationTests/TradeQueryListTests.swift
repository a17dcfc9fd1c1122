import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// Committed state whose every `scan` is a test failure. The state tree proves single keys, not ranges, so the
/// credit record and the query log must read with `get` alone for a light client to re-run them over proven entries.
final class ScanForbiddingState: StateReader {
    let base: StateReader
    init(_ base: StateReader) { self.base = base }
    func get(_ key: [UInt8]) -> [UInt8]? { base.get(key) }
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        Issue.record("scanned \(String(decoding: prefix, as: UTF8.self)): a state proof cannot cover a range")
        return base.scan(prefix: prefix, after: after, limit: limit)
    }
}

@Suite struct TradeQueryListTests {
    typealias F = TradeFixture
    static let day: Int64 = 86_400_000

    /// An exporter with five declarations, six financings (one repaid in full, its declaration financed again),
    /// two banks authorised (one revoked and re-granted) and five logged queries; and a little of Y, which must
    /// not show up in X's lists.
    struct Busy {
        let f = F()
        var declarations: [DeclarationFields] = []
        var financings: [Hash] = []
        var queries: [Hash] = []

        init() {
            declarations = f.publish((1...5).map { f.fields($0) } + [f.fields(9, f.exporterY)])
            for i in 0..<5 {
                let r = f.finance(i % 2 == 0 ? f.bankA : f.bankB, F.cny(50_000), [(declarations[i], F.cny(50_000))])
                f.expectOK(r)
                financings.append(r.hash)
            }
            f.expectOK(f.submit(RepayFinancing(financingId: financings[0], amount: F.cny(50_000)), by: f.bankA))
            let again = f.finance(f.bankB, F.cny(60_000), [(declarations[0], F.cny(60_000))])
            f.expectOK(again)
            financings.append(again.hash)
            f.expectOK(f.finance(f.bankA, F.cny(1_000), [(declarations[5], F.cny(1_000))], exporter: f.exporterY))

            let until = F.genesisTime + TradeQueryListTests.day
            f.expectOK(f.submit(GrantAuthorization(bank: f.bankA.publicKey, expiresAt: until), by: f.exporterXKey))
            f.expectOK(f.submit(GrantAuthorization(bank: f.bankB.publicKey, expiresAt: until), by: f.exporterXKey))
            f.expectOK(f.submit(RevokeAuthorization(bank: f.bankB.publicKey), by: f.exporterXKey))
            f.expectOK(f.submit(GrantAuthorization(bank: f.bankB.publicKey, expiresAt: until), by: f.exporterXKey))
            f.expectOK(f.submit(GrantAuthorization(bank: f.bankA.publicKey, expiresAt: until), by: f.exporterYKey))
            for i in 0..<5 {
                let q = f.submit(RecordCreditQuery(enterprise: f.exporterX, purpose: "review \(i)"), by: i % 2 == 0 ? f.bankA : f.bankB)
                f.expectOK(q)
                queries.append(q.hash)
            }
            f.expectOK(f.submit(RecordCreditQuery(enterprise: f.exporterY, purpose: "review Y"), by: f.bankA))
        }
    }

    @Test func authorisationsCreditRecordAndQueryLogNeverScan() throws {
        let b = Busy()
        let f = b.f
        let state = ScanForbiddingState(f.state)

        let auths = try TradeQueries.authorizations(of: f.exporterX, atTime: f.nextTime, state: state)
        #expect(auths.map(\.bank) == [f.bankA.publicKey.text, f.bankB.publicKey.text], "re-granted B keeps its first place")
        #expect(try TradeListCounts.load(f.exporterX, f.state).authorizations == 2, "a re-grant adds no list entry")

        let rec = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: state).get()
        #expect(rec.declarations.map(\.number) == b.declarations.prefix(5).map(\.number.value))
        #expect(rec.financings.map(\.id) == b.financings.map(\.hex))
        #expect(rec.financings[0].repayments.map(\.amount) == [F.cny(50_000)])
        #expect(rec.declarations[0].pledges.map(\.financingId) == [b.financings[5].hex], "the released pledge is skipped")
        #expect(rec.declarations[0].pledged == 60_000)
        #expect(rec.exposures.map(\.bank) == [f.bankA.publicKey.text, f.bankB.publicKey.text].sorted())
        #expect(rec.totals == [CreditRecordTotal(currency: "CNY", financed: 310_000, repaid: 50_000, outstanding: 260_000)])
        #expect(rec.nextDeclarationsAfter == nil && rec.nextFinancingsAfter == nil)

        let logged = try TradeQueries.creditRecord(queryID: b.queries[4], askedBy: f.bankA.publicKey, atTime: f.nextTime, state: state,
                                                   page: CreditRecordPage(declarationsAfter: "2", financingsAfter: "3", limit: 2)).get()
        #expect(logged.declarations.map(\.number) == b.declarations[2..<4].map(\.number.value))
        #expect(logged.financings.map(\.id) == b.financings[3..<5].map(\.hex))

        let log = try TradeQueries.creditQueries(of: f.exporterX, state: state)
        #expect(log.queries.map(\.queryId) == b.queries.map(\.hex))
        #expect(log.queries.map(\.purpose) == (0..<5).map { "review \($0)" })
    }

    @Test func creditRecordAndQueryLogPageByListPosition() throws {
        let b = Busy()
        let f = b.f
        var declarations: [String] = [], financings: [String] = [], cursors: [String] = []
        var page = CreditRecordPage(limit: 2)
        while true {
            let rec = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state, page: page).get()
            #expect(rec.declarations.count <= 2 && rec.financings.count <= 2)
            declarations += rec.declarations.map(\.number)
            financings += rec.financings.map(\.id)
            guard rec.nextDeclarationsAfter != nil || rec.nextFinancingsAfter != nil else { break }
            cursors.append("\(rec.nextDeclarationsAfter ?? "-")/\(rec.nextFinancingsAfter ?? "-")")
            page = CreditRecordPage(declarationsAfter: rec.nextDeclarationsAfter ?? "5", financingsAfter: rec.nextFinancingsAfter ?? "6", limit: 2)
        }
        #expect(cursors == ["2/2", "4/4"])
        #expect(declarations == b.declarations.prefix(5).map(\.number.value))
        #expect(financings == b.financings.map(\.hex))

        var queries: [String] = []
        var after: String?
        var queryCursors: [String] = []
        repeat {
            let list = try TradeQueries.creditQueries(of: f.exporterX, after: after, limit: 2, state: f.state)
            queries += list.queries.map(\.queryId)
            after = list.nextAfter
            if let after { queryCursors.append(after) }
        } while after != nil
        #expect(queryCursors == ["2", "4"])
        #expect(queries == b.queries.map(\.hex))

        // A cursor past the end, even the largest a cursor can be, is an empty last page.
        let end = try TradeQueries.creditQueries(of: f.exporterX, after: String(UInt64.max), state: f.state)
        #expect(end.queries.isEmpty && end.nextAfter == nil)
        let past = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state,
                                                 page: CreditRecordPage(declarationsAfter: "5", financingsAfter: String(UInt64.max))).get()
        #expect(past.declarations.isEmpty && past.financings.isEmpty && past.nextDeclarationsAfter == nil)
    }

    @Test func malformedCursorsAreValidationErrorsNamingTheField() {
        let b = Busy()
        let f = b.f
        func field(_ body: () throws -> Void) -> String? {
            do { try body() } catch let e as ValidationError { return e.field } catch { return "\(error)" }
            return nil
        }
        for bad in ["99999999999999999999999", "18446744073709551616", "-1", "abc", "", "+1", " 1", "1/2", "００1"] {
            #expect(field { _ = try TradeQueries.creditQueries(of: f.exporterX, after: bad, state: f.state) } == "after", "\(bad)")
            #expect(field {
                _ = try TradeQueries.creditRecord(of: f.exporterX, askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state,
                                                  page: CreditRecordPage(declarationsAfter: bad))
            } == "declarationsAfter", "\(bad)")
            #expect(field {
                _ = try TradeQueries.creditRecord(queryID: b.queries[0], askedBy: f.bankA.publicKey, atTime: f.nextTime, state: f.state,
                                                  page: CreditRecordPage(financingsAfter: bad))
            } == "financingsAfter", "\(bad)")
        }
    }
}
