import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainTestSupport
@testable import YongchainNode

/// What the seeds of a request need to know about the node they are sent to.
struct RouteContext: Sendable {
    let tip: UInt64
    let committedTxs: [Hash]
    let creditQueryID: Hash
}

/// A valid request for one route the node serves: the seed that mutations start from. `template` is the path as
/// docs/openapi.yaml writes it; `callers` are the indices in `FuzzWorld.callers` the route accepts (nil: the
/// route needs no authentication).
struct RouteSeed: Sendable {
    let method: String
    let template: String
    let callers: [Int]?
    var sessions = true
    let make: @Sendable (RouteContext, inout SplitMix64) -> FuzzRequest
}

/// Every route the node serves (its route table, RouteTable+Node.swift; docs/openapi.yaml lists the public ones),
/// each with a valid request. `RouteCatalogTests` checks it against the table, route for route.
enum RouteCatalog {
    static let registry = 0, bankA = 1, bankB = 2, enterprise = 3, stranger = 4, supervisor = 5

    static let clientKey = try! X25519PrivateKey.fromRaw([UInt8](repeating: 9, count: 32))

    static func txJSON(_ tx: Transaction) -> String { String(decoding: try! JSONEncoder().encode(TransactionJSON(tx)), as: UTF8.self) }

    /// A transaction to submit: admissible (new declarations by the trade registry) or one the application refuses.
    static func submission(_ rng: inout SplitMix64) -> Transaction {
        if rng.chance(0.5) {
            let n = rng.int(10...99_999_999)
            let body = PublishDeclarations(declarations: [PublishedDeclaration(FuzzWorld.fields(n), suite: .sha256)]).canonicalBytes
            return FuzzWorld.transaction(PublishDeclarations.type, body, by: FuzzWorld.registry, nonce: rng.next())
        }
        let p = rng.pick(FuzzWorld.payloads)
        return FuzzWorld.transaction(p.type, p.body, by: p.signer, nonce: rng.next())
    }

    static func request(_ method: String, _ path: String, _ query: [(String, String?)] = [], body: String = "") -> FuzzRequest {
        FuzzRequest(method: method, path: path.split(separator: "/").map(String.init), query: query,
                    headers: body.isEmpty ? [] : [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    static func height(_ c: RouteContext, _ rng: inout SplitMix64) -> String { String(rng.int(1...Int(max(1, c.tip)))) }

    static let all: [RouteSeed] = [
        RouteSeed(method: "GET", template: "/", callers: nil) { _, _ in request("GET", "/") },
        RouteSeed(method: "GET", template: "/healthz", callers: nil) { _, _ in request("GET", "/healthz") },
        RouteSeed(method: "HEAD", template: "/healthz", callers: nil) { _, _ in request("HEAD", "/healthz") },
        RouteSeed(method: "GET", template: "/v1/status", callers: nil) { _, _ in request("GET", "/v1/status") },
        RouteSeed(method: "GET", template: "/v1/blocks", callers: nil) { c, rng in
            var q: [(String, String?)] = []
            if rng.chance(0.7) { q.append(("limit", String(rng.int(1...100)))) }
            if rng.chance(0.5) { q.append(("before", height(c, &rng))) }
            return request("GET", "/v1/blocks", q)
        },
        RouteSeed(method: "GET", template: "/v1/blocks/latest", callers: nil) { _, _ in request("GET", "/v1/blocks/latest") },
        RouteSeed(method: "GET", template: "/v1/blocks/{height}", callers: nil) { c, rng in request("GET", "/v1/blocks/\(height(c, &rng))") },
        RouteSeed(method: "POST", template: "/v1/txs", callers: nil) { _, rng in
            var q: [(String, String?)] = []
            if rng.chance(0.3) { q.append(("wait", "commit")); q.append(("timeoutMs", String(rng.int(1...3000)))) }
            return request("POST", "/v1/txs", q, body: txJSON(submission(&rng)))
        },
        RouteSeed(method: "POST", template: "/v1/txs/batch", callers: nil) { _, rng in
            let txs = (0..<rng.int(1...3)).map { _ in txJSON(submission(&rng)) }
            return request("POST", "/v1/txs/batch", body: #"{"transactions":[\#(txs.joined(separator: ","))]}"#)
        },
        RouteSeed(method: "GET", template: "/v1/txs/{hash}", callers: nil) { c, rng in
            request("GET", "/v1/txs/\(c.committedTxs.isEmpty || rng.chance(0.2) ? FuzzWorld.digest("\(rng.next())").hex : rng.pick(c.committedTxs).hex)")
        },
        RouteSeed(method: "GET", template: "/v1/validators", callers: nil) { _, _ in request("GET", "/v1/validators") },
        RouteSeed(method: "GET", template: "/v1/peers", callers: nil) { _, _ in request("GET", "/v1/peers") },
        RouteSeed(method: "GET", template: "/v1/evidence", callers: nil) { _, _ in request("GET", "/v1/evidence") },
        RouteSeed(method: "GET", template: "/metrics", callers: nil) { _, _ in request("GET", "/metrics") },
        RouteSeed(method: "POST", template: "/v1/gossip", callers: nil) { c, rng in
            var r = request("POST", "/v1/gossip")
            r.headers = [("Content-Type", "application/octet-stream")]
            r.body = GossipSeeds.envelope(&rng, committed: c.tip).canonicalBytes
            return r
        },
        RouteSeed(method: "GET", template: "/v1/sync/blocks", callers: nil) { c, rng in
            var q: [(String, String?)] = [("from", height(c, &rng))]
            if rng.chance(0.6) { q.append(("limit", String(rng.int(1...500)))) }
            return request("GET", "/v1/sync/blocks", q)
        },
        RouteSeed(method: "GET", template: "/v1/sync/redacted", callers: [registry, bankA, bankB]) { c, rng in
            var q: [(String, String?)] = [("from", height(c, &rng))]
            if rng.chance(0.6) { q.append(("limit", String(rng.int(1...1000)))) }
            return request("GET", "/v1/sync/redacted", q)
        },
        RouteSeed(method: "POST", template: "/v1/auth/sessions", callers: [registry, bankA, bankB, enterprise], sessions: false) { _, _ in
            request("POST", "/v1/auth/sessions", body: #"{"clientPublicKey":"\#(clientKey.publicKey.text)"}"#)
        },
        RouteSeed(method: "GET", template: "/v1/mortgage/titles/verify", callers: [registry, bankA, bankB]) { _, rng in
            let byCode = rng.chance(0.3)
            return request("GET", "/v1/mortgage/titles/verify", [
                ("certificate", FuzzWorld.title), ("owner", byCode ? FuzzWorld.exporter.value : FuzzWorld.ownerCommitment.hex),
            ])
        },
        RouteSeed(method: "GET", template: "/v1/mortgage/units/{unit}/encumbrances", callers: [registry, bankA, bankB]) { _, _ in
            request("GET", "/v1/mortgage/units/\(FuzzWorld.unit)/encumbrances")
        },
        RouteSeed(method: "GET", template: "/v1/mortgage/certificates/{no}", callers: [registry, bankA, bankB]) { _, _ in
            request("GET", "/v1/mortgage/certificates/Jing2020-M0001")
        },
        RouteSeed(method: "GET", template: "/v1/mortgage/applications/{id}", callers: [registry, bankA, bankB]) { _, _ in
            request("GET", "/v1/mortgage/applications/\(FuzzWorld.digest("application").hex)")
        },
        RouteSeed(method: "GET", template: "/v1/mortgage/banks/{key}/filings", callers: [bankA, registry]) { _, rng in
            var q: [(String, String?)] = []
            if rng.chance(0.6) { q.append(("limit", String(rng.int(1...100)))) }
            if rng.chance(0.2) { q.append(("after", "00000000000000000001")) }
            return request("GET", "/v1/mortgage/banks/\(FuzzWorld.bankA.publicKey.text)/filings", q)
        },
        RouteSeed(method: "POST", template: "/v1/trade/precheck", callers: [bankA, bankB]) { _, rng in
            let items = (1...rng.int(1...3)).map { PrecheckItem(number: FuzzWorld.number($0), fields: rng.chance(0.5) ? FuzzWorld.fields($0) : nil) }
            return request("POST", "/v1/trade/precheck", body: String(decoding: try! JSONEncoder().encode(PrecheckRequest(declarations: items)), as: UTF8.self))
        },
        RouteSeed(method: "GET", template: "/v1/trade/enterprises/{code}/credit-record", callers: [bankA]) { c, rng in
            var q: [(String, String?)] = [("queryId", c.creditQueryID.hex)]
            if rng.chance(0.4) { q.append(("limit", String(rng.int(1...1000)))) }
            if rng.chance(0.2) { q.append(("declarationsAfter", "1")) }
            if rng.chance(0.2) { q.append(("financingsAfter", "1")) }
            return request("GET", "/v1/trade/enterprises/\(FuzzWorld.exporter.value)/credit-record", q)
        },
        RouteSeed(method: "GET", template: "/v1/trade/enterprises/{code}/queries", callers: [enterprise, registry]) { _, rng in
            var q: [(String, String?)] = []
            if rng.chance(0.4) { q.append(("limit", String(rng.int(1...1000)))) }
            if rng.chance(0.2) { q.append(("after", "00000000000000000001")) }
            return request("GET", "/v1/trade/enterprises/\(FuzzWorld.exporter.value)/queries", q)
        },
        RouteSeed(method: "GET", template: "/v1/governance/proposals", callers: [registry, bankA, bankB]) { _, rng in
            var q: [(String, String?)] = []
            if rng.chance(0.4) { q.append(("status", rng.pick(["open", "passed", "rejected", "failed", "expired"]))) }
            if rng.chance(0.4) { q.append(("limit", String(rng.int(1...200)))) }
            if rng.chance(0.2) { q.append(("after", String(rng.int(0...10)))) }
            return request("GET", "/v1/governance/proposals", q)
        },
        RouteSeed(method: "GET", template: "/v1/governance/proposals/{id}", callers: [registry, bankA, bankB]) { _, rng in
            request("GET", "/v1/governance/proposals/\(rng.int(1...10))")
        },
        RouteSeed(method: "GET", template: "/v1/governance/members", callers: nil) { _, _ in request("GET", "/v1/governance/members") },
        // The supervisor: the fuzzed node's banks run full nodes, which are refused pseudonyms (GREYLIST_FULL_NODE_BANK).
        RouteSeed(method: "POST", template: "/v1/greylist/pseudonyms", callers: [supervisor]) { _, rng in
            let subjects = (0..<rng.int(1...3)).map { _ in
                rng.chance(0.5) ? #"{"idType":"residentId","idNumber":"\#(FuzzWorld.residentID)"}"# : #"{"idType":"creditCode","idNumber":"\#(FuzzWorld.exporter.value)"}"#
            }
            return request("POST", "/v1/greylist/pseudonyms", body: #"{"subjects":[\#(subjects.joined(separator: ","))]}"#)
        },
        RouteSeed(method: "GET", template: "/v1/greylist/checks/{checkId}", callers: [bankA, bankB]) { _, rng in
            request("GET", "/v1/greylist/checks/\(FuzzWorld.digest("check \(rng.int(1...3))").hex)", rng.chance(0.5) ? [("prove", "true")] : [])
        },
        RouteSeed(method: "GET", template: "/v1/greylist/stats", callers: nil) { _, _ in request("GET", "/v1/greylist/stats") },
        RouteSeed(method: "GET", template: "/v1/governance/members/{key}", callers: nil) { _, rng in
            let key = rng.chance(0.7) ? FuzzWorld.callers[rng.int(0...2)].publicKey.text : "ed25519:" + String(repeating: "0", count: 64)
            let q: [(String, String?)] = rng.chance(0.5) ? [("prove", "true")] : []
            return request("GET", "/v1/governance/members/\(key)", q)
        },
    ]

    /// The seeds a run uses: all, or those FUZZ_ROUTES names. An entry equal to a template selects that route
    /// only (`/v1/blocks`); any other entry selects every template containing it (`/v1/mortgage`).
    static func selected(_ filter: [String]?, authenticatedOnly: Bool = false) -> [RouteSeed] {
        let templates = Set(all.map(\.template))
        func wanted(_ t: String) -> Bool {
            guard let filter else { return true }
            return filter.contains { templates.contains($0) ? t == $0 : t.contains($0) }
        }
        return all.filter { (!authenticatedOnly || $0.callers != nil) && wanted($0.template) }
    }
}
