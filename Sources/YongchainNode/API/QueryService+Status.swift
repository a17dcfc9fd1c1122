import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// What the node says about itself, unauthenticated: `/healthz`, `/v1/status` (the status page reads it) and
/// `/metrics`. Each costs the same however large the chain or its governance: nothing here scans state.
extension QueryService {
    /// 200 `{"status":"ok"}` while the node can commit; otherwise 503 with the code and why (NodeHealth).
    func healthz(_ call: Call) -> HTTPResponse {
        guard let p = report.problem() else { return .json(200, Self.healthy) }
        struct Unhealthy: Encodable { let status: String; let error: [String: String] }
        return .json(503, JSON.encode(Unhealthy(status: "unhealthy", error: ["code": p.code, "message": p.message])))
    }

    private static let healthy = Array(#"{"status":"ok"}"#.utf8)

    struct StatusJSON: Encodable {
        let chainId: String, hashSuite: String  // the chain's hash suite, genesis `hashSuite`: "sha256" or "sm3"
        let nodeId: String
        let moniker: String
        /// null on a node that does not sign the next height (an observer, or a member without power).
        let validatorIndex: Nullable<Int>
        let height: UInt64
        let latestBlockHash: String
        let latestBlockTime: Int64
        let stateRoot: String
        let mempoolSize: Int
        let consensus: ConsensusJSON
        let catchingUp: Bool
        /// "ok", or the code /healthz answers 503 with (`NodeHealth.codes`).
        let health: String
        let healthMessage: String?
        /// "tls1.3" or "plain": what the API and gossip speak.
        let transport: String
        let validatorSet: ValidatorSetJSON
        /// Governance proposals open for votes (absent if unknown).
        let openProposals: Int?
    }
    /// The set that signs the next height, and a decided change not yet in force.
    struct ValidatorSetJSON: Encodable {
        let hash: String
        let size: Int
        let totalPower: UInt64
        /// The first height this set signs.
        let since: UInt64
        let pending: PendingJSON?
        struct PendingJSON: Encodable { let from: UInt64; let hash: String; let size: Int; let totalPower: UInt64 }

        /// `history`: the set history in committed state, which says since when the signing set signs.
        init(_ rules: ChainRules, history: [(from: UInt64, set: ValidatorSet)], suite: HashSuite) {
            let h = rules.tip + 1, s = rules.schedule
            let set = s.set(at: h)
            hash = set.hash(suite).hex
            size = set.count
            totalPower = set.totalPower
            since = history.last { $0.from <= h }?.from ?? 1
            pending = s.isPending(at: h) ? PendingJSON(from: s.from, hash: s.current.hash(suite).hex, size: s.current.count, totalPower: s.current.totalPower) : nil
        }
    }
    struct ConsensusJSON: Encodable {
        let height: UInt64
        let round: Int32
        let step: String
    }

    /// This node's index in the set that signs the next height; nil when it does not sign it (an observer).
    var validatorIndex: Int? {
        guard let key = identity.key else { return nil }
        let r = view.currentRules
        return r.validators(at: r.tip + 1)?.index(of: key)
    }

    func status(_ call: Call) throws -> HTTPResponse {
        // Read without waiting on the consensus queue or the writer (both wait on each block's fsync); the core's
        // view is published after every input, so it is at most one input behind the tip.
        let problem = report.problem()
        let tip = store.tip
        let (h, r, s) = view.consensus.withLock { $0 }
        // The set history is read to say since when the set signs; a node that cannot read it still answers (its
        // health says why), without `since`'s history.
        return .json(200, JSON.encode(StatusJSON(
            chainId: chain.id, hashSuite: chain.hashSuite.rawValue, nodeId: identity.key?.keyID ?? "observer", moniker: identity.moniker,
            validatorIndex: Nullable(validatorIndex), height: tip.height, latestBlockHash: tip.blockHash.hex, latestBlockTime: tip.time,
            stateRoot: tip.stateRoot.hex, mempoolSize: mempool.count,
            consensus: ConsensusJSON(height: h, round: r, step: s), catchingUp: metrics.catchingUp,
            health: problem?.code ?? "ok", healthMessage: problem?.message,
            transport: identity.tls ? "tls1.3" : "plain", validatorSet: ValidatorSetJSON(view.currentRules, history: (try? setHistory()) ?? [], suite: chain.hashSuite),
            openProposals: view.openProposals.withLock { $0.count })))
    }

    func metrics(_ call: Call) -> HTTPResponse {
        let tip = store.tip
        let round = view.consensus.withLock { $0.round }
        let gossip = report.gossip
        let text = metrics.render(height: tip.height, round: round, mempool: mempool.count, mempoolBytes: mempool.countedBytes,
                                  peers: gossip.snapshot, gossipQueued: gossip.queuedWeights, gossipDropped: gossip.dropped,
                                  rules: view.currentRules, openProposals: view.openProposals.withLock { $0.count },
                                  apiSessions: sessions.count, problem: report.problem(), storageErrors: report.health.storageErrors,
                                  stateRowsRead: store.stateRowsRead.load(ordering: .relaxed), stateCacheHits: store.stateCacheHits,
                                  keptProofHits: store.keptProofHits, keptAnswerHits: answers.hits.load(ordering: .relaxed))
        let server = self.server.withLock { $0 }
        let connections = server.map { Metrics.render(connections: $0.connectionStats) } ?? ""
        let tls = server?.tlsStats.map { Metrics.render(tls: $0, client: client.tlsHandshakeCounts) } ?? ""
        // Read from committed state; a failed read, or a damaged record, leaves the lines out (the next block or
        // answer that reads it stops the node).
        let greylist = (try? store.read { v -> String in
            let figures = Self.greylistFigures(try GreylistStats.load(v), try GreylistKeyRing.load(v))
            try v.checkReads()
            return Metrics.render(greylist: figures)
        }) ?? ""
        return .text(200, text + connections + tls + greylist, contentType: "text/plain; version=0.0.4")
    }
}
