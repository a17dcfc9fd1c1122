import Foundation
import Synchronization
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// Prints, each time the committed count passes a checkpoint, what the chain's growth did to the figures.
final class GrowthProbe: @unchecked Sendable {
    let checkpoints: [Int]
    let follower: CommitFollower
    let manifest: BenchManifest
    let cluster: BenchCluster
    let queryURL: String
    let key: PrivateKey
    let chain: String
    let units: Int
    private let running = Mutex(true)
    private let finished = DispatchSemaphore(value: 0)

    init(checkpoints: [Int], follower: CommitFollower, manifest: BenchManifest, cluster: BenchCluster, queryURL: String, key: PrivateKey,
         chain: String, units: Int) {
        self.checkpoints = checkpoints; self.follower = follower; self.manifest = manifest; self.cluster = cluster
        self.queryURL = queryURL; self.key = key; self.chain = chain; self.units = units
    }

    func start() {
        Bench.say("growth              committed   tx/s since last   query p50/p99 ms   max node rss MiB   database MiB")
        Thread.detachNewThread { [self] in
            var last = (count: 0, at: Date())
            var pending = checkpoints[...]
            defer { finished.signal() }
            while let next = pending.first {
                let count = follower.committedCount
                guard count >= next else {
                    if !running.withLock({ $0 }) { return }
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                pending.removeFirst()
                let now = Date()
                let rate = Double(count - last.count) / now.timeIntervalSince(last.at)
                last = (count, now)
                let (p50, p99) = queryLatency(upTo: count)
                let rss = manifest.nodes.compactMap { cluster.pid(of: $0) }.map(ProcessSampler.residentMiB).max() ?? 0
                let db = manifest.nodes.first.map { ProcessSampler.databaseMiB($0.home + "/data") } ?? 0
                Bench.say(String(format: "growth              %9d   %15.0f   %8.2f / %6.2f   %16.0f   %12.0f", count, rate, p50, p99, rss, db))
            }
        }
    }

    /// Stops after printing every checkpoint already passed.
    func stop() {
        running.withLock { $0 = false }
        finished.wait()
    }

    /// 500 signed encumbrance queries, one connection, over units already registered.
    private func queryLatency(upTo count: Int) -> (Double, Double) {
        let client = BenchHTTP.client()
        var lat: [Double] = []
        let known = max(1, min(units, count))
        for i in 0..<500 {
            let u = (i * 7919) % known
            let target = "/v1/mortgage/units/\(Workload.unitNumber(u))/encumbrances"
            let t0 = Date()
            if let r = try? client.send("GET", url: queryURL + target, headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: chain), timeout: 5),
               r.status == 200 { lat.append(Date().timeIntervalSince(t0) * 1000) }
        }
        lat.sort()
        return lat.isEmpty ? (0, 0) : (lat[lat.count / 2], lat[min(lat.count - 1, lat.count * 99 / 100)])
    }
}
