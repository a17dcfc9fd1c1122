import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Catch-up: fetching committed blocks from peers, verifying them and committing them through the applier.
extension Node {
    // MARK: - Catch-up

    /// Most blocks asked for in one catch-up request.
    static let syncBatchBlocks = 100

    /// Fetches committed blocks from peers that may be ahead, verifies their certificates, and applies them.
    /// Whom to ask comes from peers' claims (hints that expire, and are ignored for a while once proven false) or,
    /// when signatures prove we are behind but nobody claims to be ahead, from every peer in turn.
    func syncLoop() {
        var lastPoll = Date.distantPast
        var nextPeer = 0
        while !queue.sync(execute: { stopped || halted }) {
            if Date().timeIntervalSince(lastPoll) > 1 {
                pollQuietPeers()
                lastPoll = Date()
            }
            let tip = store.tip
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let peers = gossip.snapshot
            var candidates = peers.filter { $0.claimedHeight > tip.height && now - $0.claimedAtMs < Gossip.claimLifetimeMs }
                .sorted { $0.claimedHeight > $1.claimedHeight }
            if candidates.isEmpty, catchUp.provenHeight > tip.height, !peers.isEmpty {
                candidates = [peers[nextPeer % peers.count]]
                nextPeer &+= 1
            }
            var progressed = false
            for p in candidates.prefix(2) {
                if fetchBlocks(from: p, after: tip) { progressed = true; break }
            }
            metrics.setCatchingUp(catchUp.isBehind(tip: store.tip.height))
            // A node that reaches no peer, or knows it is behind and cannot catch up, says why in its log too.
            if let p = healthProblem(), p.code == NodeCode.peersUnreachable || p.code == NodeCode.notCaughtUp {
                logger.throttled(.warn, key: "health-\(p.code)", interval: 60, "p2p", "\(p.code): \(p.message)", height: store.tip.height)
            }
            if !progressed { Thread.sleep(forTimeInterval: 0.25) }
        }
        metrics.setCatchingUp(false)
    }

    /// Peers we have not reached lately (an observer hears from nobody) are asked for their height: a claim.
    func pollQuietPeers() {
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
    func fetchBlocks(from p: PeerInfo, after tip: ChainTip) -> Bool {
        let nowMs = { Int64(Date().timeIntervalSince1970 * 1000) }
        guard let resp = try? client.send("GET", host: p.host, port: p.port, path: "/v1/sync/blocks?from=\(tip.height + 1)&limit=\(Node.syncBatchBlocks)", timeout: 10),
              resp.status == 200, let batch = try? SyncBatch(canonical: resp.body, hashSuite: chain.hashSuite), !batch.entries.isEmpty else {
            gossip.claimFailed(url: p.url, nowMs: nowMs())
            return false
        }
        let (applied, invalid): (Int, Bool) = queue.sync { [self] in
            var applied = 0
            for e in batch.entries where e.block.height > store.tip.height {
                do {
                    // Every check but the transactions' signatures: the certificate vouches for them, since the
                    // header's transaction root binds each one (`.certified`); then execution against the header's
                    // roots, then the commit. A failed commit (storage) is not progress: the loop sleeps and retries;
                    // a block that verifies but does not execute here halts the node (`diverged`), blaming no one.
                    guard try commit(block: e.block, certificate: e.certificate, checks: .certified) else { return (applied, false) }
                } catch {
                    logger.warn("sync", "peer \(p.name) sent a block that does not verify: \(error)", height: e.block.height)
                    metrics.count("gossip_invalid_total")
                    return (applied, true)
                }
                applied += 1
            }
            return (applied, false)
        }
        gossip.noteReached(url: p.url, nowMs: nowMs())
        if applied > 0 {
            gossip.claimHeld(url: p.url)
            gossip.noteVerified(url: p.url, height: store.tip.height)
            catchUp.fetched(full: batch.entries.count >= Node.syncBatchBlocks)
            logger.info("sync", "caught up \(applied) blocks from \(p.name)", height: store.tip.height)
        } else if invalid || batch.entries.allSatisfy({ $0.block.height <= tip.height }) {
            gossip.claimFailed(url: p.url, nowMs: nowMs())
        }
        return applied > 0
    }
}
