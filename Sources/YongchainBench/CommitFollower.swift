import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// Follows one node's committed blocks through `GET /v1/sync/blocks` and timestamps each transaction's commit.
final class CommitFollower: @unchecked Sendable {
    let url: String
    private let lock = NSLock()
    private var submittedAt: [Hash: Date] = [:]
    private(set) var latencies: [Double] = []
    private(set) var committedCount = 0
    private(set) var blocks = 0
    private(set) var lastCommit = Date()
    private var outstanding = 0
    private(set) var submittedCount = 0
    private var running = true
    private var next: UInt64 = 0
    private var chain = Chain(id: "", hashSuite: .sha256)
    private let finished = DispatchSemaphore(value: 0)

    init(url: String) { self.url = url }

    func submitted(_ h: Hash) { lock.withLock { submittedAt[h] = Date(); outstanding += 1; submittedCount += 1 } }
    /// Refused at admission (never to commit from this submission), by code.
    private(set) var refused: [String: Int] = [:]
    func failed(_ h: Hash, code: String) {
        lock.withLock {
            refused[code, default: 0] += 1
            if submittedAt.removeValue(forKey: h) != nil { outstanding -= 1 }
        }
    }

    func start() {
        let client = BenchHTTP.client()
        if let r = try? client.send("GET", url: url + "/v1/status"), let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] {
            next = UInt64((o["height"] as? Int) ?? 0) + 1
            chain = Chain(id: o["chainId"] as? String ?? "", hashSuite: (o["hashSuite"] as? String).flatMap(HashSuite.init) ?? .sha256)
        }
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            while lock.withLock({ running }) {
                // Waits at the node (minHeight) for the next block rather than polling for it.
                guard let r = try? client.send("GET", url: url + "/v1/sync/blocks?from=\(next)&limit=50&minHeight=\(next)&timeoutMs=1000", timeout: 10), r.status == 200,
                      let batch = try? SyncBlocks.decode(r.body, suite: chain.hashSuite), !batch.isEmpty else {
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
                let now = Date()
                let hashes = batch.flatMap { $0.transactions.map { $0.hash(on: chain) } }
                lock.withLock {
                    for h in hashes {
                        committedCount += 1
                        if let t = submittedAt.removeValue(forKey: h) {
                            latencies.append(now.timeIntervalSince(t))
                            outstanding -= 1
                        }
                    }
                    blocks += batch.count
                    if !hashes.isEmpty { lastCommit = now }
                }
                next += UInt64(batch.count)
            }
        }
    }

    func waitForAll(timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while lock.withLock({ outstanding > 0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    /// Stops following and waits for the follower's thread to finish (it may be in a 1 s wait at the node), so
    /// the counters are final when read.
    func stop() {
        lock.withLock { running = false }
        finished.wait()
    }
}
