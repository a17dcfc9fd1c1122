import Foundation
import Testing
import YongchainTestSupport
@testable import YongchainNode

extension FuzzHarness {
    /// The request fuzzer is only as good as its seeds: every documented route has one, and every seed, sent as it is
    /// by a caller the route accepts, gets past parsing and authentication to an answer from the route itself.
    @Suite(.serialized) struct RouteCatalogTests {
        static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

        @Test func everyDocumentedRouteHasASeed() throws {
            let spec = try String(contentsOf: Self.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
            let documented = spec.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  /"), line.hasSuffix(":") else { return nil }
                return String(line.dropFirst(2).dropLast())
            }
            #expect(documented.count >= 20)
            let seeded = Set(RouteCatalog.all.map(\.template))
            for path in documented {
                #expect(seeded.contains(path), "docs/openapi.yaml documents \(path), which has no fuzz seed in RouteCatalog")
            }
        }

        @Test func everySeedReachesItsRoute() throws {
            let f = try NodeFixture(name: "seeds")
            var rng = SplitMix64(seed: 7)
            for seed in RouteCatalog.all {
                var statuses: [Int] = []
                for _ in 0..<6 {
                    var r = seed.make(RouteContext(tip: f.height, committedTxs: f.committedTxs, creditQueryID: f.creditQueryID), &rng)
                    r.query.removeAll { $0.0 == "wait" || $0.0 == "timeoutMs" }
                    if let callers = seed.callers {
                        r.auth = .signed(caller: rng.pick(callers), timestamp: nil, nonce: RequestMutator.nonce(&rng))
                    }
                    let answers = f.handle(raw: r.render(f, &rng))
                    statuses += answers.map(\.response.status)
                    for a in answers where a.response.status >= 400 && a.response.status != 404 && !seed.template.hasPrefix("/v1/txs") {
                        Issue.record("\(seed.method) \(seed.template): seed answered \(a.response.status) \(String(decoding: a.response.body.prefix(200), as: UTF8.self))")
                    }
                }
                #expect(statuses.contains { $0 < 300 } || seed.template.contains("{"), "\(seed.template): no seed got a 2xx (\(statuses))")
            }
        }
    }
}
