import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Catch-up (block sync): fetching committed blocks from peers that may be ahead, and committing them through the
/// consensus shell, which verifies each against its certificate (`.certified`) and begins the next height.
/// Whom to ask comes from peers' claims (hints that expire, and are ignored for a while once proven false) or,
/// when signatures prove this node is behind but nobody claims to be ahead, from every peer in turn.
///
/// Thread rule: its own thread (`sync`); it touches consensus only through the shell's queue (`commitFetched`),
/// peers only through `Gossip`'s lock, and what it knows of the chain ahead through `CatchUpStatus`'s.
final class CatchUp: @unchecked Sendable {
    /// Most blocks asked for in one request.
    static let batchBlocks = 100

    let consensus: ConsensusShell
    let gossip: Gossip
    let client: HTTPClient
    let status: CatchUpStatus
    let report: HealthReport
    let chain: Chain
    let metrics: Metrics
    let logger: Logger
    /// Signs each sync request (docs/api-auth.md), so that full nodes serve this one whole blocks; nil for an
    /// observer without a key, which asks unsigned.
    let key: PrivateKey?
    private var thread: Thread?

    init(consensus: ConsensusShell, gossip: Gossip, client: HTTPClient, status: CatchUpStatus, report: HealthReport,
         metrics: Metrics, key: PrivateKey?, logger: Logger) {
        self.consensus = consensus
        self.gossip = gossip
        self.client = client
        self.status = status
        self.report = report
        chain = consensus.chain
        self.metrics = metrics
        self.key = key
        self.logger = logger
    }

    var store: ChainStore { consensus.store }

    /// Starts the sync thread; it ends once the node stops or halts.
    func start() {
        let t = Thread { [self] in syncLoop() }
        t.name = "sync"
        t.start()
        thread = t
    }

    /// Fetches committed blocks from peers that may be ahead, verifies their certificates, and applies them.
    /// Whom to ask comes from peers' claims (hints that expire, and are ignored for a while once proven false) or,
    /// when signatures prove we are behind but nobody claims to be ahead, from every peer in turn.
    private func syncLoop() {
        var lastPoll = Date.distantPast
        var nextPeer = 0
        while consensus.running {
            if Date().timeIntervalSince(lastPoll) > 1 {
                pollQuietPeers()
                lastPoll = Date()
            }
            let tip = store.tip
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let peers = gossip.snapshot.filter(\.fullNode)
            var candidates = peers.filter { $0.claimedHeight > tip.height && now - $0.claimedAtMs < Gossip.claimLifetimeMs }
                .sorted { $0.claimedHeight > $1.claimedHeight }
            if candidates.isEmpty, status.provenHeight > tip.height, !peers.isEmpty {
                candidates = [peers[nextPeer % peers.count]]
                nextPeer &+= 1
            }
            var progressed = false
            for p in candidates.prefix(2) {
                if fetchBlocks(from: p, after: tip) { progressed = true; break }
            }
            metrics.setCatchingUp(status.isBehind(tip: store.tip.height))
            // A node that reaches no peer, or knows it is behind and cannot catch up, says why in its log too.
            if let p = report.problem(), p.code == NodeCode.peersUnreachable || p.code == NodeCode.notCaughtUp {
                logger.throttled(.warn, key: "health-\(p.code)", interval: 60, "p2p", "\(p.code): \(p.message)", height: store.tip.height)
            }
            if !progressed { Thread.sleep(forTimeInterval: 0.25) }
        }
        metrics.setCatchingUp(false)
    }

    /// Peers we have not reached lately (an observer hears from nobody) are asked for their height: a claim.
    private func pollQuietPeers() {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        struct Status: Decodable { let height: UInt64 }
        for p in gossip.snapshot where (p.lastContactMs ?? 0) < now - 2000 {
            let r: HTTPResponse
            do { r = try client.send("GET", host: p.host, port: p.port, path: "/v1/status", timeout: 1) } catch {
                gossip.noteFailed(url: p.url, why: "\(error)")
                continue
            }
            guard r.status == 200, let s = try? JSONDecoder().decode(Status.self, from: Data(r.body)) else {
                gossip.noteFailed(url: p.url, why: Gossip.describe(status: r.status, body: r.body))
                continue
            }
            gossip.noteReached(url: p.url, nowMs: now)
            gossip.noteClaim(url: p.url, height: s.height, nowMs: now)
        }
    }

    /// Asks `p` for the blocks after `tip` and applies every one that verifies. Returns whether any was applied; a
    /// peer that had nothing above our tip, or sent an invalid block, has its claim dropped (`claimFailed`).
    private func fetchBlocks(from p: PeerInfo, after tip: ChainTip) -> Bool {
        let nowMs = { Int64(Date().timeIntervalSince1970 * 1000) }
        let target = "/v1/sync/blocks?from=\(tip.height + 1)&limit=\(Self.batchBlocks)"
        let headers = key.map { RequestAuth.headers(method: "GET", target: target, key: $0, chainID: chain.id) } ?? []
        guard let resp = try? client.send("GET", host: p.host, port: p.port, path: target, headers: headers, timeout: 10),
              resp.status == 200, let batch = try? SyncBatch(canonical: resp.body, hashSuite: chain.hashSuite), !batch.entries.isEmpty else {
            gossip.claimFailed(url: p.url, nowMs: nowMs())
            return false
        }
        let (applied, invalid) = consensus.commitFetched(batch.entries, from: p.name)
        gossip.noteReached(url: p.url, nowMs: nowMs())
        if applied > 0 {
            gossip.claimHeld(url: p.url)
            gossip.noteVerified(url: p.url, height: store.tip.height)
            status.fetched(full: batch.entries.count >= Self.batchBlocks)
            logger.info("sync", "caught up \(applied) blocks from \(p.name)", height: store.tip.height)
        } else if invalid || batch.entries.allSatisfy({ $0.block.height <= tip.height }) {
            gossip.claimFailed(url: p.url, nowMs: nowMs())
        }
        return applied > 0
    }
}
