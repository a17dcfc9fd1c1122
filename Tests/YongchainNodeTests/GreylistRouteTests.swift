import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
import YongchainLightClient
@testable import YongchainNode

/// The grey-list's routes on a real node (docs/greylist.md, "The check"): pseudonyms with VRF proofs from the node
/// holding the supervisor's key, the proven answer to a logged check, checked from genesis and against the
/// applicant's identity, and the open counts.
@Suite(.serialized) struct GreylistRouteTests {
    typealias C = GreylistChain

    /// Step 1 as a bank's client does it: the answer's pseudonyms, each proof verified against the alpha the bank
    /// encodes itself under the key the node names (the chain's keys are checked in step 3).
    static func pseudonyms(_ r: HTTPResponse, for identity: GreylistIdentity, index: Int = 0) throws -> [GreylistPseudonym] {
        #expect(r.status == 200, "\(String(decoding: r.body, as: UTF8.self))")
        let result = try #require(C.json(r)["result"] as? [String: Any])
        let subjects = try #require(result["subjects"] as? [[String: Any]])
        let data = try JSONSerialization.data(withJSONObject: subjects[index]["pseudonyms"] as Any)
        return try JSONDecoder().decode([GreylistPseudonym].self, from: data)
    }

    /// Step 3: the proven answer, verified from genesis by the light client, then against the applicant.
    static func provenCheck(_ c: C, _ id: Hash, as bank: PrivateKey) throws -> GreylistCheckAnswer {
        let r = c.ask("GET", "/v1/greylist/checks/\(id.hex)?prove=true", as: bank)
        #expect(r.status == 200, "\(String(decoding: r.body, as: UTF8.self))")
        let verdict = try AnswerVerifier.verify(response: r.body, genesis: C.genesis)
        #expect(verdict.query == .greylistCheck(check: id, bank: bank.publicKey))
        guard case .result(let bytes) = verdict.outcome else { throw NodeError(code: "TEST", message: "refused: \(verdict.outcome)") }
        return try JSONDecoder().decode(GreylistCheckAnswer.self, from: Data(bytes))
    }

    @Test func aBanksCheckIsAProvenHitOrAProvenMissForItsOwnApplicant() throws {
        let c = try C()
        try c.list(C.listed)
        for (identity, expected) in [(C.listed, true), (C.unlisted, false)] {
            let given = try Self.pseudonyms(c.pseudonyms([identity], as: C.bankB), for: identity)
            #expect(given.count == 1 && given[0].keyVersion == 1)
            let id = try c.check(given, by: C.bankB)
            let answer = try Self.provenCheck(c, id, as: C.bankB)
            #expect(try answer.verify(bank: "bank-b", identity: identity, chainID: C.chainID, pseudonyms: given) == expected)
            #expect(answer.subjects[0].category == (expected ? .falseIdentity : nil))
            // The answer never says who reported.
            #expect(!String(decoding: try JSONEncoder().encode(answer), as: UTF8.self).contains("bank-a"))
        }
    }

    @Test func aPseudonymProvenForAnotherIdentityIsRefused() throws {
        let c = try C()
        try c.list(C.listed)
        // The node answers about someone else (the unlisted enterprise) when the bank asked about its applicant: the
        // proof verifies for that other identity only, so the bank refuses it before it trusts "not listed".
        let other = try Self.pseudonyms(c.pseudonyms([C.unlisted], as: C.bankB), for: C.unlisted)
        let id = try c.check(other, by: C.bankB)
        let answer = try Self.provenCheck(c, id, as: C.bankB)
        #expect(answer.listed == false)
        #expect(performing: { try answer.verify(bank: "bank-b", identity: C.listed, chainID: C.chainID, pseudonyms: other) },
                throws: { ($0 as? CodedError)?.code == "VRF_PROOF_INVALID" })
        // A pseudonym made with a key the chain does not hold (a node's own) is refused the same way, though its
        // proof verifies under the key that node names.
        let rogue = try VRFPrivateKey.generate()
        let forged = try GreylistPseudonym.make(C.listed, key: rogue, version: 1, chainID: C.chainID)
        let forgedID = try c.check([forged], by: C.bankB)
        let forgedAnswer = try Self.provenCheck(c, forgedID, as: C.bankB)
        #expect(performing: { try forgedAnswer.verify(bank: "bank-b", identity: C.listed, chainID: C.chainID, pseudonyms: [forged]) },
                throws: { ($0 as? CodedError)?.code == "VRF_PROOF_INVALID" })
        // The applicant's own proof beside another's pseudonym: the proof verifies, but its output is not the
        // pseudonym the check recorded.
        let own = try GreylistPseudonym.make(C.listed, key: C.vrfKey, version: 1, chainID: C.chainID)
        let swapped = GreylistPseudonym(keyVersion: 1, pseudonym: other[0].pseudonym, proof: own.proof)
        #expect(performing: { try answer.verify(bank: "bank-b", identity: C.listed, chainID: C.chainID, pseudonyms: [swapped]) },
                throws: { ($0 as? CodedError)?.code == "VRF_PROOF_INVALID" })
        // Pseudonyms other than the check record's, or another bank's record, do not answer the bank's question.
        let mine = try Self.pseudonyms(c.pseudonyms([C.listed], as: C.bankB), for: C.listed)
        #expect(performing: { try answer.verify(bank: "bank-b", identity: C.listed, chainID: C.chainID, pseudonyms: mine) },
                throws: { ($0 as? CodedError)?.code == "PROOF_ANSWER_MISMATCH" })
        #expect(performing: { try answer.verify(bank: "bank-a", identity: C.unlisted, chainID: C.chainID, pseudonyms: other) },
                throws: { ($0 as? CodedError)?.code == "PROOF_ANSWER_MISMATCH" })
    }

    @Test func onlyTheCheckingBankReadsTheAnswerWithinTheWindow() throws {
        let c = try C()
        let given = try Self.pseudonyms(c.pseudonyms([C.listed], as: C.bankB), for: C.listed)
        let id = try c.check(given, by: C.bankB)
        #expect(C.code(c.ask("GET", "/v1/greylist/checks/\(id.hex)", as: C.bankA)) == "UNKNOWN_CHECK")
        #expect(c.ask("GET", "/v1/greylist/checks/\(id.hex)", as: C.bankA).status == 404)
        #expect(C.code(c.ask("GET", "/v1/greylist/checks/\(id.hex)", as: C.supervisor)) == "FORBIDDEN_ROLE")
        #expect(c.ask("GET", "/v1/greylist/checks/\(id.hex)", as: nil).status == 401)
        #expect(C.code(c.ask("GET", "/v1/greylist/checks/\(Hash.zero.hex)", as: C.bankB)) == "UNKNOWN_CHECK")
        #expect(C.code(c.ask("GET", "/v1/greylist/checks/xyz", as: C.bankB)) == "INVALID_FIELD")
        #expect(c.ask("GET", "/v1/greylist/checks/\(id.hex)", as: C.bankB).status == 200)
        // Ten minutes of block time later (the default window), the record no longer answers.
        try c.block([], step: GreylistParameters().checkAnswerWindowMs)
        let late = c.ask("GET", "/v1/greylist/checks/\(id.hex)?prove=true", as: C.bankB)
        #expect(late.status == 403 && C.code(late) == "CHECK_EXPIRED")
        // The refusal is proven too: a node cannot claim a live check expired.
        let verdict = try AnswerVerifier.verify(response: late.body, genesis: C.genesis)
        #expect(verdict.outcome == .refused(code: "CHECK_EXPIRED", message: (C.json(late)["error"] as? [String: Any])?["message"] as? String ?? ""))
    }

    @Test func pseudonymsComeOnlyFromTheNodeHoldingTheKeyInForce() throws {
        let other = try C(vrfKeyFile: nil)
        let r = other.pseudonyms([C.listed], as: C.bankA)
        #expect(r.status == 503 && C.code(r) == "GREYLIST_UNAVAILABLE", "\(String(decoding: r.body, as: UTF8.self))")
        #expect(String(decoding: r.body, as: UTF8.self).contains("central-bank (http://127.0.0.1:1)"))
        let wrongKey = try C(vrfKeyFile: try VRFPrivateKey.generate())
        #expect(C.code(wrongKey.pseudonyms([C.listed], as: C.bankA)) == "GREYLIST_UNAVAILABLE")

        // A bank on a full node holds every entry: with pseudonyms it could look anyone up unrecorded.
        let fullNodeBanks = try C(banks: .full)
        let refused = fullNodeBanks.pseudonyms([C.listed], as: C.bankA)
        #expect(refused.status == 403 && C.code(refused) == "GREYLIST_FULL_NODE_BANK", "\(String(decoding: refused.body, as: UTF8.self))")
        #expect(fullNodeBanks.pseudonyms([C.listed], as: C.supervisor).status == 200)

        let c = try C()
        #expect(C.code(c.pseudonyms([C.listed], as: C.registry)) == "FORBIDDEN_ROLE")
        #expect(c.pseudonyms([C.listed], as: C.supervisor).status == 200)
        let lower = c.ask("POST", "/v1/greylist/pseudonyms", body: Array(#"{"subjects":[{"idType":"residentId","idNumber":"11010519491231002x"}]}"#.utf8), as: C.bankA)
        #expect(lower.status == 400 && C.code(lower) == "INVALID_FIELD")
        #expect((C.json(lower)["error"] as? [String: Any])?["message"] as? String ?? "" == "subjects[0].idNumber: check character is 'x', expected 'X' (GB 11643)")
        let none = c.ask("POST", "/v1/greylist/pseudonyms", body: Array(#"{"subjects":[]}"#.utf8), as: C.bankA)
        #expect(C.code(none) == "INVALID_FIELD")
        // Each subject's proof is the applicant's, in order.
        let two = c.pseudonyms([C.listed, C.unlisted], as: C.bankA)
        for (i, identity) in [C.listed, C.unlisted].enumerated() {
            let p = try Self.pseudonyms(two, for: identity, index: i)
            #expect(try C.vrfKey.publicKey.verify(proof: Hex.decode(p[0].proof)!, alpha: identity.alpha(chainID: C.chainID)) == p[0].pseudonym)
        }
    }

    @Test func aBanksPseudonymsADayAreLimited() throws {
        var p = GreylistParameters()
        p.maxChecksPerBankPerDay = 2
        let c = try C(parameters: p)
        #expect(c.pseudonyms([C.listed, C.unlisted, C.listed], as: C.bankA).status == 200)
        let over = c.pseudonyms([C.unlisted, C.listed], as: C.bankA)
        #expect(over.status == 429 && C.code(over) == "GREYLIST_PSEUDONYM_LIMIT")
        #expect(c.pseudonyms([C.listed], as: C.bankA).status == 200, "four of the 2 x 2 a day")
        #expect(c.pseudonyms([C.listed], as: C.bankA).status == 429)
        #expect(c.pseudonyms([C.listed], as: C.bankB).status == 200, "each bank has its own count")
    }

    @Test func theCountsAreOpenAndInTheMetricsWithoutMemberNames() throws {
        let c = try C()
        try c.list(C.listed)
        let given = try Self.pseudonyms(c.pseudonyms([C.listed], as: C.bankB), for: C.listed)
        let id = try c.check(given, by: C.bankB)
        try c.block([c.tx(RecordCheckOutcome(check: id, stopped: true), C.bankB)])
        let stats = c.ask("GET", "/v1/greylist/stats", as: nil)
        let result = try #require(C.json(stats)["result"] as? [String: Int])
        #expect(result["entries"] == 1 && result["reports"] == 1 && result["publications"] == 1 && result["checks"] == 1
                && result["hits"] == 1 && result["stopped"] == 1 && result["withdrawals"] == 0)
        let metrics = String(decoding: c.ask("GET", "/metrics", as: nil).body, as: UTF8.self)
        for line in ["yongchain_greylist_events_total{event=\"check\"} 1", "yongchain_greylist_events_total{event=\"hit\"} 1",
                     "yongchain_greylist_events_total{event=\"stopped\"} 1", "yongchain_greylist_entries 1"] {
            #expect(metrics.contains(line), "\(line)")
        }
        #expect(!metrics.split(separator: "\n").contains { $0.hasPrefix("yongchain_greylist") && ($0.contains("bank-") || $0.contains("central-bank")) })
    }

    /// A member node forwards a pseudonym request and passes on only an answer whose proofs are the identities'.
    @Test func aMemberNodePassesOnOnlyPseudonymsProvenForTheIdentitiesAsked() throws {
        let c = try C()
        let asked = Array(#"{"subjects":[{"idType":"residentId","idNumber":"11010519491231002X"},{"idType":"creditCode","idNumber":"91310000MA1FL0001R"}]}"#.utf8)
        let r = c.ask("POST", "/v1/greylist/pseudonyms", body: asked, as: C.bankA)
        #expect(r.status == 200)
        #expect(MemberReads.unproven(r.body, asked: asked, chainID: C.chainID) == nil)
        // The same answer for other identities, in another order, or on another chain, is refused.
        let swapped = Array(#"{"subjects":[{"idType":"creditCode","idNumber":"91310000MA1FL0001R"},{"idType":"residentId","idNumber":"11010519491231002X"}]}"#.utf8)
        #expect(MemberReads.unproven(r.body, asked: swapped, chainID: C.chainID) != nil)
        #expect(MemberReads.unproven(r.body, asked: asked, chainID: "another-chain") != nil)
        #expect(MemberReads.unproven(r.body, asked: Array(asked.prefix(asked.count - 60)) + Array("]}".utf8), chainID: C.chainID) != nil)
    }
}
