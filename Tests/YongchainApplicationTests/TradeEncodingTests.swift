import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

@Suite struct TradeEncodingTests {
    typealias F = TradeFixture
    let fixture = F(registerExporters: false)

    var held: DeclarationFields { fixture.fields(1) }

    var payloads: [any Payload] { [
        PublishDeclarations(declarations: [PublishedDeclaration(held, suite: .sha256), PublishedDeclaration(fixture.fields(2, fixture.exporterY, F.usd(5)), suite: .sha256)]),
        RecordFinancing(exporter: fixture.exporterX, amount: F.cny(80_000),
                        pledges: [PledgeRequest(declaration: held, amount: F.cny(100_000))]),
        RepayFinancing(financingId: F.digest("financing"), amount: F.cny(1)),
        GrantAuthorization(bank: fixture.bankA.publicKey, expiresAt: 1_700_000_000_000),
        RevokeAuthorization(bank: fixture.bankB.publicKey),
        RecordCreditQuery(enterprise: fixture.exporterX, purpose: "pre-loan review 贷前审查"),
    ] }

    func roundTrip<P: Payload & Equatable>(_ p: P) throws {
        let back = try P(canonical: p.canonicalBytes)
        #expect(back == p)
        let json = try JSONEncoder().encode(p)
        let fromJSON = try JSONDecoder().decode(P.self, from: json)
        #expect(fromJSON == p)
        #expect(fromJSON.canonicalBytes == p.canonicalBytes, "JSON and canonical forms carry the same value")
        try p.validate()
    }

    @Test func everyPayloadRoundTripsThroughJSONAndCanonical() throws {
        for p in payloads {
            switch p {
            case let p as PublishDeclarations: try roundTrip(p)
            case let p as RecordFinancing: try roundTrip(p)
            case let p as RepayFinancing: try roundTrip(p)
            case let p as GrantAuthorization: try roundTrip(p)
            case let p as RevokeAuthorization: try roundTrip(p)
            case let p as RecordCreditQuery: try roundTrip(p)
            default: Issue.record("untested payload \(type(of: p))")
            }
        }
        #expect(Set(payloads.map { type(of: $0).type }) == Set(Trade.handlers.map(\.type)))
    }

    @Test func jsonUsesTextFormsOfHashesAndKeys() throws {
        let repay = try JSONSerialization.jsonObject(with: JSONEncoder().encode(RepayFinancing(financingId: F.digest("x"), amount: F.cny(5)))) as! [String: Any]
        #expect(repay["financingId"] as? String == F.digest("x").hex)
        #expect((repay["amount"] as? [String: Any])?["currency"] as? String == "CNY")
        let grant = try JSONSerialization.jsonObject(with: JSONEncoder().encode(GrantAuthorization(bank: F.key(3).publicKey, expiresAt: 5))) as! [String: Any]
        #expect(grant["bank"] as? String == F.key(3).publicKey.text)
        let fields = try JSONSerialization.jsonObject(with: JSONEncoder().encode(held)) as! [String: Any]
        #expect(fields["documentDigest"] as? String == held.documentDigest.hex)
        #expect(fields["exportDate"] as? Int == 20200315)
    }

    @Test func queryResultsEncodeToJSON() throws {
        let f = F()
        f.publish([f.fields(1)])
        let r = try TradeQueries.precheck(PrecheckRequest(declarations: [PrecheckItem(number: F.number(1))]), state: f.state, suite: .sha256)
        let back = try JSONDecoder().decode(PrecheckResult.self, from: JSONEncoder().encode(r))
        #expect(back == r)
        let req = try JSONDecoder().decode(PrecheckRequest.self, from: Data(#"{"declarations":[{"number":"223120200000000001"}]}"#.utf8))
        #expect(req.declarations.first?.number == F.number(1) && req.declarations.first?.fields == nil)
    }

    func validationField<P: Payload>(_ p: P) -> String? {
        do { try p.validate(); return nil } catch let e as ValidationError { return e.field } catch { return "\(error)" }
    }

    @Test func validationErrorsNameTheField() throws {
        var badDate = held
        badDate.exportDate = 20200230
        #expect(validationField(PublishDeclarations(declarations: [PublishedDeclaration(held, suite: .sha256), PublishedDeclaration(badDate, suite: .sha256)]))
                == "declarations[1].exportDate")
        #expect(validationField(PublishDeclarations(declarations: [])) == "declarations")
        let pledge = PledgeRequest(declaration: held, amount: F.cny(1))
        #expect(validationField(RecordFinancing(exporter: fixture.exporterX, amount: F.cny(1), pledges: [pledge, pledge]))
                == "pledges[1].declaration.number")
        #expect(validationField(RecordFinancing(exporter: fixture.exporterX, amount: F.cny(1), pledges: [])) == "pledges")
        #expect(validationField(RecordCreditQuery(enterprise: fixture.exporterX, purpose: "")) == "purpose")
        #expect(validationField(GrantAuthorization(bank: fixture.bankA.publicKey, expiresAt: 0)) == "expiresAt")

        // JSON bypasses Money's initialiser; validate() catches it and names the field.
        let json = #"{"financingId":"\#(F.digest("x").hex)","amount":{"minorUnits":-5,"currency":"CNY"}}"#
        #expect(validationField(try JSONDecoder().decode(RepayFinancing.self, from: Data(json.utf8))) == "amount.minorUnits")
        // Identifier errors in JSON name the field too.
        let badCode = #"{"enterprise":"91310000MA1FL00010","purpose":"x"}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(RecordCreditQuery.self, from: Data(badCode.utf8)) }
        let badHash = #"{"financingId":"abc","amount":{"minorUnits":5,"currency":"CNY"}}"#
        do {
            _ = try LedgerApplication.canonicalBody(type: RepayFinancing.type, json: Array(badHash.utf8))
            Issue.record("a short hash decoded")
        } catch let e as ValidationError {
            #expect(e.field == "financingId")
        }
        var mismatched = PrecheckRequest(declarations: [PrecheckItem(number: F.number(2), fields: held)])
        #expect(throws: ValidationError(field: "declarations[0].fields.number", message: "differs from declarations[0].number")) { try mismatched.validate() }
        mismatched.declarations = []
        #expect(throws: ValidationError.self) { try mismatched.validate() }
    }

    @Test func theApplicationRejectsBadBodiesWithCodes() {
        let f = F()
        let signer = f.tradeRegistry
        var badDate = f.fields(1)
        badDate.exportDate = 20201301
        let tx = PublishDeclarations(declarations: [PublishedDeclaration(badDate, suite: .sha256)]).transaction(key: signer, nonce: 1, chainID: F.chainID)
        let r = f.app.check(tx, state: f.state)
        #expect(r?.code == Codes.invalidField)
        #expect(r?.message.hasPrefix("declarations[0].exportDate") == true)

        let trailing = Transaction.signed(type: PublishDeclarations.type, body: PublishDeclarations(declarations: [PublishedDeclaration(f.fields(1), suite: .sha256)]).canonicalBytes + [0],
                                          nonce: 2, key: signer, chainID: F.chainID)
        #expect(f.app.check(trailing, state: f.state)?.code == Codes.malformedBody)

        // A zero amount cannot even be encoded canonically by a well-behaved client; a hostile one is well-encoded
        // but breaks the amount's rule: INVALID_FIELD naming it.
        var w = CanonicalWriter()
        w.hash(F.digest("x"))
        w.i64(0)
        w.string("CNY")
        let zero = Transaction.signed(type: RepayFinancing.type, body: w.bytes, nonce: 3, key: f.bankA, chainID: F.chainID)
        let z = f.app.check(zero, state: f.state)
        #expect(z?.code == Codes.invalidField)
        #expect(z?.message.hasPrefix("amount.minorUnits: ") == true)
    }

    @Test func commitmentIsTheDocumentedFormula() {
        let d = held
        var w = CanonicalWriter()
        w.string("yongchain/declaration-commitment/v1")
        w.string(d.number.value)
        w.string(d.exporter.value)
        w.i64(d.amount.minorUnits)
        w.string(d.amount.currency.code)
        w.u32(d.exportDate)
        w.hash(d.documentDigest)
        #expect(d.commitment(.sha256) == HashSuite.sha256.digest(w.bytes))
        // On an SM3 chain the same bytes, hashed with SM3.
        #expect(d.commitment(.sm3) == HashSuite.sm3.digest(w.bytes))
        // Known answer: changes only if the formula changes, which would orphan every published commitment.
        #expect(d.commitment(.sha256).hex == "60feb691ea6e59cf984fa248cf77c4864cda5d948409aea553a9a7f9db098df1")
    }

    @Test func everyFieldIsBoundByTheCommitment() {
        let d = held
        var variants: [DeclarationFields] = []
        var v = d; v.number = F.number(2); variants.append(v)
        v = d; v.exporter = fixture.exporterY; variants.append(v)
        v = d; v.amount = F.cny(d.amount.minorUnits + 1); variants.append(v)
        v = d; v.amount = F.usd(d.amount.minorUnits); variants.append(v)
        v = d; v.exportDate = 20200316; variants.append(v)
        v = d; v.documentDigest = F.digest("other"); variants.append(v)
        let commitments = Set(variants.map { $0.commitment(.sha256) } + [d.commitment(.sha256)])
        #expect(commitments.count == variants.count + 1)
    }

    @Test func exportDatesAreCalendarDates() {
        for ok: UInt32 in [20200229, 20000229, 19000101, 99991231, 20201231] {
            #expect(throws: Never.self) { try TradeWire.checkDate(ok, "d") }
        }
        for bad: UInt32 in [20190229, 19000229, 20200000, 20201301, 20200431, 18991231, 0, 202003150] {
            #expect(throws: ValidationError.self, "\(bad)") { try TradeWire.checkDate(bad, "d") }
        }
    }

    @Test func everyTradeCodeIsDistinctAndStable() {
        #expect(Set(Codes.Trade.all).count == Codes.Trade.all.count)
        for c in ["FAKE_DECLARATION", "DUPLICATE_FINANCING", "EXCESS_FINANCING", "EXPORTER_MISMATCH", "UNKNOWN_ENTERPRISE",
                  "NOT_AUTHORIZED", "AUTHORIZATION_EXPIRED", "UNKNOWN_FINANCING", "NOT_FINANCING_BANK",
                  "REPAY_EXCEEDS_OUTSTANDING", "CURRENCY_MISMATCH", "DUPLICATE_DECLARATION", "NOT_ENTERPRISE"] {
            #expect(Codes.Trade.all.contains(c), "\(c)")
        }
    }
}
