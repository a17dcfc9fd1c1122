import Foundation
@testable import YongchainHTTP
@testable import YongchainNode

/// What must hold after every input (the contract of issue 11, docs/fuzzing.md). A trap is the first oracle: it
/// kills the process, and the last batch line printed names the seed and inputs that did it.
enum Oracles {
    /// Path words that name routes; any other component is a value, so findings are grouped per route.
    static let routeWords: Set<String> = [
        "v1", "blocks", "latest", "txs", "batch", "validators", "peers", "evidence", "metrics", "gossip", "sync", "status",
        "healthz", "mortgage", "titles", "verify", "units", "encumbrances", "certificates", "applications", "banks",
        "filings", "auth", "sessions", "trade", "precheck", "enterprises", "credit-record", "queries",
    ]

    static func routeKey(_ req: HTTPRequest?) -> String {
        guard let req else { return "parser" }
        let parts = req.path.split(separator: "/").map { routeWords.contains(String($0)) ? String($0) : "*" }
        return "\(req.method) /\(parts.joined(separator: "/"))"
    }

    /// Documented maxima of list routes: (method, path words, JSON path to the list or "sync", maximum).
    static func listLength(_ req: HTTPRequest, _ resp: HTTPResponse) -> (route: String, count: Int, max: Int)? {
        let parts = req.path.split(separator: "/").map(String.init)
        guard req.method == "GET", resp.status == 200 else { return nil }
        func json() -> [String: Any]? { try? JSONSerialization.jsonObject(with: Data(resp.body)) as? [String: Any] }
        switch parts {
        case ["v1", "blocks"]:
            return ("/v1/blocks", (json()?["blocks"] as? [Any])?.count ?? 0, 100)
        case ["v1", "sync", "blocks"]:
            return ("/v1/sync/blocks", (try? SyncBatch(canonical: resp.body, hashSuite: .sha256))?.entries.count ?? 0, 500)
        case let p where p.count == 5 && p[1] == "mortgage" && p[4] == "filings":
            return ("/v1/mortgage/banks/{key}/filings", ((json()?["result"] as? [String: Any])?["filings"] as? [Any])?.count ?? 0, 100)
        default:
            return nil
        }
    }

    /// The per-response oracles: never 500; every error is `{"error":{"code","message"}}`; JSON answers parse; a
    /// list route never answers more than its documented maximum; a sync answer decodes.
    static func check(_ req: HTTPRequest?, _ resp: HTTPResponse, _ run: FuzzRun, index: Int, _ input: @autoclosure () -> String) {
        let key = routeKey(req)
        if resp.status == 500 {
            run.report("status-500", key: key, String(decoding: resp.body.prefix(300), as: UTF8.self), input: input(), index: index)
        }
        if resp.status >= 400 && !isErrorShape(resp.body) {
            run.report("error-shape", key: "\(key) \(resp.status)", "body is not {\"error\":{\"code\",\"message\"}}: \(String(decoding: resp.body.prefix(200), as: UTF8.self))", input: input(), index: index)
        }
        if resp.headers["Content-Type"] == "application/json", (try? JSONSerialization.jsonObject(with: Data(resp.body), options: [.fragmentsAllowed])) == nil {
            run.report("json-invalid", key: key, "a JSON answer that does not parse: \(String(decoding: resp.body.prefix(200), as: UTF8.self))", input: input(), index: index)
        }
        guard let req else { return }
        if let l = listLength(req, resp), l.count > l.max {
            run.report("list-maximum", key: l.route, "answered \(l.count) rows; the documented maximum is \(l.max)", input: input(), index: index)
        }
        if req.method == "GET", resp.status == 200, req.path == "/v1/sync/blocks", (try? SyncBatch(canonical: resp.body, hashSuite: .sha256)) == nil {
            run.report("sync-undecodable", key: key, "a sync answer its own decoder refuses", input: input(), index: index)
        }
    }

    /// A Prometheus sample line: `name{label="value",...} number`, label values escaped.
    static let sampleLine = try! NSRegularExpression(pattern: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? (-?[0-9][0-9.eE+-]*|NaN|[+-]Inf)$"#)
    /// Distinct `route` labels /metrics may carry: every route and "unmatched", with room to spare. More means
    /// request paths became labels, and each new path costs memory for the life of the process.
    static let maxRouteLabels = 64

    /// `/metrics` stays parseable whatever paths and bodies were sent, and its label set stays bounded.
    static func checkMetrics(_ resp: HTTPResponse, _ run: FuzzRun, _ input: @autoclosure () -> String) {
        guard resp.status == 200 else {
            run.report("metrics-unreadable", key: "/metrics", "status \(resp.status)", input: input())
            return
        }
        let text = String(decoding: resp.body, as: UTF8.self)
        var routes = Set<Substring>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty && !line.hasPrefix("#") {
            let s = String(line)
            if sampleLine.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
                run.report("metrics-format", key: "/metrics", "a line Prometheus cannot parse: \(s.prefix(200).debugDescription)", input: input())
            }
            if line.hasPrefix("yongchain_http_requests_total{route=\""), let end = line.dropFirst(37).firstIndex(of: "\"") {
                routes.insert(line[line.index(line.startIndex, offsetBy: 37)..<end])
            }
        }
        if routes.count > maxRouteLabels {
            run.report("metrics-cardinality", key: "/metrics", "\(routes.count) distinct route labels (e.g. \(routes.sorted().prefix(3).map { String($0).debugDescription })); request paths have become labels", input: input())
        }
    }

    static func isErrorShape(_ body: [UInt8]) -> Bool {
        // A proven "not found" (`?prove=true`, docs/proofs.md) carries its proof and the height it is proven at.
        guard let o = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              o.count == 1 || (o["proof"] != nil && Set(o.keys).isSubset(of: ["error", "proof", "height", "blockHash"])),
              let e = o["error"] as? [String: Any], let code = e["code"] as? String, !code.isEmpty, e["message"] is String else { return false }
        return true
    }

    /// The state oracles: after any unsigned or invalid input the node is not "catching up" (no peer is ahead of
    /// it) and reports no peer above its own committed height.
    static func checkState(_ f: NodeFixture, _ run: FuzzRun, peersOnly: Bool = false, _ input: @autoclosure () -> String) {
        let peers = f.get("/v1/peers")
        let height = f.height
        if let o = try? JSONSerialization.jsonObject(with: Data(peers.body)) as? [String: Any], let list = o["peers"] as? [[String: Any]] {
            for p in list {
                if let h = (p["height"] as? NSNumber)?.uint64Value, h > height {
                    run.report("peer-height", key: "/v1/peers", "peer \(p["name"] ?? "?") reported at height \(h); the node itself is at \(height) and no real peer is ahead", input: input())
                }
            }
        } else {
            run.report("peers-unreadable", key: "/v1/peers", "status \(peers.status): \(String(decoding: peers.body.prefix(200), as: UTF8.self))", input: input())
        }
        if peersOnly { return }
        checkMetrics(f.get("/metrics"), run, input())
        let status = f.get("/v1/status")
        if let o = try? JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any], let catching = o["catchingUp"] as? Bool {
            if catching {
                run.report("catching-up", key: "/v1/status", "catchingUp is true, though no peer is ahead (node at height \(o["height"] ?? "?"))", input: input())
            }
        } else {
            run.report("status-unreadable", key: "/v1/status", "status \(status.status): \(String(decoding: status.body.prefix(200), as: UTF8.self))", input: input())
        }
    }
}
