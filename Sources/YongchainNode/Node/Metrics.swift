import Foundation
import YongchainCore
import YongchainCrypto

/// Counters and gauges the node exposes at `GET /metrics` in Prometheus text format, named after CometBFT's
/// (`yongchain_consensus_height`, `yongchain_mempool_size`, ...).
final class Metrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Double] = [:]
    private var txByCode: [String: Int] = [:]
    /// Each route's requests by status and its latency histogram, changed in place under the lock: a key built as
    /// "route|status" and a bucket array copied out and back cost about 2,000 instructions on every request.
    private var http: [String: RouteRequests] = [:]
    private(set) var catchingUp = false
    private var lastInterval: Double = 0
    /// Blocks whose commit certificate lacked each validator's precommit, by validator name.
    private var missed: [String: Int] = [:]
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    func count(_ name: String, by n: Int = 1) { lock.withLock { counters[name, default: 0] += Double(n) } }
    func setCatchingUp(_ v: Bool) { lock.withLock { catchingUp = v } }

    func committed(block: Block, results: [(hash: Hash, result: TxResult)], interval: Double, validators: ValidatorSet) {
        lock.withLock {
            if let c = block.lastCommit {
                let signed = Set(c.signatures.map(\.validator))
                for (i, v) in validators.validators.enumerated() {
                    missed[v.name, default: 0] += signed.contains(i) ? 0 : 1
                }
            }
            counters["blocks_committed_total", default: 0] += 1
            counters["txs_committed_total", default: 0] += Double(results.count)
            lastInterval = interval
            for r in results { txByCode[r.result.code, default: 0] += 1 }
        }
    }

    func observeHTTP(route: String, status: Int, seconds: Double) {
        lock.withLock {
            http[route, default: RouteRequests()].observe(status: status, seconds: seconds)
        }
    }

    func render(height: UInt64, round: Int32, mempool: Int, mempoolBytes: Int, peers: [PeerInfo], gossipQueued: [(peer: String, weight: Int)], gossipDropped: Int, rules: ChainRules,
                openProposals: Int?, apiSessions: Int, problem: NodeHealth.Problem?, storageErrors: Int, stateRowsRead: Int, stateCacheHits: Int,
                keptProofHits: Int, keptAnswerHits: Int) -> String {
        let next = rules.schedule.set(at: rules.tip + 1)
        let pending = rules.schedule.isPending(at: rules.tip + 1) ? rules.schedule.from : 0
        return lock.withLock {
            var s = ""
            func metric(_ name: String, _ type: String, _ help: String, _ lines: [String]) {
                s += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
                for l in lines { s += l + "\n" }
            }
            metric("yongchain_consensus_height", "gauge", "Height of the last committed block.", ["yongchain_consensus_height \(height)"])
            metric("yongchain_consensus_rounds", "gauge", "Current consensus round.", ["yongchain_consensus_rounds \(round)"])
            metric("yongchain_consensus_validators", "gauge", "Validators in the set that signs the next height.", ["yongchain_consensus_validators \(next.count)"])
            metric("yongchain_consensus_validators_power", "gauge", "Total voting power of the set that signs the next height.",
                   ["yongchain_consensus_validators_power \(next.totalPower)"])
            metric("yongchain_consensus_validator_power", "gauge", "Each validator's power in the set that signs the next height.",
                   next.validators.map { "yongchain_consensus_validator_power{validator=\"\($0.name)\"} \($0.power)" })
            metric("yongchain_consensus_validator_set_since_height", "gauge", "First height the newest decided validator set signs (1: genesis's set).",
                   ["yongchain_consensus_validator_set_since_height \(rules.schedule.from)"])
            metric("yongchain_consensus_validator_set_pending_height", "gauge", "Height from which a decided validator-set change signs; 0 when none is pending.",
                   ["yongchain_consensus_validator_set_pending_height \(pending)"])
            if let openProposals {
                metric("yongchain_governance_open_proposals", "gauge", "Governance proposals open for votes.", ["yongchain_governance_open_proposals \(openProposals)"])
            }
            metric("yongchain_consensus_block_interval_seconds", "gauge", "Time between the last two commits.",
                   ["yongchain_consensus_block_interval_seconds \(lastInterval)"])
            metric("yongchain_consensus_blocks_total", "counter", "Blocks committed by this node.",
                   ["yongchain_consensus_blocks_total \(Int(counters["blocks_committed_total"] ?? 0))"])
            metric("yongchain_consensus_fast_syncing", "gauge", "1 while catching up from peers.",
                   ["yongchain_consensus_fast_syncing \(catchingUp ? 1 : 0)"])
            metric("yongchain_consensus_missed_blocks_total", "counter", "Committed blocks whose certificate lacks the validator's precommit.",
                   missed.sorted { $0.key < $1.key }.map { "yongchain_consensus_missed_blocks_total{validator=\"\($0.key)\"} \($0.value)" })
            metric("yongchain_node_healthy", "gauge", "1 while /healthz answers ok; 0 while it answers 503 (see yongchain_node_health_problem).",
                   ["yongchain_node_healthy \(problem == nil ? 1 : 0)"])
            metric("yongchain_node_health_problem", "gauge", "1 for the code /healthz answers with while unhealthy.",
                   NodeHealth.codes.map { "yongchain_node_health_problem{code=\"\($0)\"} \(problem?.code == $0 ? 1 : 0)" })
            metric("yongchain_storage_errors_total", "counter", "Failed reads and writes of the node's database (each one, logged or not).",
                   ["yongchain_storage_errors_total \(storageErrors)"])
            metric("yongchain_storage_state_rows_read_total", "counter", "State entries read (each key looked up or entry scanned) by answers, admission and execution.",
                   ["yongchain_storage_state_rows_read_total \(stateRowsRead)"])
            metric("yongchain_storage_state_cache_hits_total", "counter", "Of those keys looked up by answers and admission, the ones answered from the committed-state cache (config.json's stateCacheMiB) without SQLite.",
                   ["yongchain_storage_state_cache_hits_total \(stateCacheHits)"])
            metric("yongchain_storage_kept_proof_hits_total", "counter", "State proofs handed out again from those kept at the newest state root (StateRootCache) instead of read from the tree.",
                   ["yongchain_storage_kept_proof_hits_total \(keptProofHits)"])
            metric("yongchain_api_kept_answer_hits_total", "counter", "Verification answers given again from those kept at the newest state root (StateRootCache) instead of worked out.",
                   ["yongchain_api_kept_answer_hits_total \(keptAnswerHits)"])
            metric("yongchain_mempool_size", "gauge", "Transactions waiting in the mempool.", ["yongchain_mempool_size \(mempool)"])
            metric("yongchain_mempool_bytes", "gauge", "Memory the mempool's transactions count against its byte limit (their canonical bytes and a fixed overhead each).",
                   ["yongchain_mempool_bytes \(mempoolBytes)"])
            metric("yongchain_mempool_refused_unparsed_total", "counter", "Submissions (POST /v1/txs, a whole POST /v1/txs/batch) refused 503 MEMPOOL_FULL before their body was parsed.",
                   ["yongchain_mempool_refused_unparsed_total \(Int(counters["mempool_refused_unparsed_total"] ?? 0))"])
            metric("yongchain_process_malloc_trim_seconds_total", "counter", "Time spent giving freed memory back to the system (malloc_trim, every second in a node's process).",
                   [String(format: "yongchain_process_malloc_trim_seconds_total %.6f", Double(ProcessMemory.trimNanoseconds.load(ordering: .relaxed)) / 1e9)])
            metric("yongchain_process_malloc_trims_total", "counter", "Times freed memory was given back to the system (malloc_trim).",
                   ["yongchain_process_malloc_trims_total \(ProcessMemory.trims.load(ordering: .relaxed))"])
            metric("yongchain_api_sessions", "gauge", "Live API sessions held by this node (docs/api-auth.md).",
                   ["yongchain_api_sessions \(apiSessions)"])
            metric("yongchain_p2p_peers", "gauge", "Peers heard from in the last 10 s.", [
                "yongchain_p2p_peers \(peers.filter { ($0.lastContactMs ?? 0) > Int64(Date().timeIntervalSince1970 * 1000) - 10_000 }.count)",
            ])
            metric("yongchain_p2p_peer_height", "gauge", "Highest height each peer is proven to have committed (certified blocks it served; its signed votes at most 100 above ours).",
                   peers.map { "yongchain_p2p_peer_height{peer=\"\($0.name)\"} \($0.height)" })
            metric("yongchain_state_txs_total", "counter", "Committed transactions by result code.",
                   txByCode.sorted { $0.key < $1.key }.map { "yongchain_state_txs_total{code=\"\($0.key)\"} \($0.value)" })
            metric("yongchain_p2p_invalid_messages_total", "counter", "Gossip messages dropped as invalid.",
                   ["yongchain_p2p_invalid_messages_total \(Int(counters["gossip_invalid_total"] ?? 0))"])
            metric("yongchain_p2p_proposals_total", "counter", "Proposals received in gossip: their blocks decoded, or already held (a re-sent copy whose block's bytes are those decoded before: not decoded again).", [
                "yongchain_p2p_proposals_total{result=\"decoded\"} \(Int(counters["gossip_proposals_decoded"] ?? 0))",
                "yongchain_p2p_proposals_total{result=\"already_held\"} \(Int(counters["gossip_proposals_already_held"] ?? 0))",
            ])
            metric("yongchain_p2p_queued", "gauge", "Gossip waiting to be sent to each peer: transactions and votes one each, a proposal one per transaction it carries.",
                   gossipQueued.map { "yongchain_p2p_queued{peer=\"\($0.peer)\"} \($0.weight)" })
            metric("yongchain_p2p_dropped_batches_total", "counter", "Outbound gossip batches dropped (send failed or queue full).",
                   ["yongchain_p2p_dropped_batches_total \(gossipDropped)"])
            let (requests, latency) = httpLinesLocked()
            metric("yongchain_http_requests_total", "counter", "HTTP requests by route and status.", requests)
            metric("yongchain_http_request_duration_seconds", "histogram", "HTTP request latency by route.", latency)
            return s
        }
    }

    /// /metrics' lines of the HTTP requests counter and the latency histogram, in the order they are rendered.
    func httpLines() -> (requests: [String], latency: [String]) { lock.withLock { httpLinesLocked() } }

    /// `httpLines`, the lock held: requests ordered by "route|status" as text, the histogram by route.
    private func httpLinesLocked() -> (requests: [String], latency: [String]) {
        let requests = http.flatMap { route, r in r.byStatus.map { (key: "\(route)|\($0.key)", value: $0.value) } }
            .sorted { $0.key < $1.key }.map { k, v in
                let p = k.split(separator: "|")
                return "yongchain_http_requests_total{route=\"\(p[0])\",status=\"\(p[1])\"} \(v)"
            }
        var latency: [String] = []
        for (route, r) in http.sorted(by: { $0.key < $1.key }) {
            var cum = 0
            for (i, le) in Metrics.latencyBuckets.enumerated() {
                cum += r.buckets[i]
                latency.append("yongchain_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(le)\"} \(cum)")
            }
            cum += r.buckets.last!
            latency.append("yongchain_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cum)")
            latency.append("yongchain_http_request_duration_seconds_sum{route=\"\(route)\"} \(r.seconds)")
            latency.append("yongchain_http_request_duration_seconds_count{route=\"\(route)\"} \(cum)")
        }
        return (requests, latency)
    }
}

/// One route's requests for /metrics: how many by status, and the latency histogram's buckets and sum.
private struct RouteRequests {
    var byStatus: [Int: Int] = [:]
    /// Requests in each of `Metrics.latencyBuckets` (the first bucket whose bound is at least the latency), and
    /// above them all.
    var buckets = [Int](repeating: 0, count: Metrics.latencyBuckets.count + 1)
    var seconds: Double = 0

    mutating func observe(status: Int, seconds: Double) {
        byStatus[status, default: 0] += 1
        buckets[Metrics.latencyBuckets.firstIndex { seconds <= $0 } ?? Metrics.latencyBuckets.count] += 1
        self.seconds += seconds
    }
}
