import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// An identifier that fails validation inside a list is named by its full JSON path (issue 15: with six
/// declarations, `creditCode: check character …` did not say which one).
@Suite struct FieldPathTests {
    static let good = "91310000MA1FL0001R"
    static let bad = "91310000MA1FL0001Q"

    static func declaration(_ i: Int, exporter: String = good, currency: String = "USD") -> [String: Any] {
        ["number": "22312020000000000\(i)", "exporter": exporter, "amount": ["minorUnits": 100, "currency": currency],
         "exportDate": 20200315, "documentDigest": String(repeating: "ab", count: 32)]
    }

    static func refusal<T: Decodable>(_ type: T.Type, _ json: Any) -> ValidationError? {
        do {
            _ = try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: json))
            return nil
        } catch {
            return error as? ValidationError
        }
    }

    @Test func aBadExporterInThePrecheckNamesItsDeclaration() {
        let items = (1...6).map { i in ["number": "22312020000000000\(i)", "fields": Self.declaration(i, exporter: i == 4 ? Self.bad : Self.good)] }
        let e = Self.refusal(PrecheckRequest.self, ["declarations": items])
        #expect(e?.field == "declarations[3].fields.exporter", "\(String(describing: e))")
        #expect(e?.message.contains("check character") == true)
    }

    @Test func transactionBodiesNameTheFieldsPath() throws {
        func refusal(_ type: String, _ json: Any) -> ValidationError? {
            do {
                _ = try LedgerApplication.canonicalBody(type: type, json: Array(try JSONSerialization.data(withJSONObject: json)))
                return nil
            } catch {
                return error as? ValidationError
            }
        }
        var second = Self.declaration(2)
        second["number"] = "2231"
        let pledges: [[String: Any]] = [["declaration": Self.declaration(1), "amount": ["minorUnits": 100, "currency": "USD"]],
                                        ["declaration": second, "amount": ["minorUnits": 100, "currency": "USD"]]]
        #expect(refusal("financing.record", ["exporter": Self.good, "amount": ["minorUnits": 100, "currency": "USD"], "pledges": pledges])?.field
                == "pledges[1].declaration.number")
        var published = Self.declaration(1)
        published["commitment"] = published.removeValue(forKey: "documentDigest")
        published["amount"] = ["minorUnits": 100, "currency": "XXQ"]
        #expect(refusal("declaration.publish", ["declarations": [Self.declaration(2).merging(["commitment": String(repeating: "cd", count: 32)]) { a, _ in a }, published]])?.field
                == "declarations[1].amount.currency")
        #expect(refusal("creditQuery.record", ["enterprise": Self.bad, "purpose": "p"])?.field == "enterprise")
        #expect(refusal("enterprise.register", ["creditCode": Self.bad, "name": "n", "publicKey": "ed25519:" + String(repeating: "00", count: 32)])?.field
                == "creditCode")
    }

    /// `bytes` with the length-prefixed string `old` (its first occurrence) replaced by `new`, as a hostile or buggy
    /// client might encode it: our own encoders only take validated values.
    static func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        var w = CanonicalWriter(), v = CanonicalWriter()
        w.string(old)
        v.string(new)
        let from = w.bytes
        guard let i = (0...(bytes.count - from.count)).first(where: { Array(bytes[$0..<$0 + from.count]) == from }) else {
            Issue.record("\(old) is not in the body")
            return bytes
        }
        var out = bytes
        out.replaceSubrange(i..<i + from.count, with: v.bytes)
        return out
    }

    /// What the node answers a signed transaction with this canonical body (POST /v1/txs admission).
    static func admission(_ type: String, _ body: [UInt8]) -> TxResult? {
        let tx = Transaction.signed(type: type, body: body, nonce: 1, key: MortgageFixture.key(3), chainID: "paths")
        return LedgerApplication().check(tx, state: TradeMemoryState())
    }

    static func canonical(_ type: String, _ json: Any) throws -> [UInt8] {
        try LedgerApplication.canonicalBody(type: type, json: Array(try JSONSerialization.data(withJSONObject: json)))
    }

    /// The node's own decoding of a body (canonical bytes, as POST /v1/txs carries them) names a bad field by the
    /// same JSON path, list indices included, as a JSON body's would (issue 31: it said `MALFORMED_BODY` "invalid
    /// number"). A well-encoded value that breaks its rule is `INVALID_FIELD`.
    @Test func aBadFieldInsideACanonicalBodyIsNamedByItsPathWithListIndices() throws {
        let pledges: [[String: Any]] = (1...2).map { ["declaration": Self.declaration($0), "amount": ["minorUnits": 100, "currency": "USD"]] }
        let financing = try Self.canonical("financing.record", ["exporter": Self.good, "amount": ["minorUnits": 200, "currency": "USD"], "pledges": pledges])
        let r = Self.admission("financing.record", Self.replacing("223120200000000002", with: "2231", in: financing))
        #expect(r?.code == Codes.invalidField)
        #expect(r?.message.hasPrefix("pledges[1].declaration.number: ") == true, "\(String(describing: r))")

        // Item 731 of a 1,000-declaration batch.
        let code = try #require(CreditCode.checkCharacter(for: "91310000MA1FL0002"))
        let published: [[String: Any]] = (0..<TradeLimits.maxDeclarationsPerBatch).map { i in
            var d = Self.declaration(0)
            d["number"] = String(format: "2231202%011d", i)
            d["commitment"] = d.removeValue(forKey: "documentDigest")
            d["exporter"] = i == 730 ? "91310000MA1FL0002\(code)" : Self.good
            return d
        }
        let batch = try Self.canonical("declaration.publish", ["declarations": published])
        let wrong = code == "P" ? "Q" : "P"
        let b = Self.admission("declaration.publish", Self.replacing("91310000MA1FL0002\(code)", with: "91310000MA1FL0002\(wrong)", in: batch))
        #expect(b?.code == Codes.invalidField)
        #expect(b?.message.hasPrefix("declarations[730].exporter: check character") == true, "\(String(describing: b))")

        // Mortgage bodies: the second owner of a unit, the first mortgagor of an application.
        let f = try MortgageFixture()
        let register = f.registration(f.unit1, title: "T-1", owners: [f.owner(f.owner1ID, f.owner1), f.owner(f.debtorID, f.owner2)])
        let debtor = f.debtorCode.value, badCode = String(debtor.dropLast()) + (debtor.last == "P" ? "Q" : "P")
        let o = Self.admission(RegisterProperty.type, Self.replacing(debtor, with: badCode, in: register.canonicalBytes))
        #expect(o?.code == Codes.invalidField)
        #expect(o?.message.hasPrefix("owners[1].creditCode: ") == true, "\(String(describing: o))")
        let apply = f.signedApplication(bank: f.bankA)
        let m = Self.admission(MortgageApplication.type, Self.replacing("CNY", with: "CNX", in: apply.canonicalBytes))
        #expect(m?.code == Codes.invalidField)
        #expect(m?.message.hasPrefix("principal.currency: ") == true, "\(String(describing: m))")

        // A governance action's list.
        let add = try Self.canonical("governance.propose", ["description": "", "action": [
            "type": "member.add", "name": "Registry E", "role": "registry", "authorities": ["realEstate", "trade"],
            "publicKey": MortgageFixture.key(9).publicKey.text, "address": "https://e.example:26601", "power": 0]])
        let g = Self.admission("governance.propose", Self.replacing("trade", with: "tread", in: add))
        #expect(g?.code == Codes.invalidField)
        #expect(g?.message.hasPrefix("action.authorities[1]: ") == true, "\(String(describing: g))")
    }

    /// Bytes that are no encoding of the type are `MALFORMED_BODY`, still naming where the decoder was.
    @Test func aMalformedCanonicalBodyNamesWhereItBroke() throws {
        let pledges: [[String: Any]] = (1...2).map { ["declaration": Self.declaration($0), "amount": ["minorUnits": 100, "currency": "USD"]] }
        let financing = try Self.canonical("financing.record", ["exporter": Self.good, "amount": ["minorUnits": 200, "currency": "USD"], "pledges": pledges])
        // The second pledge's amount currency stretched past its 8-byte bound.
        var w = CanonicalWriter()
        w.i64(100)
        w.string("USD")
        let lastAmount = w.bytes
        let i = try #require((0...(financing.count - lastAmount.count)).last { Array(financing[$0..<$0 + lastAmount.count]) == lastAmount })
        var long = financing
        long.replaceSubrange(i..<i + lastAmount.count, with: lastAmount.dropLast(7) + [0, 0, 0, 9] + Array("USDUSDUSD".utf8))
        let r = Self.admission("financing.record", long)
        #expect(r?.code == Codes.malformedBody)
        #expect(r?.message.hasPrefix("pledges[1].amount.currency: longer than 8 bytes") == true, "\(String(describing: r))")
        // Cut inside the second pledge's declaration.
        let cut = Self.admission("financing.record", Array(financing.prefix(financing.count - 60)))
        #expect(cut?.code == Codes.malformedBody)
        #expect(cut?.message.hasPrefix("pledges[1].") == true, "\(String(describing: cut))")
        // Trailing bytes after a whole body.
        let trailing = Self.admission("financing.record", financing + [0])
        #expect(trailing?.code == Codes.malformedBody)
        #expect(trailing?.message.hasPrefix("body: 1 trailing bytes") == true, "\(String(describing: trailing))")
    }
}
