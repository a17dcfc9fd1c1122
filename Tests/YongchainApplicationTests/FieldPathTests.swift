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
}
