import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// The grey-list's bodies: canonical bytes and JSON both ways, and refusals naming the field
/// (docs/transactions.md, "Grey-list"); the subject's VRF input against docs/vrf-vectors.json.
@Suite struct GreylistPayloadTests {
    typealias F = GreylistFixture
    let s1 = F.subject(1), s2 = F.subject(2, version: 2)

    var every: [any Payload] {
        [ReportSubject(subject: s1, category: .shellEnterprise, evidenceHash: F.digest("e")),
         ReviewReport(report: F.digest("r"), decision: .publish(.moneyLaundering), decisionHash: F.digest("d")),
         ReviewReport(report: F.digest("r"), decision: .reject(.wrongSubject), decisionHash: F.digest("d")),
         RenewEntry(subject: s1),
         WithdrawEntry(subject: s1, reason: .reporterRetracted, decisionHash: F.digest("d")),
         AppealListing(subject: s1, evidenceHash: F.digest("e")),
         DecideAppeal(appeal: F.digest("a"), upheld: true, decisionHash: F.digest("d")),
         CheckApplicant(subjects: [s1, s2], purpose: .customerReview),
         RecordCheckOutcome(check: F.digest("c"), stopped: true),
         SweepGreylist(entries: [s1], checks: [F.digest("c")]),
         RekeyEntries(moves: [.init(from: s1, to: s2)]),
         RetireVRFKey(keyVersion: 1)]
    }

    func roundTrip<P: Payload & Equatable>(_ p: P) throws {
        #expect(try P(canonical: p.canonicalBytes) == p, "\(P.type)")
        let json = try SortedJSON.encode(p)
        #expect(try LedgerApplication.canonicalBody(type: P.type, json: json) == p.canonicalBytes, "\(P.type)")
        #expect(LedgerApplication.jsonBody(type: P.type, body: p.canonicalBytes) == json, "\(P.type)")
    }

    @Test func everyBodyRoundTripsCanonicallyAndInJSON() throws {
        for p in every {
            switch p {
            case let p as ReportSubject: try roundTrip(p)
            case let p as ReviewReport: try roundTrip(p)
            case let p as RenewEntry: try roundTrip(p)
            case let p as WithdrawEntry: try roundTrip(p)
            case let p as AppealListing: try roundTrip(p)
            case let p as DecideAppeal: try roundTrip(p)
            case let p as CheckApplicant: try roundTrip(p)
            case let p as RecordCheckOutcome: try roundTrip(p)
            case let p as SweepGreylist: try roundTrip(p)
            case let p as RekeyEntries: try roundTrip(p)
            case let p as RetireVRFKey: try roundTrip(p)
            default: Issue.record("no round trip for \(type(of: p))")
            }
        }
        #expect(Set(every.map { type(of: $0).type }) == Set(Greylist.handlers.map(\.type)))
    }

    @Test func theDocumentedBytes() {
        // subject = u32(keyVersion) ‖ hash(pseudonym); review = hash ‖ u8 decision ‖ u8 category or reason ‖ hash.
        let subject = "00000001" + s1.pseudonym.hex
        #expect(Hex.encode(RenewEntry(subject: s1).canonicalBytes) == subject)
        #expect(Hex.encode(ReportSubject(subject: s1, category: .shellEnterprise, evidenceHash: .zero).canonicalBytes) == subject + "05" + Hash.zero.hex)
        #expect(Hex.encode(ReviewReport(report: .zero, decision: .reject(.duplicate), decisionHash: .zero).canonicalBytes) == Hash.zero.hex + "0204" + Hash.zero.hex)
        #expect(Hex.encode(CheckApplicant(subjects: [s1], purpose: .accountOpening).canonicalBytes) == "00000001" + subject + "01")
        #expect(Hex.encode(RetireVRFKey(keyVersion: 258).canonicalBytes) == "00000102")
    }

    @Test func reviewJSONNamesItsDecisionAndOnlyItsField() throws {
        let publish = #"{"decision":"publish","category":"falseIdentity","decisionHash":"\#(Hash.zero.hex)","report":"\#(Hash.zero.hex)"}"#
        #expect(try ReviewReport(canonical: LedgerApplication.canonicalBody(type: ReviewReport.type, json: Array(publish.utf8))).decision == .publish(.falseIdentity))
        for (json, field) in [
            (#"{"decision":"publish","reason":"duplicate","category":"falseIdentity","decisionHash":"\#(Hash.zero.hex)","report":"\#(Hash.zero.hex)"}"#, "reason"),
            (#"{"decision":"reject","reason":"duplicate","category":"falseIdentity","decisionHash":"\#(Hash.zero.hex)","report":"\#(Hash.zero.hex)"}"#, "category"),
            (#"{"decision":"maybe","decisionHash":"\#(Hash.zero.hex)","report":"\#(Hash.zero.hex)"}"#, "decision"),
            (#"{"decision":"publish","category":"gossip","decisionHash":"\#(Hash.zero.hex)","report":"\#(Hash.zero.hex)"}"#, "category"),
            (#"{"decision":"publish","category":"falseIdentity","report":"\#(Hash.zero.hex)"}"#, "decisionHash"),
        ] {
            #expect(performing: { try LedgerApplication.canonicalBody(type: ReviewReport.type, json: Array(json.utf8)) },
                    throws: { ($0 as? ValidationError)?.field == field })
        }
    }

    @Test func fieldRulesAreInvalidFieldNamingThePath() {
        let f = F()
        func code<P: Payload>(_ p: P) -> TxResult? { f.admit(p, by: f.supervisor) }
        let zeroVersion = GreylistSubject(keyVersion: 0, pseudonym: .zero)
        for (r, field) in [
            (code(RenewEntry(subject: zeroVersion)), "subject.keyVersion"),
            (code(CheckApplicant(subjects: [], purpose: .accountOpening)), "subjects"),
            (code(SweepGreylist(entries: [], checks: [])), "entries"),
            (code(SweepGreylist(entries: [s1, s2, s1], checks: [])), "entries[2]"),
            (code(SweepGreylist(entries: [], checks: [.zero, .zero])), "checks[1]"),
            (code(SweepGreylist(entries: (0..<600).map { F.subject($0) }, checks: (0..<401).map { F.digest("\($0)") })), "entries"),
            (code(RekeyEntries(moves: [])), "moves"),
            (code(RekeyEntries(moves: [.init(from: s1, to: s2), .init(from: F.subject(3), to: s2)])), "moves[1].to"),
            (code(RetireVRFKey(keyVersion: 0)), "keyVersion"),
        ] as [(TxResult?, String)] {
            #expect(r?.code == Codes.invalidField && r?.message.hasPrefix(field + ":") == true, "\(field): \(String(describing: r))")
        }
    }

    @Test func tagsWithNoMeaningAreMalformed() {
        let f = F()
        var body = ReportSubject(subject: s1, category: .fraudAccountOpening, evidenceHash: .zero).canonicalBytes
        body[36] = 6  // the category byte: 1 to 5
        let r = f.app.check(Transaction.signed(type: ReportSubject.type, body: body, nonce: 1, key: f.bankA, chainID: F.chainID), state: f.state)
        #expect(r?.code == Codes.malformedBody && r?.message.hasPrefix("category:") == true, "\(String(describing: r))")
        var review = ReviewReport(report: .zero, decision: .publish(.fraudAccountOpening), decisionHash: .zero).canonicalBytes
        review[32] = 3
        let r2 = f.app.check(Transaction.signed(type: ReviewReport.type, body: review, nonce: 1, key: f.supervisor, chainID: F.chainID), state: f.state)
        #expect(r2?.code == Codes.malformedBody && r2?.message.hasPrefix("decision:") == true, "\(String(describing: r2))")
        // A count beyond the list's bound is an encoding no body can have: 3 subjects where 1 or 2 fit.
        let three = CheckApplicant(subjects: [s1, s1, s2], purpose: .accountOpening).canonicalBytes
        let r3 = f.app.check(Transaction.signed(type: CheckApplicant.type, body: three, nonce: 1, key: f.bankA, chainID: F.chainID), state: f.state)
        #expect(r3?.code == Codes.malformedBody && r3?.message.hasPrefix("subjects:") == true, "\(String(describing: r3))")
        let trailing = RenewEntry(subject: s1).canonicalBytes + [0]
        #expect(f.app.check(Transaction.signed(type: RenewEntry.type, body: trailing, nonce: 1, key: f.supervisor, chainID: F.chainID), state: f.state)?.code == Codes.malformedBody)
    }

    /// The app's encoder of alpha is the one docs/greylist.md specifies: docs/vrf-vectors.json's subjects.
    @Test func subjectAlphaAndPseudonymMatchTheVRFVectors() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/vrf-vectors.json")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let subjects = try #require(doc["greylistSubjects"] as? [[String: Any]])
        #expect(subjects.count == 2)
        let key = try VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)
        for s in subjects {
            let idType = try #require(s["idType"] as? Int)
            let id = try GreylistIdentity(idType: idType == 1 ? "residentId" : "creditCode", idNumber: try #require(s["idNumber"] as? String))
            let alpha = id.alpha(chainID: try #require(s["chainId"] as? String))
            #expect(Hex.encode(alpha) == s["alpha"] as? String)
            #expect(try key.prove(alpha).output.hex == s["beta"] as? String)
        }
        #expect(throws: ValidationError.self) { try GreylistIdentity(idType: "residentId", idNumber: "11010519491231002x") }
        #expect(throws: ValidationError.self) { try GreylistIdentity(idType: "passport", idNumber: "E12345678") }
    }
}
