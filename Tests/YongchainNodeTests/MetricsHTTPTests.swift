import Testing
@testable import YongchainNode
import YongchainTestSupport

/// /metrics' HTTP counters, kept per route and changed in place, render the lines the "route|status" counters and
/// copied bucket arrays rendered (session 15's code, kept here as the reference): same order, same numbers.
@Suite struct MetricsHTTPTests {
    /// The counters as they were kept and rendered before session 16.
    struct Reference {
        var http: [String: Int] = [:]
        var httpLatency: [String: [Int]] = [:]
        var httpLatencySum: [String: Double] = [:]

        mutating func observe(route: String, status: Int, seconds: Double) {
            http["\(route)|\(status)", default: 0] += 1
            var b = httpLatency[route] ?? Array(repeating: 0, count: Metrics.latencyBuckets.count + 1)
            let i = Metrics.latencyBuckets.firstIndex { seconds <= $0 } ?? Metrics.latencyBuckets.count
            b[i] += 1
            httpLatency[route] = b
            httpLatencySum[route, default: 0] += seconds
        }

        func lines() -> (requests: [String], latency: [String]) {
            let requests = http.sorted { $0.key < $1.key }.map { k, v in
                let p = k.split(separator: "|")
                return "yongchain_http_requests_total{route=\"\(p[0])\",status=\"\(p[1])\"} \(v)"
            }
            var lat: [String] = []
            for (route, buckets) in httpLatency.sorted(by: { $0.key < $1.key }) {
                var cum = 0
                for (i, le) in Metrics.latencyBuckets.enumerated() {
                    cum += buckets[i]
                    lat.append("yongchain_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(le)\"} \(cum)")
                }
                cum += buckets.last!
                lat.append("yongchain_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cum)")
                lat.append("yongchain_http_request_duration_seconds_sum{route=\"\(route)\"} \(httpLatencySum[route] ?? 0)")
                lat.append("yongchain_http_request_duration_seconds_count{route=\"\(route)\"} \(cum)")
            }
            return (requests, lat)
        }
    }

    /// Seeded observations over routes where one is another's prefix (so "route|status" order differs from route
    /// order), statuses of every class, latencies on and between the bucket bounds and past the last.
    @Test func perRouteCountersRenderTheReferenceLines() {
        var rng = SplitMix64(seed: 1616)
        let routes = ["/healthz", "/v1/x", "/v1/x/{a}", "/v1/x/{a}/b", "unmatched", "/v1/txs/batch"]
        let statuses = [200, 201, 400, 401, 404, 405, 429, 503]
        let latencies = Metrics.latencyBuckets + [0, 0.0001, 0.0007, 0.003, 0.7, 11, 60]
        let metrics = Metrics()
        var reference = Reference()
        #expect(metrics.httpLines().requests.isEmpty && metrics.httpLines().latency.isEmpty)
        for n in 0..<3_000 {
            let route = routes[rng.int(0...routes.count - 1)], status = statuses[rng.int(0...statuses.count - 1)]
            let seconds = latencies[rng.int(0...latencies.count - 1)]
            metrics.observeHTTP(route: route, status: status, seconds: seconds)
            reference.observe(route: route, status: status, seconds: seconds)
            if n == 0 || n % 700 == 0 {
                #expect(metrics.httpLines().requests == reference.lines().requests)
                #expect(metrics.httpLines().latency == reference.lines().latency)
            }
        }
        let got = metrics.httpLines(), expected = reference.lines()
        #expect(got.requests == expected.requests)
        #expect(got.latency == expected.latency)
        #expect(got.requests.count == routes.count * statuses.count)
        #expect(got.latency.count == routes.count * (Metrics.latencyBuckets.count + 3))
    }
}
