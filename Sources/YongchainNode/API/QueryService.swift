import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// The query side: what the node answers about its chain — status, health and metrics (QueryService+Status.swift),
/// blocks, transactions, validators, peers and evidence (here), and the applications' verification answers with
/// their proofs (QueryService+Applications.swift). Every answer is read from committed state (one snapshot) or
/// from what the other parts publish (`ChainView`, `Gossip`, `NodeHealth`), never from the consensus queue.
///
/// Thread rule: HTTP worker threads, any number at once; its only state is the count of reads waiting for a
/// height, the proofs' parts at the newest height (`ProofBase`, its own lock), the answers at the newest state root
/// (`StateRootCache`, its own lock), and the server it reports on (set once, at start).
final class QueryService: Sendable {
    let chain: Chain
    let store: ChainStore
    let application: Application
    let view: ChainView
    let mempool: Mempool
    let report: HealthReport
    let metrics: Metrics
    let identity: NodeIdentity
    let sessions: SessionVerifier
    let limits: APILimits
    /// The gossip and catch-up client, for its TLS handshake counts in /metrics.
    let client: HTTPClient
    /// The API server, for its connection counts in /metrics (nil before start).
    let server = Mutex<HTTPServer?>(nil)
    /// Reads waiting for a `minHeight` (bounded by `limits.maxHeightWaiters`).
    let heightWaiters = Atomic<Int>(0)
    /// What every proven answer at the tip carries, read once per height.
    let proofBase = ProofBase()
    /// The verification questions' answers at the newest state root they were asked at (`ProvenAnswer`).
    let answers = StateRootCache<KeptAnswer>(limits: KeptAnswer.limits)
    /// Proven answers per caller (`limits.maxProofsPerSecond`).
    let proofQuota: CallerQuota

    init(chain: Chain, store: ChainStore, application: Application, view: ChainView, mempool: Mempool, report: HealthReport,
         metrics: Metrics, identity: NodeIdentity, sessions: SessionVerifier, limits: APILimits, client: HTTPClient) {
        self.chain = chain
        self.store = store
        self.application = application
        self.view = view
        self.mempool = mempool
        self.report = report
        self.metrics = metrics
        self.identity = identity
        self.sessions = sessions
        self.limits = limits
        self.client = client
        proofQuota = CallerQuota(rate: limits.maxProofsPerSecond, what: "proven answers")
    }

    /// Whether `call` asks for a proof (`?prove=true`), taken from its caller's proof quota when it does, once a
    /// request (`Call.proofCharge`): a proof kept at the state's root (`StateRootCache`) and the height's parts kept
    /// in `proofBase` need no SQLite, so a proven answer is tried against the state cache alone like any other, and
    /// the snapshot's run, when it needs one, is not charged again.
    func proves(_ call: Call, _ state: ReadView) throws -> Bool {
        guard try ProvenAnswer.wanted(call.request) else { return false }
        if call.proofCharge.taken { return true }
        let caller: String
        switch call.caller {
        case .member(let m): caller = m.name
        case .enterprise: caller = call.key?.text ?? ""
        // Callers that name no member (the member record is open) share one bucket.
        case nil: caller = "anonymous callers"
        }
        try proofQuota.take(caller, now: Date().timeIntervalSince1970)
        call.proofCharge.taken = true
        return true
    }

    /// `?minHeight=N` on any read: answer only once this node has committed height N, waiting up to `timeoutMs`
    /// (default 5,000, at most 60,000), so a client that wrote through one node and reads through another sees its
    /// own write. A transaction's answer names the height it committed at; pass that.
    /// Heights further ahead than this are refused at once (a node that far behind is catching up: ask another),
    /// and at most `maxHeightWaiters` reads wait at a time, so waiting cannot be used to hold the server's threads.
    func waitForHeight(_ req: HTTPRequest, _ text: String) throws {
        let timeoutMs = try Parameter.integer(req, "timeoutMs", in: 0...60_000, default: 5_000)
        let h = try Parameter.integer(text, name: "minHeight", in: 0...Parameter.maxHeight, code: NodeCode.invalidMinHeight)
        // The published height, not the store's tip: that takes the writer's lock, held through each block's fsync.
        let tip = view.height
        if h <= tip { return }
        guard h - tip <= limits.maxHeightLead else {
            throw APIError(NodeCode.heightNotReached, "this node is at height \(tip), more than \(limits.maxHeightLead) blocks below \(h); ask another node or retry later")
        }
        guard heightWaiters.add(1, ordering: .relaxed).newValue <= limits.maxHeightWaiters else {
            heightWaiters.subtract(1, ordering: .relaxed)
            throw APIError(NodeCode.tooManyWaiters, "\(limits.maxHeightWaiters) reads are already waiting for a height on this node; retry shortly")
        }
        defer { heightWaiters.subtract(1, ordering: .relaxed) }
        let ok = view.commits.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) { view.height >= h }
        guard ok else {
            throw APIError(NodeCode.heightNotReached, "this node is at height \(view.height) and did not reach \(h) within \(timeoutMs) ms; retry, or ask another node")
        }
    }

    // MARK: - Blocks and transactions

    func latestBlock(_ call: Call, _ state: ReadView) throws -> HTTPResponse { try block(height: try state.tip().height, call, state) }

    func block(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        try block(height: try Parameter.integer(call["height"], name: "height", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight), call, state)
    }

    /// The block with its certificate; to a caller whose `ServingScope` is not everything, only the transactions it
    /// is a party to, the others as their leaves in `txRoot` (docs/confidentiality.md).
    private func block(height: UInt64, _ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard height > 0, let b = try state.block(at: height) else {
            throw APIError.notFound("no block at height \(height) (tip is \(try state.tip().height))")
        }
        let cert = try state.certificate(at: height)
        var visible: Set<Int>?
        switch try ServingScope.of(call, state) {
        case .everything: visible = nil
        case .own(let m): visible = Set(try state.parties(member: m.name, height: height))
        case .headers: visible = []
        }
        let results = try b.transactions.enumerated().map { i, tx in visible?.contains(i) == false ? nil : try state.transaction(tx.hash(on: chain)) }
        return .json(200, JSON.encode(BlockJSON(b, chain: chain, certificate: cert, results: results, visible: visible)))
    }

    func blocks(_ call: Call) throws -> HTTPResponse {
        let req = call.request
        let limit = try Parameter.integer(req, "limit", in: 1...100, default: 20)
        let before = try Parameter.optionalInteger(req, "before", in: 1...Parameter.maxHeight)
        let rows = try store.read { try $0.recentBlocks(limit: limit, before: before) }
        struct Row: Encodable { let height: UInt64; let hash: String; let time: Int64; let txCount: Int }
        return .json(200, JSON.encode(["blocks": rows.map { Row(height: $0.height, hash: $0.hash.hex, time: $0.time, txCount: $0.txCount) }]))
    }

    /// A committed transaction's result, to whoever may see it (`ServingScope`: a non-party gets the NOT_FOUND of a
    /// hash that does not exist, which confirms nothing); a pending one's status to whoever knows its hash.
    func transaction(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard let h = Hash(hex: call["hash"]) else { throw APIError.badRequest(NodeCode.invalidHash, "a transaction hash is 64 hex digits") }
        let missing = APIError.notFound("no transaction \(h.hex) is committed or pending on this node")
        if let r = try state.transaction(h) {
            switch try ServingScope.of(call, state) {
            case .everything: break
            case .own(let m): guard try state.parties(member: m.name, height: r.height).contains(r.index) else { throw missing }
            case .headers: throw missing
            }
            return .json(200, JSON.encode(TxResultJSON(r)))
        }
        if mempool.contains(h) { return .json(200, JSON.encode(["hash": h.hex, "status": "pending"])) }
        throw missing
    }

    // MARK: - Consensus views

    /// Every validator set the chain has had, with the first height each signed (committed state).
    func setHistory() throws -> [(from: UInt64, set: ValidatorSet)] {
        try store.read { try application.validatorSetHistory(state: $0) }
    }

    /// The set that signs the next height, with who proposes it and each member's latest certificate signature;
    /// or, with `?height=H`, the set that signed H (from the set history in committed state).
    func validators(_ call: Call) throws -> HTTPResponse {
        struct V: Encodable {
            let index: Int; let name: String; let publicKey: String; let power: UInt64; let proposerNext: Bool?; let lastSignedHeight: UInt64?
        }
        struct Out: Encodable {
            let height: UInt64; let totalPower: UInt64; let quorum: UInt64; let validatorsHash: String; let since: UInt64
            let validators: [V]
        }
        let tip = store.tip
        if let text = call.request.query["height"] {
            let h = try Parameter.integer(text, name: "height", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
            guard h <= tip.height + ValidatorSchedule.delay else {
                throw APIError.notFound("height \(h) is beyond what this node's committed height \(tip.height) can say (up to \(tip.height + ValidatorSchedule.delay))")
            }
            let history = try setHistory()
            guard let entry = history.last(where: { $0.from <= h }) else { throw APIError.notFound("no validator set signs height \(h)") }
            let s = entry.set
            let list = s.validators.enumerated().map {
                V(index: $0.offset, name: $0.element.name, publicKey: $0.element.publicKey.text, power: $0.element.power,
                  proposerNext: nil, lastSignedHeight: nil)
            }
            return .json(200, JSON.encode(Out(height: h, totalPower: s.totalPower, quorum: s.quorum, validatorsHash: s.hash(chain.hashSuite).hex,
                                              since: entry.from, validators: list)))
        }
        let rules = view.currentRules
        // The rules' own tip, not the store's: a commit lands in the store a moment before its rules are read.
        let height = rules.tip + 1
        let set = rules.schedule.set(at: height)
        let next = set.proposer(height: height, round: 0)
        // The latest height each validator's precommit made it into a commit certificate, over the last 100 blocks
        // (indices of the sets that signed them, matched to this set by key).
        // One snapshot for the history and the certificates it is matched against.
        let (history, lastSigned): ([(from: UInt64, set: ValidatorSet)], [PublicKey: UInt64]) = (try? store.read { v in
            let history = try application.validatorSetHistory(state: v)
            var seen: [PublicKey: UInt64] = [:]
            var h = tip.height
            while h > 0, h + 100 > tip.height, seen.count < set.count {
                if let signers = history.last(where: { $0.from <= h })?.set {
                    for s in try v.certificate(at: h)?.signatures ?? [] where s.validator < signers.count {
                        let k = signers[s.validator].publicKey
                        if seen[k] == nil { seen[k] = h }
                    }
                }
                h -= 1
            }
            return (history, seen)
        }) ?? ([], [:])
        let list = set.validators.enumerated().map {
            V(index: $0.offset, name: $0.element.name, publicKey: $0.element.publicKey.text, power: $0.element.power,
              proposerNext: $0.offset == next, lastSignedHeight: lastSigned[$0.element.publicKey])
        }
        let since = history.last(where: { $0.from <= height })?.from ?? 1
        return .json(200, JSON.encode(Out(height: height, totalPower: set.totalPower, quorum: set.quorum, validatorsHash: set.hash(chain.hashSuite).hex,
                                          since: since, validators: list)))
    }

    func peers(_ call: Call) -> HTTPResponse {
        struct P: Encodable { let name: String; let url: String; let height: UInt64; let lastContactMs: Int64?; let lastError: String?; let sent: Int; let failures: Int }
        let list = report.gossip.snapshot.map {
            P(name: $0.name, url: $0.url, height: $0.height, lastContactMs: $0.lastContactMs, lastError: $0.lastError, sent: $0.sent, failures: $0.failures)
        }
        return .json(200, JSON.encode(["peers": list]))
    }

    func evidence(_ call: Call) throws -> HTTPResponse {
        struct E: Encodable { let height: UInt64; let validator: Int; let voteA: VoteJSON; let voteB: VoteJSON }
        let rows = try store.evidence()
        let list: [E] = rows.compactMap { row in
            var r = CanonicalReader(row.data)
            guard let a = try? Vote(from: &r), let b = try? Vote(from: &r) else { return nil }
            return E(height: row.height, validator: row.validator, voteA: VoteJSON(a), voteB: VoteJSON(b))
        }
        return .json(200, JSON.encode(["evidence": list]))
    }
}

/// Who this node is, as /v1/status says: its key (nil: an observer without one), name and transport.
struct NodeIdentity: Sendable {
    let key: PublicKey?
    let moniker: String
    let tls: Bool
}
