import Foundation
import Testing
import YongchainHTTP
import YongchainTestSupport
@testable import YongchainNode

extension FuzzHarness {
    /// The request fuzzer is only as good as its seeds: every route of the table has one, and every seed, sent as it is
    /// by a caller the route accepts, gets past parsing and authentication to an answer from the route itself.
    @Suite(.serialized) struct RouteCatalogTests {
        static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

        /// The fuzzer's route list follows the node's route table: a seed for every route it serves.
        @Test func everyRouteInTheTableHasASeed() throws {
            let f = try NodeFixture(name: "table")
            let served = Set(f.node.api.table.routes.map { "\($0.method) \($0.template)" })
            #expect(served.count >= 25)
            let seeded = Set(RouteCatalog.all.map { "\($0.method) \($0.template)" })
            for route in served.sorted() {
                #expect(seeded.contains(route), "the route table serves \(route), which has no fuzz seed in RouteCatalog")
            }
            #expect(seeded.subtracting(served).isEmpty, "seeds for routes the node does not serve: \(seeded.subtracting(served).sorted())")
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
                    // A gossip seed names another chain one time in five (GossipSeeds): the route's own answer.
                    let routesOwn = { (a: HTTPResponse) in seed.template == "/v1/gossip" && String(decoding: a.body, as: UTF8.self).contains("WRONG_CHAIN") }
                    for a in answers where a.response.status >= 400 && a.response.status != 404 && !seed.template.hasPrefix("/v1/txs") && !routesOwn(a.response) {
                        Issue.record("\(seed.method) \(seed.template): seed answered \(a.response.status) \(String(decoding: a.response.body.prefix(200), as: UTF8.self))")
                    }
                }
                #expect(statuses.contains { $0 < 300 } || seed.template.contains("{"), "\(seed.template): no seed got a 2xx (\(statuses))")
            }
        }
    }
}
