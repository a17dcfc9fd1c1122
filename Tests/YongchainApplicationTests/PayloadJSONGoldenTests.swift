import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// The JSON of every transaction body and of the records the API shows, byte for byte. These strings were
/// written by the hand-made `Codable` code that `Hash`/`PublicKey`'s own conformances replaced (the owners' and
/// mortgagors' since issue 27: commitments, no names): if one changes, clients that read or sign these bodies break.
@Suite struct PayloadJSONGoldenTests {
    static func key(_ n: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: n, count: 32)) }
    static func digest(_ s: String) -> Hash { HashSuite.sha256.digest(Array(s.utf8)) }
    static func cny(_ minor: Int64) -> Money { try! Money(minorUnits: minor, currency: try! Currency("CNY")) }
    static func code(_ first17: String) -> CreditCode { try! CreditCode(first17 + String(CreditCode.checkCharacter(for: first17)!)) }
    /// A person as the chain holds them: the commitment of `first17`'s identity number and a salt of sixteen 0xa1.
    static func resident(_ first17: String) -> ChainIdentity {
        .person(try! PersonOpening(id: ResidentID(first17 + String(ResidentID.checkCharacter(for: first17)!)),
                                   salt: [UInt8](repeating: 0xa1, count: 16)), suite: .sha256)
    }

    /// One value of every type whose JSON the API reads or writes, by name.
    static func samples() throws -> [(String, any Encodable)] {
        let unit = try UnitNumber("320505001001GB00001F00010001")
        let owner = resident("11010519491231002")
        let exporter = code("91310000MA1FL0001")
        let fields = DeclarationFields(number: try DeclarationNumber("223120200000000001"), exporter: exporter, amount: cny(100_000),
                                       exportDate: 20200315, documentDigest: digest("declaration document"))
        var app = MortgageApplication(unitNumber: unit, mortgagee: key(3).publicKey, mortgagors: [owner],
                                      debtor: MortgageDebtor(organisation: code("91320505MA1XXXXX0"), name: "Debtor Ltd"),
                                      principal: cny(150_000_000), term: MortgageTerm(start: try .init("2020-06-01"), end: try .init("2040-05-31")),
                                      mortgageType: .maximumAmount, contractHash: digest("contract"))
        try app.sign(for: owner, with: key(11), chainID: "golden")
        return [
            ("enterprise.register", RegisterEnterprise(creditCode: exporter, name: "Exporter X Ltd", publicKey: key(21).publicKey)),
            ("property.register", RegisterProperty(unitNumber: unit, titleCertificateNumber: "苏(2019)苏州市不动产权第0000001号",
                                                   owners: [PropertyOwner(id: owner, publicKey: key(11).publicKey)],
                                                   area: 8950, use: "residential")),
            ("property.seize", SeizeProperty(unitNumber: unit, courtOrder: "(2020)苏05执123号")),
            ("property.release", ReleaseProperty(unitNumber: unit, courtOrder: "(2020)苏05执124号")),
            ("mortgage.apply", app),
            ("mortgage.approve", ApproveMortgage(applicationId: digest("application"))),
            ("mortgage.reject", RejectMortgage(applicationId: digest("application"), reason: "产权人身份证已过期")),
            ("mortgage.discharge", DischargeMortgage(applicationId: digest("application"))),
            ("mortgage.registerDischarge", RegisterDischarge(applicationId: digest("application"))),
            ("declaration.publish", PublishDeclarations(declarations: [PublishedDeclaration(fields, suite: .sha256)])),
            ("financing.record", RecordFinancing(exporter: exporter, amount: cny(80_000), pledges: [PledgeRequest(declaration: fields, amount: cny(100_000))])),
            ("financing.repay", RepayFinancing(financingId: digest("financing"), amount: cny(1))),
            ("authorization.grant", GrantAuthorization(bank: key(4).publicKey, expiresAt: 1_700_000_000_000)),
            ("authorization.revoke", RevokeAuthorization(bank: key(4).publicKey)),
            ("creditQuery.record", RecordCreditQuery(enterprise: exporter, purpose: "pre-loan review 贷前审查")),
            ("governance.propose", ProposeGovernance(action: .addMember(NewMember(name: "Bank E", role: .bank, publicKey: key(5).publicKey,
                                                                                  address: "https://bank-e.example:26601", power: 0)),
                                                     description: "admit Bank E")),
            ("governance.vote", VoteGovernance(proposal: 7, approve: true)),
            ("Member", Member(name: "Bank A", role: .bank, authorities: [], publicKey: key(3).publicKey, address: "http://10.0.0.3:26601")),
            ("Enterprise", Enterprise(creditCode: exporter, name: "Exporter X Ltd", publicKey: key(21).publicKey, registeredAt: 7)),
            ("PrecheckRequest", PrecheckRequest(declarations: [PrecheckItem(number: fields.number, fields: fields)])),
        ]
    }

    static let golden: [String: String] = [
        "enterprise.register": #"{"creditCode":"91310000MA1FL0001R","name":"Exporter X Ltd","publicKey":"ed25519:d54207da194977dcf46adbfec2bc2e75b52d5a8a42184fedfdc00024f0e3e8da"}"#,
        "property.register": #"{"area":8950,"owners":[{"commitment":"cb165f090ac59359ac42647f7deb10d4c0d43fe57cea6961232ba3de7d8bb009","publicKey":"ed25519:66be7e332c7a453332bd9d0a7f7db055f5c5ef1a06ada66d98b39fb6810c473a"}],"titleCertificateNumber":"苏(2019)苏州市不动产权第0000001号","unitNumber":"320505001001GB00001F00010001","use":"residential"}"#,
        "property.seize": #"{"courtOrder":"(2020)苏05执123号","unitNumber":"320505001001GB00001F00010001"}"#,
        "property.release": #"{"courtOrder":"(2020)苏05执124号","unitNumber":"320505001001GB00001F00010001"}"#,
        "mortgage.apply": #"{"contractHash":"cc8321d6375c494d043fdd0260f21bc0ec51dacc9f6abb7f909cdcd3041b78bf","debtor":{"creditCode":"91320505MA1XXXXX0T","name":"Debtor Ltd"},"mortgageType":"maximumAmount","mortgagee":"ed25519:ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1","mortgagors":[{"commitment":"cb165f090ac59359ac42647f7deb10d4c0d43fe57cea6961232ba3de7d8bb009","signature":"e124854006793d737a533e8a581ff4ba00feec1438cb0e5e72268a6065c2d18bbdc9ad6171c677caa5f1dda661b406bd4e7b13ea23f8107ab3392964119b8e09"}],"principal":{"currency":"CNY","minorUnits":150000000},"term":{"end":"2040-05-31","start":"2020-06-01"},"unitNumber":"320505001001GB00001F00010001"}"#,
        "mortgage.approve": #"{"applicationId":"1fe289205936c3fdb61158223892c7a8bee6ff4dfa085ea1c094ce0294e32114"}"#,
        "mortgage.reject": #"{"applicationId":"1fe289205936c3fdb61158223892c7a8bee6ff4dfa085ea1c094ce0294e32114","reason":"产权人身份证已过期"}"#,
        "mortgage.discharge": #"{"applicationId":"1fe289205936c3fdb61158223892c7a8bee6ff4dfa085ea1c094ce0294e32114"}"#,
        "mortgage.registerDischarge": #"{"applicationId":"1fe289205936c3fdb61158223892c7a8bee6ff4dfa085ea1c094ce0294e32114"}"#,
        "declaration.publish": #"{"declarations":[{"amount":{"currency":"CNY","minorUnits":100000},"commitment":"d86a41b0fae81e26023f3a432ea39fca68a519b89ec3870e1d929e7fc2deddf5","exportDate":20200315,"exporter":"91310000MA1FL0001R","number":"223120200000000001"}]}"#,
        "financing.record": #"{"amount":{"currency":"CNY","minorUnits":80000},"exporter":"91310000MA1FL0001R","pledges":[{"amount":{"currency":"CNY","minorUnits":100000},"declaration":{"amount":{"currency":"CNY","minorUnits":100000},"documentDigest":"25d40f166e90efee3b28aac28c1d706bc076641a2bf4d0233f4ab55e9c09bc94","exportDate":20200315,"exporter":"91310000MA1FL0001R","number":"223120200000000001"}}]}"#,
        "financing.repay": #"{"amount":{"currency":"CNY","minorUnits":1},"financingId":"e4e3e15eef8decf5c31a7cc0112391071dd5542b45034ca8faec6df69cb57101"}"#,
        "authorization.grant": #"{"bank":"ed25519:ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c","expiresAt":1700000000000}"#,
        "authorization.revoke": #"{"bank":"ed25519:ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c"}"#,
        "creditQuery.record": #"{"enterprise":"91310000MA1FL0001R","purpose":"pre-loan review 贷前审查"}"#,
        "governance.propose": #"{"action":{"address":"https://bank-e.example:26601","authorities":[],"name":"Bank E","power":0,"publicKey":"ed25519:6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1","role":"bank","type":"member.add"},"description":"admit Bank E"}"#,
        "governance.vote": #"{"approve":true,"proposal":7}"#,
        "Member": #"{"address":"http://10.0.0.3:26601","authorities":[],"name":"Bank A","publicKey":"ed25519:ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1","role":"bank"}"#,
        "Enterprise": #"{"creditCode":"91310000MA1FL0001R","name":"Exporter X Ltd","publicKey":"ed25519:d54207da194977dcf46adbfec2bc2e75b52d5a8a42184fedfdc00024f0e3e8da","registeredAt":7}"#,
        "PrecheckRequest": #"{"declarations":[{"fields":{"amount":{"currency":"CNY","minorUnits":100000},"documentDigest":"25d40f166e90efee3b28aac28c1d706bc076641a2bf4d0233f4ab55e9c09bc94","exportDate":20200315,"exporter":"91310000MA1FL0001R","number":"223120200000000001"},"number":"223120200000000001"}]}"#,
    ]

    @Test func jsonOfEveryBodyAndRecordIsByteForByteAsBefore() throws {
        let samples = try Self.samples()
        #expect(Set(samples.map(\.0)) == Set(Self.golden.keys))
        for (name, value) in samples {
            let json = String(decoding: try SortedJSON.encode(value), as: UTF8.self)
            #expect(json == Self.golden[name], "\(name): \(json)")
        }
    }

    /// Every transaction body reads its golden JSON back into the same canonical body.
    @Test func goldenBodiesDecodeToTheSameValue() throws {
        for (name, value) in try Self.samples() {
            guard let p = value as? any Payload else { continue }
            let body = try LedgerApplication.canonicalBody(type: name, json: Array(Self.golden[name]!.utf8))
            #expect(body == p.canonicalBytes, "\(name)")
        }
    }

    /// A malformed hash or key is refused with the field's JSON path and a sentence saying what was expected.
    @Test func malformedHashesAndKeysNameTheirField() throws {
        func refusal(_ type: String, _ json: String) -> ValidationError? {
            do {
                _ = try LedgerApplication.canonicalBody(type: type, json: Array(json.utf8))
                return nil
            } catch {
                return error as? ValidationError
            }
        }
        let hashError = "not a hash (expected 64 hex digits)"
        let keyError = "not a public key (expected ed25519:<64 hex> or sm2:<130 hex>)"
        #expect(refusal("mortgage.approve", #"{"applicationId":"00"}"#) == ValidationError(field: "applicationId", message: hashError))
        #expect(refusal("financing.repay", #"{"financingId":"xyz","amount":{"currency":"CNY","minorUnits":1}}"#)
                == ValidationError(field: "financingId", message: hashError))
        #expect(refusal("authorization.revoke", #"{"bank":"ed25519:00"}"#) == ValidationError(field: "bank", message: keyError))
        let owners = #"{"area":1,"owners":[{"commitment":"\#(Self.digest("a").hex)","publicKey":"ed25519:\#(Self.key(1).publicKey.text.dropFirst(8))"},{"creditCode":"\#(Self.code("91320505MA1XXXXX0").value)","publicKey":"rsa:00"}],"titleCertificateNumber":"t","unitNumber":"320505001001GB00001F00010001","use":"r"}"#
        #expect(refusal("property.register", owners) == ValidationError(field: "owners[1].publicKey", message: keyError))
        let published = Self.golden["declaration.publish"]!.replacingOccurrences(of: "\"commitment\":\"d8", with: "\"commitment\":\"zz")
        #expect(refusal("declaration.publish", published) == ValidationError(field: "declarations[0].commitment", message: hashError))
        // Either case of hex is read, as before; the API writes lower case.
        let upper = #"{"applicationId":"\#(Self.digest("application").hex.uppercased())"}"#
        #expect(try LedgerApplication.canonicalBody(type: "mortgage.approve", json: Array(upper.utf8))
                == ApproveMortgage(applicationId: Self.digest("application")).canonicalBytes)
    }
}

