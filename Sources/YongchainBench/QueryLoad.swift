import Foundation
import Synchronization
import YongchainCrypto
import YongchainHTTP
import YongchainNode
import YongchainLightClient

/// Verification queries (a unit's encumbrances) against one node over keep-alive connections, as a bank's
/// system would send them: all connections in one API session (the handshake is made before the clock starts),
/// or each request signed with a fresh nonce. Or the same load sent to a floor (`BenchOptions.QueryRoute`), so the
/// node's CPU per request splits into the round trip, the session check and the answer.
enum QueryLoad {
    static func run(manifest: BenchManifest, cluster: BenchCluster, units: Int, seconds: Int, connections: Int, key: PrivateKey,
                    auth: BenchOptions.QueryAuth, route: BenchOptions.QueryRoute = .encumbrances, prove: Bool = false) throws {
        let validators = manifest.validators
        guard !validators.isEmpty else { throw BenchError("the cluster has no validator to query") }
        let node = validators[2 % validators.count]
        let url = node.url
        let chain = manifest.chain.id
        let session = auth == .session && route != .healthz ? APISession(baseURL: url, key: key, chainID: chain, client: BenchHTTP.client()) : nil
        try BenchError.context("opening an API session with \(node.name) at \(url)") { try session?.handshake() }
        let done = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        /// What the failed requests were, by kind (status and error code, or the transport error), and the first few.
        let failures = Mutex<(kinds: [String: Int], first: [String])>(([:], []))
        let latencies = Mutex<[Double]>([])
        let sizes = Mutex<[Int]>([])
        /// Proven answers kept for verifying offline after the clock stops: every 50th, at most 1,000.
        let sample = Mutex<[[UInt8]]>([])
        // What the node spends with no queries (consensus, empty blocks), subtracted from the per-query figure.
        let nodeCPU = { cluster.pid(of: node).flatMap(ProcessSampler.sample)?.cpu ?? 0 }
        let idle0 = nodeCPU()
        Thread.sleep(forTimeInterval: 2)
        let idleRate = (nodeCPU() - idle0) / 2
        let end = Date().addingTimeInterval(Double(seconds))
        let started = Date()
        let cpuBefore = nodeCPU()
        let ownBefore = ProcessSampler.ownCPU()
        onThreads(connections) { c in
            let client = BenchHTTP.client()
            var local: [Double] = []
            var i = c
            while Date() < end {
                i += connections
                let t0 = Date()
                let r: Result<HTTPResponse, any Error>
                let target = Self.target(route, i % units) + (prove ? "?prove=true" : "")
                if route == .healthz {
                    r = Result { try client.send("GET", url: url + target, timeout: 5) }
                } else if let session {
                    r = Result { try session.send("GET", target, timeout: 5, via: client) }
                } else {
                    r = Result { try client.send("GET", url: url + target, headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: chain), timeout: 5) }
                }
                if case .success(let r) = r, r.status == (route == .unregistered ? 404 : 200) {
                    local.append(Date().timeIntervalSince(t0))
                    let n = done.add(1, ordering: .relaxed).newValue
                    if prove {
                        let body = r.body
                        sizes.withLock { $0.append(body.count) }
                        if n % 50 == 0 { sample.withLock { if $0.count < 1_000 { $0.append(body) } } }
                    }
                } else {
                    failed.add(1, ordering: .relaxed)
                    let (kind, detail) = Self.failure(r, sent: t0, target: target)
                    failures.withLock {
                        $0.kinds[kind, default: 0] += 1
                        if $0.first.count < 5 { $0.first.append(detail) }
                    }
                }
            }
            latencies.withLock { $0.append(contentsOf: local) }
        }
        let elapsed = Date().timeIntervalSince(started)
        let queryCPU = nodeCPU() - cpuBefore
        let ownCPU = ProcessSampler.ownCPU() - ownBefore
        let lat = latencies.withLock { $0 }.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        let what = route == .healthz ? "/healthz requests (no session)"
            : (route == .encumbrances ? "encumbrance queries" : "unregistered units' encumbrance queries (404)") + (session == nil ? " (each signed)" : " (one session)")
        Bench.say(String(format: "queries             %d \(what) in %.1f s on one node, %d connections: %.0f req/s, %d failed",
                         done.load(ordering: .relaxed), elapsed, connections, Double(done.load(ordering: .relaxed)) / elapsed, failed.load(ordering: .relaxed)))
        Bench.say(String(format: "query latency ms    p50 %.2f  p99 %.2f  max %.2f  (client signing or MAC included; client and 4 nodes share the cores)",
                         pct(0.5), pct(0.99), (lat.last ?? 0) * 1000))
        let seen = failures.withLock { $0 }
        if !seen.first.isEmpty {
            Bench.say("query failures      " + seen.kinds.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", "))
            for f in seen.first { Bench.say("  a failure         \(f)") }
        }
        let n = Double(max(done.load(ordering: .relaxed), 1))
        Bench.say(String(format: "query cpu           node %@ %.0f µs per query (%.0f%% of a core, less the %.0f%% it uses idle); load generator %.0f µs per query",
                         node.name, max(queryCPU - idleRate * elapsed, 0) / n * 1e6, 100 * queryCPU / elapsed, 100 * idleRate, ownCPU / n * 1e6))
        if prove { try verifyOffline(sizes: sizes.withLock { $0 }, sample: sample.withLock { $0 }, genesisPath: node.home + "/genesis.json") }
    }

    /// A failed query's kind ("401 AUTH_SEQ_TOO_OLD", or the transport error's type and code) and what a reader needs to
    /// find its cause: the target, when it was sent, how long it took, and the node's message.
    static func failure(_ r: Result<HTTPResponse, any Error>, sent: Date, target: String) -> (kind: String, detail: String) {
        let took = String(format: "%.1f ms", Date().timeIntervalSince(sent) * 1000)
        let at = ISO8601DateFormatter.string(from: sent, timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        switch r {
        case .success(let r):
            let (code, message) = APISession.errorCode(r.body)
            let kind = "\(r.status) \(code ?? "(no code)")"
            return (kind, "\(kind) for GET \(target) sent \(at), \(took): \(message ?? String(decoding: r.body.prefix(200), as: UTF8.self))")
        case .failure(let e):
            let kind: String
            if let e = e as? HTTPError { kind = "transport \(e.code)" } else { kind = "error \(type(of: e))" }
            return (kind, "\(kind) for GET \(target) sent \(at), \(took): \(e)")
        }
    }

    /// The request's target for the `i`th unit: a floor route's asks nobody's unit (`unregistered`: units the
    /// workload never registers, which has at most 1,000,000).
    static func target(_ route: BenchOptions.QueryRoute, _ i: Int) -> String {
        switch route {
        case .encumbrances: return "/v1/mortgage/units/\(Workload.unitNumber(i))/encumbrances"
        case .healthz: return "/healthz"
        case .unregistered: return "/v1/mortgage/units/\(Workload.unitNumber(1_000_000 + i))/encumbrances"
        }
    }

    /// Answer sizes, and the light client's time per answer: each sampled answer verified from genesis alone.
    static func verifyOffline(sizes: [Int], sample: [[UInt8]], genesisPath: String) throws {
        let genesis = try GenesisFile.load(path: genesisPath)
        var times: [Double] = []
        var failures = 0
        for body in sample {
            let t0 = Date()
            do { _ = try AnswerVerifier.verify(response: body, genesis: genesis) } catch { failures += 1 }
            times.append(Date().timeIntervalSince(t0))
        }
        let s = sizes.sorted(), t = times.sorted()
        func at<T>(_ a: [T], _ p: Double) -> T? { a.isEmpty ? nil : a[min(a.count - 1, Int(Double(a.count) * p))] }
        Bench.say(String(format: "proven answers      size bytes p50 %d  p99 %d  max %d (answer + base64 bundle)", at(s, 0.5) ?? 0, at(s, 0.99) ?? 0, s.last ?? 0))
        Bench.say(String(format: "offline verify ms   p50 %.2f  p99 %.2f over %d sampled answers, %d not proven (genesis, certificate, proofs, the answer re-run)",
                         (at(t, 0.5) ?? 0) * 1000, (at(t, 0.99) ?? 0) * 1000, t.count, failures))
    }
}
