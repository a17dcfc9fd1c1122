import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// The bodies' two encodings, their validation, and the consent bytes.
@Suite struct MortgagePayloadTests {
    static func roundTrip<P: Payload & Equatable>(_ p: P) throws {
        let json = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(P.self, from: json) == p, "\(P.type) JSON: \(String(decoding: json, as: UTF8.self))")
        #expect(try P(canonical: p.canonicalBytes) == p, "\(P.type) canonical")
        try p.validate()
        // Trailing bytes would give one body two encodings.
        #expect(throws: EncodingError.self) { try P(canonical: p.canonicalBytes + [0]) }
    }

    @Test func everyPayloadRoundTripsThroughJSONAndCanonicalBytes() throws {
        let f = try MortgageFixture()
        try Self.roundTrip(f.registration(f.unit2, title: "苏(2019)苏州市不动产权第0000002号",
                                          owners: [f.owner(f.owner1ID, f.owner1), f.owner(f.debtorID, f.owner2)]))
        var a = f.application(f.unit2, bank: f.bankA, mortgagors: [f.owner1ID, f.owner2ID])
        try Self.roundTrip(a) // unsigned
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        a.mortgageType = .maximumAmount
        try Self.roundTrip(a)
        a.debtor = MortgageDebtor(person: HashSuite.sha256.digest([9])) // a person debtor: a commitment, no name
        try Self.roundTrip(a)
        let id = HashSuite.sha256.digest([7])
        try Self.roundTrip(ApproveMortgage(applicationId: id))
        try Self.roundTrip(RejectMortgage(applicationId: id, reason: "产权人身份证已过期"))
        try Self.roundTrip(DischargeMortgage(applicationId: id))
        try Self.roundTrip(RegisterDischarge(applicationId: id))
        try Self.roundTrip(SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号"))
        try Self.roundTrip(ReleaseProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号之一"))
    }

    /// An owner listed twice (by identity) or two owners with one key are refused naming the later one, the
    /// identity checked first; seeded lists of up to 16 owners drawn from few identities and keys, against sets.
    @Test func aRegistrationsOwnersAreDistinctInIdentityAndKey() throws {
        let f = try MortgageFixture()
        let ids = [f.owner1ID, f.owner2ID, f.debtorID], keys = [f.owner1, f.owner2, f.bankA]
        var state: UInt64 = 0x0A11_0C7
        func draw(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var refused = Set<String>()
        for _ in 0..<2_000 {
            let owners = (0..<(1 + draw(16))).map { _ in f.owner(ids[draw(3)], keys[draw(3)]) }
            // The reference: the first owner whose identity, then key, an earlier owner already has.
            var seenIDs = Set<ChainIdentity>(), seenKeys = Set<PublicKey>(), expected: String?
            for (i, o) in owners.enumerated() where expected == nil {
                if !seenIDs.insert(o.id).inserted { expected = "owners[\(i)].\(o.id.field)"; break }
                if !seenKeys.insert(o.publicKey).inserted { expected = "owners[\(i)].publicKey" }
            }
            var got: String?
            do { try f.registration(f.unit1, title: "T-1", owners: owners).validate() } catch let e as ValidationError { got = e.field }
            #expect(got == expected, "\(owners.map { "\($0.id) \($0.publicKey.keyID.prefix(4))" })")
            if let got { refused.insert(String(got.drop(while: { $0 != "." }))) }
        }
        #expect(refused == [".commitment", ".creditCode", ".publicKey"])
    }

    @Test func applicationJSONShape() throws {
        let f = try MortgageFixture()
        let json = """
        {"unitNumber": "320505001001GB00001F00010001", "mortgagee": "\(f.bankA.publicKey.text)",
         "mortgagors": [{"commitment": "\(MortgageFixture.owner1Opening.commitment(.sha256).hex)"}],
         "debtor": {"creditCode": "\(f.debtorCode.value)", "name": "Suzhou Widget Co., Ltd."},
         "principal": {"minorUnits": 150000000, "currency": "CNY"},
         "term": {"start": "2020-06-01", "end": "2030-05-31"}, "mortgageType": "general",
         "contractHash": "\(HashSuite.sha256.digest(Array("contract for 320505001001GB00001F00010001 150000000".utf8)).hex)"}
        """
        let decoded = try JSONDecoder().decode(MortgageApplication.self, from: Data(json.utf8))
        #expect(decoded == f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID]))
        #expect(decoded.principal.description == "1500000.00 CNY")
    }

    /// Reads `json` as a `P` body the way the API and the CLI do, and returns the field the `ValidationError` names.
    static func badField<P: Payload>(_ type: P.Type, _ json: String) -> String? {
        do {
            _ = try LedgerApplication.canonicalBody(type: P.type, json: Array(json.utf8))
            return nil
        } catch let e as ValidationError {
            return e.field
        } catch {
            return "not a ValidationError: \(error)"
        }
    }

    @Test func jsonValidationErrorsNameTheField() throws {
        let f = try MortgageFixture()
        var good = try JSONSerialization.jsonObject(with: JSONEncoder().encode(f.signedApplication(bank: f.bankA))) as! [String: Any]
        func with(_ edit: (inout [String: Any]) -> Void) -> String {
            var o = good
            edit(&o)
            return String(decoding: try! JSONSerialization.data(withJSONObject: o), as: UTF8.self)
        }
        #expect(Self.badField(MortgageApplication.self, with { _ in }) == nil)
        #expect(Self.badField(MortgageApplication.self, with { $0["unitNumber"] = "320505001001XB00001F00010001" }) == "unitNumber")
        #expect(Self.badField(MortgageApplication.self, with { $0["unitNumber"] = "32050500100" }) == "unitNumber")
        #expect(Self.badField(MortgageApplication.self, with { $0["principal"] = ["minorUnits": 0, "currency": "CNY"] }) == "principal.minorUnits")
        #expect(Self.badField(MortgageApplication.self, with { $0["principal"] = ["minorUnits": -5, "currency": "CNY"] }) == "principal.minorUnits")
        #expect(Self.badField(MortgageApplication.self, with { $0["principal"] = ["minorUnits": 100, "currency": "XYZ"] }) == "principal.currency")
        #expect(Self.badField(MortgageApplication.self, with { $0["term"] = ["start": "2020-02-30", "end": "2030-01-01"] }) == "term.start")
        #expect(Self.badField(MortgageApplication.self, with { $0["mortgageType"] = "floating" }) == "mortgageType")
        #expect(Self.badField(MortgageApplication.self, with { $0["contractHash"] = "abc" }) == "contractHash")
        #expect(Self.badField(MortgageApplication.self, with { $0["mortgagee"] = "rsa:00" }) == "mortgagee")
        #expect(Self.badField(MortgageApplication.self, with {
            $0["debtor"] = ["creditCode": "91320505MA1XXXXX0Z", "name": "x"]
        }) == "debtor.creditCode")
        let commitment = MortgageFixture.owner1Opening.commitment(.sha256).hex
        // A person debtor has no name on chain.
        #expect(Self.badField(MortgageApplication.self, with { $0["debtor"] = ["commitment": commitment, "name": "Li Wei"] }) == "debtor.name")
        #expect(Self.badField(MortgageApplication.self, with { $0["debtor"] = ["creditCode": f.debtorCode.value] }) == "debtor.name")
        // Identity numbers are not a form the chain takes: the old fields alone are a missing commitment.
        #expect(Self.badField(MortgageApplication.self, with {
            $0["mortgagors"] = [["idType": "residentId", "idNumber": MortgageFixture.owner1Opening.id.value, "signature": ""]]
        }) == "mortgagors[0].commitment")
        #expect(Self.badField(MortgageApplication.self, with { $0["mortgagors"] = [["commitment": "abc"]] }) == "mortgagors[0].commitment")
        #expect(Self.badField(MortgageApplication.self, with {
            $0["mortgagors"] = [["commitment": commitment, "creditCode": f.debtorCode.value]]
        }) == "mortgagors[0].commitment")
        #expect(Self.badField(MortgageApplication.self, with {
            $0["mortgagors"] = [["commitment": commitment, "signature": "zz"]]
        }) == "mortgagors[0].signature")
        good["unitNumber"] = "320505001001GB00001W00010001"
        #expect(Self.badField(MortgageApplication.self, with { _ in }) == "unitNumber")

        let owners = """
        {"unitNumber": "320505001001GB00001F00010001", "titleCertificateNumber": "T-1", "area": 8950, "use": "residential",
         "owners": [{"commitment": "\(commitment)", "publicKey": "\(f.owner1.publicKey.text)"},
                    {"creditCode": "91320505MA1XXXXX0Z", "publicKey": "\(f.owner2.publicKey.text)"}]}
        """
        #expect(Self.badField(RegisterProperty.self, owners) == "owners[1].creditCode")
        #expect(Self.badField(SeizeProperty.self, #"{"unitNumber": "320505001001GB00001F0001000A", "courtOrder": "C"}"#) == "unitNumber")
        #expect(Self.badField(ApproveMortgage.self, #"{"applicationId": "00"}"#) == "applicationId")
    }

    @Test func validateNamesTheField() throws {
        let f = try MortgageFixture()
        func field(_ p: some Payload) -> String? {
            do { try p.validate(); return nil } catch let e as ValidationError { return e.field } catch { return "\(error)" }
        }
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID, f.owner1ID])
        #expect(field(a) == "mortgagors[1].commitment")
        a = f.application(f.unit1, bank: f.bankA, mortgagors: [])
        #expect(field(a) == "mortgagors")
        a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        a.term = MortgageTerm(start: try .init("2030-01-01"), end: try .init("2020-01-01"))
        #expect(field(a) == "term.end")
        a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        a.debtor = MortgageDebtor(organisation: f.debtorCode, name: "")
        #expect(field(a) == "debtor.name")

        var r = f.registration(f.unit1, title: "", owners: [f.owner(f.owner1ID, f.owner1)])
        #expect(field(r) == "titleCertificateNumber")
        r = f.registration(f.unit1, title: "T", owners: [])
        #expect(field(r) == "owners")
        r = f.registration(f.unit1, title: "T", owners: [f.owner(f.owner1ID, f.owner1), f.owner(f.owner2ID, f.owner1)])
        #expect(field(r) == "owners[1].publicKey")
        r = f.registration(f.unit1, title: "T", owners: [f.owner(f.owner1ID, f.owner1), f.owner(f.owner1ID, f.owner2)])
        #expect(field(r) == "owners[1].commitment")
        r = f.registration(f.unit1, title: "T", owners: [f.owner(f.owner1ID, f.owner1)])
        r.area = 0
        #expect(field(r) == "area")
        #expect(field(RejectMortgage(applicationId: .zero, reason: "")) == "reason")
        #expect(field(SeizeProperty(unitNumber: f.unit1, courtOrder: String(repeating: "x", count: 101))) == "courtOrder")
    }

    @Test func onChainBodiesFailingValidationAreRejectedNamingTheField() throws {
        let f = try MortgageFixture()
        // A hand-made body whose unit number breaks the GB/T 37346 layout (fixture code X).
        var w = CanonicalWriter()
        w.string("320505001001GB00001X00010001")
        w.string("C-1")
        let tx = Transaction.signed(type: SeizeProperty.type, body: w.bytes, nonce: 1, key: f.registry, chainID: MortgageFixture.chainID)
        let r = f.run(tx)
        #expect(r.code == Codes.invalidField)
        #expect(r.message.hasPrefix("unitNumber: "))

        let empty = f.run(RejectMortgage(applicationId: .zero, reason: ""), by: f.registry)
        #expect(empty.code == Codes.invalidField)
        #expect(empty.message.hasPrefix("reason:"))

        var dup = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID, f.owner1ID])
        try dup.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        #expect(f.run(dup, by: f.bankA).message.hasPrefix("mortgagors[1].commitment:"))
    }

    @Test func consentBytesBindChainDomainAndContentButNotSignatures() throws {
        let f = try MortgageFixture()
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        let unsigned = a.consentBytes(chainID: "c1")
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: "c1")
        #expect(a.consentBytes(chainID: "c1") == unsigned)
        #expect(a.consentBytes(chainID: "c2") != unsigned)
        #expect(unsigned.starts(with: Domain.consent.signingBytes(chainID: "c1", message: [])))
        #expect(f.owner1.publicKey.verify(signature: a.mortgagors[0].signature, message: unsigned))
        var other = a
        other.mortgagee = f.bankB.publicKey
        #expect(other.consentBytes(chainID: "c1") != unsigned)
        #expect(throws: ValidationError.self) { try a.sign(for: f.strangerID, with: f.stranger, chainID: "c1") }
    }

    @Test func termDays() throws {
        #expect(try MortgageTerm.Day("2020-02-29").description == "2020-02-29")
        #expect(throws: ValidationError.self) { try MortgageTerm.Day("2021-02-29") }
        #expect(throws: ValidationError.self) { try MortgageTerm.Day("1900-02-29") }
        #expect(throws: ValidationError.self) { try MortgageTerm.Day("2020-1-01") }
        #expect(throws: ValidationError.self) { try MortgageTerm.Day("+020-01-01") }
        #expect(throws: ValidationError.self) { try MortgageTerm.Day("2020-13-01") }
        #expect(try MortgageTerm.Day("2000-02-29") < MortgageTerm.Day("2000-03-01"))
    }

    @Test func blockYearIsTheUTCYear() {
        #expect(mortgageUTCYear(ofMilliseconds: 0) == 1970)
        #expect(mortgageUTCYear(ofMilliseconds: -1) == 1969)
        #expect(mortgageUTCYear(ofMilliseconds: 1_577_836_799_999) == 2019) // 2019-12-31T23:59:59.999Z
        #expect(mortgageUTCYear(ofMilliseconds: 1_577_836_800_000) == 2020)
        #expect(mortgageUTCYear(ofMilliseconds: 1_583_020_800_000) == 2020) // 2020-03-01, after a leap day
        #expect(mortgageUTCYear(ofMilliseconds: 4_102_444_800_000) == 2100)
        #expect(MortgageFixture.june2020 == 1_590_969_600_000 && mortgageUTCYear(ofMilliseconds: MortgageFixture.june2020) == 2020)
    }
}
