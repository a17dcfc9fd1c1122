import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// Question 9 in docs/proof-answer-vectors.json (its `greylist` part): a bank's grey-list check as a bank's client
/// does it (docs/greylist.md, "The check"), on `GreylistChain` — a supervisor holding the VRF key and banks on
/// member nodes, which `VectorChain`'s validator banks are not (route 1 refuses a bank on a full node). For a listed
/// and an unlisted applicant of bank-b: step 1's pseudonyms with their VRF proofs, the check's transaction hash
/// (step 2), and step 3's proven answer; then the hit's answer asked by another bank, a proven refusal.
extension ProofAnswerVectorTests {
    typealias G = GreylistChain
    static let greylistCallers = ["central-bank": G.supervisor, "registry": G.registry, "bank-a": G.bankA, "bank-b": G.bankB]

    /// The identity as route 1 takes it.
    static func json(_ identity: GreylistIdentity) -> [String: String] {
        ["idType": identity.idType == 1 ? "residentId" : "creditCode", "idNumber": identity.idNumber]
    }

    static func exchange(_ method: String, _ target: String, body: String = "", caller: String, _ r: HTTPResponse) -> [String: Any] {
        var e: [String: Any] = ["method": method, "target": target, "caller": caller, "status": r.status,
                                "response": String(decoding: r.body, as: UTF8.self)]
        if !body.isEmpty { e["body"] = body }
        return e
    }

    /// The `greylist` part of the document, and question 9 of the hit (for `questions`).
    static func greylistPart() throws -> (part: [String: Any], question: [String: Any]) {
        let c = try G()
        try c.list(G.listed)
        var checks: [[String: Any]] = [], hit = Hash.zero
        for (what, identity, listed) in [("a listed applicant: a proven hit", G.listed, true), ("an unlisted applicant: a proven miss", G.unlisted, false)] {
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["subjects": [json(identity)]], options: [.sortedKeys]), as: UTF8.self)
            let step1 = c.ask("POST", "/v1/greylist/pseudonyms", body: Array(body.utf8), as: G.bankB)
            let result = (G.json(step1)["result"] as? [String: Any])?["subjects"] as? [[String: Any]]
            let given = try JSONDecoder().decode([GreylistPseudonym].self,
                                                 from: try JSONSerialization.data(withJSONObject: result?.first?["pseudonyms"] ?? []))
            let id = try c.check(given, by: G.bankB)
            if listed { hit = id }
            let target = "/v1/greylist/checks/\(id.hex)?prove=true"
            checks.append(["what": what, "identity": json(identity), "listed": listed, "checkId": id.hex,
                           "pseudonyms": exchange("POST", "/v1/greylist/pseudonyms", body: body, caller: "bank-b", step1),
                           "answer": exchange("GET", target, caller: "bank-b", c.ask("GET", target, as: G.bankB))])
        }
        let target = "/v1/greylist/checks/\(hit.hex)?prove=true"
        let refused = exchange("GET", target, caller: "bank-a", c.ask("GET", target, as: G.bankA))
        let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: NodeHome(c.dir).genesisPath)))
        let part: [String: Any] = [
            "about": "A grey-list check (question 9, docs/greylist.md \"The check\") on a chain of its own: its supervisor holds the VRF key (RFC 9381 Example 10's, a test key), its banks run member nodes. For each applicant of bank-b: step 1 (pseudonyms and VRF proofs), the check's transaction hash, step 3 (the proven answer); then the hit's answer asked by bank-a, a proven UNKNOWN_CHECK.",
            "chainId": G.chainID,
            "genesis": genesis,
            "keys": greylistCallers.mapValues { k in
                ["seed": Hex.encode([UInt8](repeating: (61...64).map(UInt8.init).first { G.key($0).publicKey == k.publicKey }!, count: 32)),
                 "publicKey": k.publicKey.text]
            },
            "height": c.node.store.tip.height,
            "checks": checks,
            "refused": [refused.merging(["what": "the hit's answer asked by a bank that did not log the check (proven UNKNOWN_CHECK)"]) { $1 }],
        ]
        let question: [String: Any] = ["question": "a grey-list check", "fields": ["checkId": hit.hex, "bank": G.bankB.publicKey.text],
                                       "hex": Hex.encode(ProvableQuery.greylistCheck(check: hit, bank: G.bankB.publicKey).canonicalBytes)]
        return (part, question)
    }
}
