import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainNode
import YongchainLightClient

/// docs/proof-answer-vectors.json: the canonical encoding of every question a proven answer can carry, and one
/// whole proven answer per endpoint (with a proven NOT_FOUND and a proven refusal), exactly as the node's HTTP API
/// returns them, from a real chain (`VectorChain`) whose validator set changed once. docs/proofs.md specifies
/// how to check them from the genesis file alone; a verifier in another language checks its answers against
/// these (the Java client in scripts/java/ does). The committed file must equal what the code produces now; after a
/// deliberate change to a proof, question or answer format, regenerate it and review the diff:
///
///     YONGCHAIN_WRITE_VECTORS=1 swift test --filter ProofAnswerVectorTests
@Suite(.serialized) struct ProofAnswerVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/proof-answer-vectors.json").path
    /// Built once for every suite that reads it (a static let is initialised once, whichever thread asks first).
    nonisolated(unsafe) private static let built = Result { try make() }

    /// Percent-encodes everything but RFC 3986's unreserved characters: the target the client signs and sends.
    static func pct(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))!
    }

    static func questions(_ c: VectorChain) throws -> [(name: String, query: ProvableQuery, fields: [String: Any])] {
        let exporter = try CreditCode(VectorChain.exporter)
        let precheck = PrecheckRequest(declarations: [
            PrecheckItem(number: VectorChain.declaration(1, 100_000).number, fields: VectorChain.declaration(1, 100_000)),
            PrecheckItem(number: try DeclarationNumber("223120200000000009")),
        ])
        let precheckJSON = try JSONSerialization.jsonObject(with: Data(try SortedJSON.encode(precheck)))
        return [
            ("title verification", .titleVerification(certificate: VectorChain.title, owner: .person(VectorChain.ownerCommitment)),
             ["certificate": VectorChain.title, "commitment": VectorChain.ownerCommitment.hex]),
            ("encumbrances", .encumbrances(try UnitNumber(VectorChain.unit)), ["unit": VectorChain.unit]),
            ("mortgage by certificate", .mortgageCertificate(c.certificateNumber), ["certificate": c.certificateNumber]),
            ("mortgage application", .mortgageApplication(c.applicationID), ["id": c.applicationID.hex]),
            ("pre-check", .precheck(precheck), ["request": precheckJSON]),
            ("credit record", try .checkedCreditRecord(enterprise: exporter, queryID: c.queryID, bank: VectorChain.bankA.publicKey, page: .init()),
             ["enterprise": VectorChain.exporter, "queryId": c.queryID.hex, "bank": VectorChain.bankA.publicKey.text, "limit": TradeLimits.defaultPageSize]),
            ("credit record, second page", try .checkedCreditRecord(enterprise: exporter, queryID: c.queryID, bank: VectorChain.bankA.publicKey,
                                                                    page: .init(declarationsAfter: "1", financingsAfter: "0", limit: 1)),
             ["enterprise": VectorChain.exporter, "queryId": c.queryID.hex, "bank": VectorChain.bankA.publicKey.text,
              "declarationsAfter": "1", "financingsAfter": "0", "limit": 1]),
            ("query log", try .checkedCreditQueries(enterprise: exporter, after: nil, limit: TradeLimits.defaultPageSize),
             ["enterprise": VectorChain.exporter, "limit": TradeLimits.defaultPageSize]),
            ("query log, after 1", try .checkedCreditQueries(enterprise: exporter, after: "1", limit: 10),
             ["enterprise": VectorChain.exporter, "after": "1", "limit": 10]),
            ("a member's record", .member(VectorChain.bankB.publicKey), ["key": VectorChain.bankB.publicKey.text]),
        ]
    }

    /// Every endpoint's proven answer, as (what, method, target, body, caller).
    static func requests(_ c: VectorChain) throws -> [(name: String, method: String, target: String, body: String, caller: String)] {
        let precheck = #"{"declarations":[{"fields":\#(String(decoding: try SortedJSON.encode(VectorChain.declaration(1, 100_000)), as: UTF8.self)),"number":"223120200000000001"},{"number":"223120200000000009"}]}"#
        let code = VectorChain.exporter
        return [
            ("title verification", "GET", "/v1/mortgage/titles/verify?certificate=\(pct(VectorChain.title))&owner=\(VectorChain.ownerCommitment.hex)&prove=true", "", "bank-b"),
            ("encumbrances", "GET", "/v1/mortgage/units/\(VectorChain.unit)/encumbrances?prove=true", "", "bank-b"),
            ("mortgage by certificate", "GET", "/v1/mortgage/certificates/\(pct(c.certificateNumber))?prove=true", "", "bank-b"),
            ("mortgage application", "GET", "/v1/mortgage/applications/\(c.applicationID.hex)?prove=true", "", "bank-a"),
            ("pre-check", "POST", "/v1/trade/precheck?prove=true", precheck, "bank-b"),
            ("credit record", "GET", "/v1/trade/enterprises/\(code)/credit-record?queryId=\(c.queryID.hex)&prove=true", "", "bank-a"),
            ("query log", "GET", "/v1/trade/enterprises/\(code)/queries?prove=true", "", "enterprise"),
            ("a member's record", "GET", "/v1/governance/members/\(VectorChain.bankB.publicKey.text)?prove=true", "", "bank-b"),
            ("encumbrances of an unregistered unit (proven NOT_FOUND)", "GET", "/v1/mortgage/units/320505001001GB00001F00010002/encumbrances?prove=true", "", "bank-b"),
            ("credit record asked by a bank that did not log the query (proven UNKNOWN_QUERY)", "GET",
             "/v1/trade/enterprises/\(code)/credit-record?queryId=\(c.queryID.hex)&prove=true", "", "bank-b"),
        ]
    }

    static let callers = ["registry": VectorChain.registry, "bank-a": VectorChain.bankA, "bank-b": VectorChain.bankB, "enterprise": VectorChain.enterprise]

    static func build() throws -> (chain: VectorChain, document: [String: Any]) { try built.get() }

    private static func make() throws -> (chain: VectorChain, document: [String: Any]) {
        let c = try VectorChain()
        let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: NodeHome(c.dir).genesisPath)))
        let answers: [[String: Any]] = try requests(c).map { r in
            let response = c.ask(r.method, r.target, body: Array(r.body.utf8), as: callers[r.caller]!)
            var a: [String: Any] = ["what": r.name, "method": r.method, "target": r.target, "caller": r.caller,
                                    "status": response.status, "response": String(decoding: response.body, as: UTF8.self)]
            if !r.body.isEmpty { a["body"] = r.body }
            return a
        }
        let greylist = try greylistPart()
        let document: [String: Any] = [
            "about": "Generated by Tests/YongchainNodeTests/ProofAnswerVectorTests.swift from the node's code; specified by docs/proofs.md. Regenerate after a deliberate format change: YONGCHAIN_WRITE_VECTORS=1 swift test --filter ProofAnswerVectorTests",
            "genesis": genesis,
            "keys": callers.mapValues { ["seed": Hex.encode($0.seedForVectors), "publicKey": $0.publicKey.text] },
            "height": c.node.store.tip.height,
            "questions": try questions(c).map { q in ["question": q.name, "fields": q.fields, "hex": Hex.encode(q.query.canonicalBytes)] }
                + [greylist.question],
            "answers": answers,
            "greylist": greylist.part,
        ]
        return (c, document)
    }

    static func text(_ document: [String: Any]) throws -> String {
        let d = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: d, as: UTF8.self) + "\n"
    }

    @Test func committedVectorsAreWhatTheCodeProduces() throws {
        let text = try Self.text(try Self.build().document)
        if ProcessInfo.processInfo.environment["YONGCHAIN_WRITE_VECTORS"] == "1" {
            try text.write(toFile: Self.file, atomically: true, encoding: .utf8)
        }
        let committed = (try? String(contentsOfFile: Self.file, encoding: .utf8)) ?? ""
        #expect(committed == text, """
            docs/proof-answer-vectors.json differs from what the code produces: a question, answer or proof format changed, \
            and every bank's verifier breaks. If that is deliberate, update docs/proofs.md and regenerate: \
            YONGCHAIN_WRITE_VECTORS=1 swift test --filter ProofAnswerVectorTests
            """)
    }

    /// Every vector answer is proven from the genesis it carries, through the validator-set change; each question
    /// decodes back to itself.
    @Test func everyVectorAnswerIsProvenFromGenesisAlone() throws {
        let (c, doc) = try Self.build()
        let genesis = VectorChain.genesis
        for a in doc["answers"] as! [[String: Any]] {
            let v = try AnswerVerifier.verify(response: Array((a["response"] as! String).utf8), genesis: genesis)
            #expect(v.height == c.node.store.tip.height && v.validatorSetChanges == 1, "\(a["what"]!)")
            if case .refused(let code, _) = v.outcome { #expect(a["status"] as? Int != 200, "\(a["what"]!): \(code)") }
        }
        let statuses = (doc["answers"] as! [[String: Any]]).map { $0["status"] as! Int }
        #expect(statuses == [200, 200, 200, 200, 200, 200, 200, 200, 404, 404], "\(statuses)")
        for q in try Self.questions(c) { #expect(try ProvableQuery(canonical: q.query.canonicalBytes) == q.query, "\(q.name)") }
    }

    /// Question 9's vectors: each check's answer is proven from the grey-list chain's genesis and verified against its
    /// applicant and step 1's pseudonyms (a hit and a miss); the same answer is refused for the other applicant, and
    /// the answer asked by another bank is a proven UNKNOWN_CHECK.
    @Test func greylistVectorsAreProvenAndBoundToTheirApplicants() throws {
        let part = try #require(try Self.build().document["greylist"] as? [String: Any])
        let checks = try #require(part["checks"] as? [[String: Any]])
        #expect(checks.map { $0["listed"] as? Bool } == [true, false])
        func given(_ check: [String: Any]) throws -> (GreylistIdentity, [GreylistPseudonym]) {
            let i = check["identity"] as! [String: String]
            let step1 = try JSONSerialization.jsonObject(with: Data(((check["pseudonyms"] as! [String: Any])["response"] as! String).utf8)) as! [String: Any]
            let subjects = (step1["result"] as! [String: Any])["subjects"] as! [[String: Any]]
            let p = try JSONDecoder().decode([GreylistPseudonym].self, from: try JSONSerialization.data(withJSONObject: subjects[0]["pseudonyms"]!))
            return (try GreylistIdentity(idType: i["idType"]!, idNumber: i["idNumber"]!), p)
        }
        for (n, check) in checks.enumerated() {
            let v = try AnswerVerifier.verify(response: Array(((check["answer"] as! [String: Any])["response"] as! String).utf8), genesis: GreylistChain.genesis)
            guard case .result(let bytes) = v.outcome else { Issue.record("\(check["what"]!): \(v.outcome)"); continue }
            let answer = try JSONDecoder().decode(GreylistCheckAnswer.self, from: Data(bytes))
            let (identity, pseudonyms) = try given(check)
            #expect(try answer.verify(bank: "bank-b", identity: identity, chainID: GreylistChain.chainID, pseudonyms: pseudonyms) == (check["listed"] as! Bool))
            let (other, _) = try given(checks[1 - n])
            #expect(throws: CodedError.self) { try answer.verify(bank: "bank-b", identity: other, chainID: GreylistChain.chainID, pseudonyms: pseudonyms) }
        }
        let refused = try #require((part["refused"] as? [[String: Any]])?.first)
        let v = try AnswerVerifier.verify(response: Array((refused["response"] as! String).utf8), genesis: GreylistChain.genesis)
        guard case .refused(let code, _) = v.outcome else { Issue.record("not refused: \(v.outcome)"); return }
        #expect(code == "UNKNOWN_CHECK" && refused["status"] as? Int == 404)
    }
}

extension PrivateKey {
    /// The vectors' keys are made from seeds of one repeated byte: `key(n)` has seed n…n.
    fileprivate var seedForVectors: [UInt8] {
        let n = (1...5).first { VectorChain.key(UInt8($0)).publicKey == publicKey }!
        return [UInt8](repeating: UInt8(n), count: 32)
    }
}
