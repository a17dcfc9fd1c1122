import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// The outbound half of the peer protocol: pushes gossip to every peer, one outbound queue and one sender thread
/// per peer, batching whatever accumulated while the previous request was in flight. Lost batches are not
/// retried: the node re-sends its latest consensus messages periodically, which is what lets progress resume
/// after loss or a partition. It also keeps what the node knows of each peer (`PeerInfo`: verified heights apart
/// from claims).
///
/// Thread rule: any thread broadcasts and notes; the queues under `cond`, the peers under `lock`; each peer's
/// sender thread owns its connection.
final class Gossip: @unchecked Sendable {
    private let lock = NSLock()
    private let cond = NSCondition()
    private var queues: [[GossipMessage]]
    /// Each queue's weight (`GossipMessage.weight`), kept beside it.
    private var weights: [Int]
    /// The consensus messages waiting in each queue (`GossipMessage.queueKey`), kept beside it: a re-send of one
    /// still waiting is not queued again.
    private var waiting: [Set<GossipMessage.QueueKey>]
    private(set) var peers: [PeerInfo]
    private let client: HTTPClient
    private let chainID: String
    private let me: String
    private let heightProvider: @Sendable () -> UInt64
    private let logger: Logger
    private var running = true
    private var threads: [Thread] = []
    /// The most weight one peer's queue holds (a transaction or vote weighs one, a proposal one per transaction):
    /// beyond it the older half is dropped. Bounded in messages, a peer that was down or slow let a flood's batches
    /// (up to 1,000 transactions each) pile up to hundreds of MiB on every other node; this is twice what a peer's
    /// pool takes (`MempoolLimits.maxTransactions`), at most about 60 MiB of transactions (the queues share them),
    /// and what a peer missed reaches it in proposals and blocks. A busy peer's queue in the city-year reached about
    /// 56,000 (docs/performance.md, session 14): a bound below that would drop gossip a working peer still takes.
    let maxQueuedWeight = 100_000
    let maxBatch = 2_000
    /// Batches dropped, over all peers, because a queue overflowed or a send failed (read under `lock`).
    private var droppedCount = 0
    var dropped: Int { lock.withLock { droppedCount } }

    init(peers: [PeerInfo], chainID: String, me: String, client: HTTPClient, logger: Logger, height: @escaping @Sendable () -> UInt64) {
        self.peers = peers
        self.queues = Array(repeating: [], count: peers.count)
        self.weights = Array(repeating: 0, count: peers.count)
        self.waiting = Array(repeating: [], count: peers.count)
        self.client = client
        self.chainID = chainID
        self.me = me
        self.logger = logger
        self.heightProvider = height
    }

    private var started = false

    func start() {
        cond.lock()
        started = true
        let count = peers.count
        cond.unlock()
        for i in 0..<count { startSender(i) }
    }

    private func startSender(_ i: Int) {
        let t = Thread { [self] in self.run(peer: i) }
        t.name = "gossip-\(lock.withLock { peers[i].name })"
        t.start()
        lock.withLock { threads.append(t) }
    }

    /// Adds a peer that is not known yet (by URL): a member governance admitted, whose node this one now pushes
    /// gossip to (a known one governance made full again is `setFullNode`). A member that leaves is kept until restart (its node follows as an observer, or is gone and
    /// costs one failing sender).
    func add(_ p: PeerInfo) {
        cond.lock()
        guard lock.withLock({ !peers.contains { $0.url == p.url } }) else { cond.unlock(); return }
        queues.append([])
        weights.append(0)
        waiting.append([])
        let i = lock.withLock { peers.append(p); return peers.count - 1 }
        let run = started && running
        cond.unlock()
        if run { startSender(i) }
    }

    /// Whether the peer at `url` runs a full node: a member node is sent no gossip (what is queued for it is
    /// dropped) and asked for no blocks (docs/confidentiality.md).
    func setFullNode(url: String, _ full: Bool) {
        cond.lock()
        defer { cond.unlock() }
        lock.withLock {
            for i in peers.indices where peers[i].url == url {
                peers[i].fullNode = full
                if !full { queues[i].removeAll(); weights[i] = 0; waiting[i].removeAll() }
            }
        }
    }

    /// Messages waiting to be sent to the peer at `url`.
    func queued(url: String) -> Int {
        cond.withLock { lock.withLock { peers.firstIndex { $0.url == url } }.map { queues[$0].count } ?? 0 }
    }

    /// What waits in each peer's queue, by weight (`GossipMessage.weight`: a transaction or vote one, a proposal one
    /// per transaction it carries).
    var queuedWeights: [(peer: String, weight: Int)] {
        cond.withLock { lock.withLock { peers.indices.map { (peers[$0].name, weights[$0]) } } }
    }

    func stop() {
        cond.lock()
        running = false
        cond.broadcast()
        cond.unlock()
    }

    /// Queues `m` for every full node's peer, unless the same proposal or vote still waits in that peer's queue (the
    /// re-sends every second would otherwise stack behind a slow peer, a proposal weighing its whole block).
    func broadcast(_ m: GossipMessage) {
        cond.lock()
        let full = lock.withLock { peers.map(\.fullNode) }
        let w = m.weight
        let key = m.queueKey
        for i in queues.indices where full[i] {
            if let key, waiting[i].contains(key) { continue }
            if weights[i] + w > maxQueuedWeight {
                // The older messages go until half the bound is left (the newest consensus messages matter most).
                var drop = 0
                while drop < queues[i].count && weights[i] + w > maxQueuedWeight / 2 {
                    weights[i] -= queues[i][drop].weight
                    if let k = queues[i][drop].queueKey { waiting[i].remove(k) }
                    drop += 1
                }
                queues[i].removeFirst(drop)
                lock.withLock { droppedCount += 1 }
            }
            queues[i].append(m)
            weights[i] += w
            if let key { waiting[i].insert(key) }
        }
        cond.broadcast()
        cond.unlock()
    }

    /// How long an unverified height claim counts as a hint for catch-up.
    static let claimLifetimeMs: Int64 = 10_000
    /// How far above this node's tip a peer's signed vote or proposal may put its reported height (docs/gossip.md).
    static let signedHeightWindow: UInt64 = 100
    /// Longest a peer whose claims proved false is ignored.
    static let maxClaimPenaltyMs: Int64 = 300_000

    /// Records what a peer claims about its height (an unsigned gossip envelope, gossip reply or status answer):
    /// a hint of where to fetch blocks, nothing more.
    func noteClaim(url: String? = nil, name: String? = nil, height: UInt64, nowMs: Int64) {
        lock.withLock {
            for i in peers.indices where (peers[i].name == name || peers[i].url == url) && nowMs >= peers[i].ignoreClaimsUntilMs {
                peers[i].claimedHeight = height
                peers[i].claimedAtMs = nowMs
            }
        }
    }

    /// Records that we reached the peer ourselves (it answered an outbound request).
    func noteReached(url: String, nowMs: Int64) {
        lock.withLock { for i in peers.indices where peers[i].url == url { peers[i].lastContactMs = nowMs; peers[i].lastError = nil } }
    }

    /// Records why an outbound request to the peer got no answer (health says it when no peer answers).
    func noteFailed(url: String, why: String) {
        lock.withLock { for i in peers.indices where peers[i].url == url { peers[i].lastError = why } }
    }

    /// "HTTP 400 TLS_REQUIRED": a status and, when the body is the API's error, its code.
    static func describe(status: Int, body: [UInt8]) -> String {
        struct E: Decodable { struct Inner: Decodable { let code: String }; let error: Inner }
        let code = (try? JSONDecoder().decode(E.self, from: Data(body.prefix(4096))))?.error.code
        return "HTTP \(status)" + (code.map { " \($0.prefix(64))" } ?? "")
    }

    /// Records a height the peer is proven to have committed (verified blocks it served, or its signed messages).
    func noteVerified(url: String? = nil, name: String? = nil, height: UInt64) {
        lock.withLock {
            for i in peers.indices where peers[i].name == name || peers[i].url == url {
                peers[i].height = max(peers[i].height, height)
            }
        }
    }

    /// A peer's claim proved false (it had nothing above our tip, or sent something invalid): forget the claim and
    /// ignore its claims for a while, longer each time.
    func claimFailed(url: String, nowMs: Int64) {
        lock.withLock {
            for i in peers.indices where peers[i].url == url {
                peers[i].claimedHeight = 0
                peers[i].claimPenaltyMs = min(max(peers[i].claimPenaltyMs * 2, 1_000), Gossip.maxClaimPenaltyMs)
                peers[i].ignoreClaimsUntilMs = nowMs + peers[i].claimPenaltyMs
            }
        }
    }

    /// The peer served verified blocks: its claims are believed again as hints.
    func claimHeld(url: String) {
        lock.withLock { for i in peers.indices where peers[i].url == url { peers[i].claimPenaltyMs = 0; peers[i].ignoreClaimsUntilMs = 0 } }
    }

    var snapshot: [PeerInfo] { lock.withLock { peers } }

    private func run(peer i: Int) {
        var backoff = 0.05
        while true {
            cond.lock()
            while running && queues[i].isEmpty { cond.wait() }
            // Transactions alone may linger a few milliseconds to travel in fuller batches; consensus messages
            // never wait.
            let linger = Date().addingTimeInterval(0.005)
            while running && queues[i].count < maxBatch && queues[i].allSatisfy({ if case .transactions = $0 { return true }; return false }) {
                if !cond.wait(until: linger) { break }
            }
            if !running { cond.unlock(); return }
            // At most maxBatch items (transactions count one each, a proposal one per transaction it carries),
            // so an envelope stays far below a peer's body limit however the messages were grouped.
            var weight = 0, count = 0
            for m in queues[i] {
                weight += m.weight
                if count > 0 && weight > maxBatch { break }
                count += 1
            }
            let batch = Array(queues[i].prefix(count))
            queues[i].removeFirst(count)
            weights[i] -= batch.reduce(0) { $0 + $1.weight }
            for m in batch { if let k = m.queueKey { waiting[i].remove(k) } }
            cond.unlock()

            let env = GossipEnvelope(chainID: chainID, sender: me, senderHeight: heightProvider(), messages: batch)
            let p = lock.withLock { peers[i] }
            do {
                let resp = try client.send("POST", host: p.host, port: p.port, path: "/v1/gossip",
                                           headers: [("Content-Type", "application/octet-stream")], body: env.canonicalBytes, timeout: 5)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                lock.withLock {
                    peers[i].sent += batch.count
                    peers[i].lastError = resp.status == 200 ? nil : Gossip.describe(status: resp.status, body: resp.body)
                    if resp.status == 200 { peers[i].lastContactMs = now }
                    if let h = GossipReply.height(resp.body), now >= peers[i].ignoreClaimsUntilMs {
                        peers[i].claimedHeight = h
                        peers[i].claimedAtMs = now
                    }
                }
                backoff = 0.05
            } catch {
                lock.withLock {
                    peers[i].failures += 1
                    peers[i].lastError = "\(error)"
                    droppedCount += 1
                }
                // A down peer: wait a little before trying again, and keep only recent messages.
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 1.0)
            }
        }
    }
}

/// The reply to a gossip POST carries the receiver's committed height, so senders learn who is ahead.
enum GossipReply {
    static func encode(height: UInt64) -> [UInt8] {
        var w = CanonicalWriter()
        w.u64(height)
        return w.bytes
    }
    static func height(_ body: [UInt8]) -> UInt64? {
        var r = CanonicalReader(body)
        return try? r.u64()
    }
}
