import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// What the node says about itself, unauthenticated: `/healthz`, `/v1/status` (the status page reads it) and
/// `/metrics`. Each costs the same however large the chain or its governance: nothing here scans state.
extension API {
    /// 200 `{"status":"ok"}` while the node can commit; otherwise 503 with the code and why (NodeHealth).
    func healthz() -> HTTPResponse {
        guard let p = node.healthProblem() else { return .json(200, Array(#"{"status":"ok"}"#.utf8)) }
        struct Unhealthy: Encodable { let status: String; let error: [String: String] }
        return .json(503, JSON.encode(Unhealthy(status: "unhealthy", error: ["code": p.code, "message": p.message])))
    }

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

    func status() throws -> HTTPResponse {
        // Read without waiting on the consensus queue or the writer (both wait on each block's fsync); the core's
        // view is published after every input, so it is at most one input behind the tip.
        let problem = node.healthProblem()
        let tip = node.store.tip
        let (h, r, s) = node.consensusView.withLock { $0 }
        // The set history is read to say since when the set signs; a node that cannot read it still answers (its
        // health says why), without `since`'s history.
        return .json(200, JSON.encode(StatusJSON(
            chainId: node.chainID, hashSuite: node.chain.hashSuite.rawValue, nodeId: node.key?.publicKey.keyID ?? "observer", moniker: node.config.moniker,
            validatorIndex: Nullable(node.myIndex), height: tip.height, latestBlockHash: tip.blockHash.hex, latestBlockTime: tip.time,
            stateRoot: tip.stateRoot.hex, mempoolSize: node.mempool.count,
            consensus: ConsensusJSON(height: h, round: r, step: s), catchingUp: node.metrics.catchingUp,
            health: problem?.code ?? "ok", healthMessage: problem?.message,
            transport: node.tls == nil ? "plain" : "tls1.3", validatorSet: ValidatorSetJSON(node.rules.withLock { $0 }, history: (try? setHistory()) ?? [], suite: node.chain.hashSuite),
            openProposals: node.openProposals())))
    }

    func metrics() -> HTTPResponse {
        let tip = node.store.tip
        let round = node.consensusView.withLock { $0.round }
        let text = node.metrics.render(height: tip.height, round: round, mempool: node.mempool.count,
                                       peers: node.gossip.snapshot, gossipDropped: node.gossip.dropped,
                                       rules: node.rules.withLock { $0 }, openProposals: node.openProposals(),
                                       apiSessions: node.sessions.count, problem: node.healthProblem(), storageErrors: node.health.storageErrors,
                                       stateRowsRead: node.store.stateRowsRead.load(ordering: .relaxed))
        let connections = node.server.map { Metrics.render(connections: $0.connectionStats) } ?? ""
        let tls = node.server?.tlsStats.map { Metrics.render(tls: $0, client: node.client.tlsHandshakeCounts) } ?? ""
        return .text(200, text + connections + tls, contentType: "text/plain; version=0.0.4")
    }
}
