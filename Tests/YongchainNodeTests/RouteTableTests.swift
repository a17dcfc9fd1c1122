import Foundation
import Testing
import YongchainHTTP
@testable import YongchainNode

/// The route table is the one list of routes (RouteTable+Node.swift): docs/openapi.yaml documents exactly its
/// documented routes, method for method, and every path it knows, asked with a method it has no route for,
/// answers 405 with the `Allow` the table gives, counted in /metrics under its template.
@Suite(.serialized) struct RouteTableTests {
    static let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path

    /// "METHOD /template" of every operation in docs/openapi.yaml's `paths:`.
    static func documented() throws -> Set<String> {
        var out = Set<String>()
        var path: String?
        for line in try String(contentsOfFile: spec, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); continue }
            if !line.hasPrefix("  ") { path = nil; continue }
            for m in ["get", "post", "put", "delete", "patch", "head", "options"] where line == "    \(m):" {
                if let path { out.insert("\(m.uppercased()) \(path)") }
            }
        }
        return out
    }

    static func request(_ method: String, _ path: String) -> HTTPRequest {
        var parser = HTTPRequestParser()
        parser.feed(Array("\(method) \(path) HTTP/1.1\r\nHost: node\r\nContent-Length: 0\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { fatalError("test request did not parse") }
        return req
    }

    @Test func docsOpenAPIAndTheTableListTheSameOperations() throws {
        let f = try HostileInputTests.Fixture()
        let table = Set(f.node.api.table.routes.filter(\.documented).map { "\($0.method) \($0.template)" })
        let spec = try Self.documented()
        #expect(spec.count >= 25, "the spec parsed to \(spec.count) operations")
        #expect(table.subtracting(spec).isEmpty, "served, not in docs/openapi.yaml: \(table.subtracting(spec).sorted())")
        #expect(spec.subtracting(table).isEmpty, "in docs/openapi.yaml, not served: \(spec.subtracting(table).sorted())")
    }

    @Test func aKnownPathAskedWithAMethodItLacksAnswers405WithAllow() throws {
        let f = try HostileInputTests.Fixture()
        let table = f.node.api.table
        var labelled = Set<String>()
        for template in Set(table.routes.map(\.template)) {
            let path = template.replacingOccurrences(of: #"\{[a-z]+\}"#, with: "x", options: .regularExpression)
            let allowed = table.methods(template)
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"] where !allowed.contains(method) {
                let r = f.api.handle(Self.request(method, path))
                #expect(r.status == 405 && r.headers["Allow"] == allowed.joined(separator: ", "),
                        "\(method) \(path): \(r.status) Allow \(r.headers["Allow"] ?? "none")")
                labelled.insert(template)
            }
        }
        // The governance routes were missing from the old method list (issue 25): 404 where 405 was promised.
        let post = f.api.handle(Self.request("POST", "/v1/governance/proposals"))
        #expect(post.status == 405 && post.headers["Allow"] == "GET")
        let text = String(decoding: f.api.handle(Self.request("GET", "/metrics")).body, as: UTF8.self)
        for template in labelled {
            #expect(text.contains("yongchain_http_requests_total{route=\"\(template)\",status=\"405\"}"), "\(template) is the label of its 405s")
        }
        #expect(f.api.handle(Self.request("GET", "/v1/undocumented")).status == 404)
    }

    /// A path is split at its "/" bytes (API.route): empty segments dropped, any other bytes kept in their segment.
    @Test func aPathIsSplitAtItsSlashes() throws {
        let f = try HostileInputTests.Fixture()
        #expect(f.api.handle(Self.request("GET", "//healthz/")).status == 200)
        #expect(f.api.handle(Self.request("GET", "/v1//status")).status == 200)
        // One segment, the unit: the route is found (and asks who is calling), not 404.
        #expect(f.api.handle(Self.request("GET", "/v1/mortgage/units/%E5%8D%95%2F/encumbrances")).status == 401)
        #expect(f.api.handle(Self.request("GET", "/v1/mortgage/units/a/b/encumbrances")).status == 404)
    }

    /// The matcher compares a literal segment whole, byte for byte, and decodes only parameters (RouteTable.match):
    /// a segment that is a prefix of a literal, or a literal's prefix, fits nothing; the path is matched as decoded
    /// (a percent-encoded literal matches, an encoded "/" splits); empty segments (a trailing or doubled slash) are
    /// dropped; the most literal segments win, the first in the table among equals. As main answered each.
    @Test func literalSegmentsMatchWholeAndParametersAreDecodedOnce() throws {
        let ok = Route.Handler.plain { _ in .text(200, "") }
        let table = RouteTable([
            Route("GET", "/v1/blocks", ok), Route("GET", "/v1/blocks/latest", ok), Route("GET", "/v1/blocks/{height}", ok),
            Route("POST", "/v1/txs/batch", ok), Route("GET", "/v1/txs/{hash}", ok), Route("GET", "/v1/{a}/{b}", ok),
            Route("GET", "/v1/{b}/{a}", ok),
        ])
        func m(_ path: String) -> String {
            guard let r = table.match(path) else { return "none" }
            return ([r.template] + r.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
        #expect(m("/v1/blocks") == "/v1/blocks")
        #expect(m("/v1/block") == "none")
        #expect(m("/v1/blocksx") == "none")
        #expect(m("/v1/Blocks") == "none")
        #expect(m("/v1blocks") == "none")
        #expect(m("/v1/blocks/") == "/v1/blocks")
        #expect(m("//v1//blocks//latest//") == "/v1/blocks/latest")
        #expect(m("/v1/blocks/latest") == "/v1/blocks/latest")
        #expect(m("/v1/blocks/lates") == "/v1/blocks/{height} height=lates")
        #expect(m("/v1/blocks/latestx") == "/v1/blocks/{height} height=latestx")
        #expect(m("/v1/blocks/12") == "/v1/blocks/{height} height=12")
        #expect(m("/v1/blocks/单元 é") == "/v1/blocks/{height} height=单元 é")
        #expect(m("/v1/blocks/{height}") == "/v1/blocks/{height} height={height}")
        #expect(m("/v1/blocks/12/x") == "none")
        #expect(m("/v1/txs/batch") == "/v1/txs/batch")
        #expect(m("/v1/txs/batch2") == "/v1/txs/{hash} hash=batch2")
        // Two segments after /v1 that are not a literal: the first of the equally good templates.
        #expect(m("/v1/x/y") == "/v1/{a}/{b} a=x b=y")
        #expect(m("/") == "none")
        #expect(m("") == "none")
        #expect(m("/v1/blocks/1/2/3/4/5/6/7/8") == "none")

        // Through the parser and the node's table: a percent-encoded literal is the literal, an encoded "/" splits a
        // segment, a GET of the POST-only literal answers 405 (the literal wins over /v1/txs/{hash}).
        let f = try HostileInputTests.Fixture()
        #expect(f.api.handle(Self.request("GET", "/v1/%62locks/latest")).status == f.api.handle(Self.request("GET", "/v1/blocks/latest")).status)
        #expect(f.api.handle(Self.request("GET", "/%68ealthz")).status == 200)
        #expect(f.api.handle(Self.request("GET", "/healthz%2F")).status == 200)
        #expect(f.api.handle(Self.request("GET", "/healthz%2Fx")).status == 404)
        #expect(f.api.handle(Self.request("GET", "/healthzz")).status == 404)
        #expect(f.api.handle(Self.request("GET", "/HEALTHZ")).status == 404)
        let batch = f.api.handle(Self.request("GET", "/v1/txs/batch"))
        #expect(batch.status == 405 && batch.headers["Allow"] == "POST")
        #expect(f.api.handle(Self.request("GET", "/v1/mortgage/units/%7Bunit%7D/encumbrances")).status == 401)
    }
}
