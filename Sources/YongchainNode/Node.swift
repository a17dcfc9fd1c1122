import Foundation
import Synchronization
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// The shell around the pure consensus core: it persists, then sends, then applies.
///
/// All consensus state lives on one serial queue (`queue`). HTTP threads verify signatures of incoming messages
/// in parallel and then hand them to the queue; the queue signs (after durably recording what it signs), sends
/// through `Gossip`, executes decided blocks and commits them to the store.
public final class Node: @unchecked Sendable {
    public let home: NodeHome
    public let config: NodeConfig
    public let genesis: Genesis
    public let chainID: String
    let key: PrivateKey?
    let validators: ValidatorSet
    let myIndex: Int?
    let store: ChainStore
    let application: Application
    /// The one way blocks are committed (decided here, or fetched by catch-up).
    let applier: BlockApplier
    var blockValidator: BlockValidator { applier.validator }
    let mempool: Mempool
    let logger: Logger
    let metrics = Metrics()
    let apiLimits = APILimits()
    let health: NodeHealth
    let catchUp: CatchUpStatus
    let commits = CommitNotifier()
    /// The committed height, readable without the store's writer lock (set after each commit, and at start).
    let committedHeight = Atomic<UInt64>(0)
    /// Height, round and step of the core, published after every input, so that status and metrics read it
    /// without waiting on the consensus queue (which waits on each block's fsync).
    let consensusView = Mutex<(height: UInt64, round: Int32, step: String)>((0, 0, "propose"))
    /// Reads waiting for a `minHeight` (bounded by the API).
    let heightWaiters = Atomic<Int>(0)
    /// Submissions waiting for their commit (`wait=commit`, bounded by the API).
    let commitWaiters = Atomic<Int>(0)
    let signatures: SignatureCache
    /// Signed API requests: freshness window and replay cache (RequestAuth.swift).
    let requestVerifier: RequestVerifier
    /// API sessions: a signed handshake, then an HMAC per request (SessionVerifier.swift). In memory only.
    let sessions: SessionVerifier
    /// Made at init (so every route works before start); its sender threads run from `start()`.
    var gossip: Gossip!
    var server: HTTPServer?
    let client = HTTPClient()

    let queue = DispatchQueue(label: "yongchain.consensus")
    // Owned by `queue`:
    /// The consensus driver (pure: no I/O); this node carries out what it says (Node+Consensus.swift).
    var driver: ConsensusDriver
    /// Blocks of the current and next height this node holds: its own values and the proposals it received.
    var blocks: [Hash: Block] = [:]
    var pendingValue: (height: UInt64, round: Int32)?
    /// This node's signed messages of the current height, re-sent every second.
    var ownMessages: [GossipMessage] = []
    var lastBlockCommittedAt = Date()
    /// A Ready whose record could not be persisted (a full disk): retried every second; until then every input
    /// waits in `deferred` (the driver takes none while its signatures are outstanding).
    var stuck: Ready?
    var deferred: [DriverInput] = []
    var booted = false
    var stopped = false
    /// Set when the node's own chain is found corrupt: consensus stops for good (no vote, no commit).
    var halted = false
    private var syncThread: Thread?
    private let syncLock = NSLock()

    public init(home: NodeHome, logger: Logger) throws {
        self.home = home
        self.logger = logger
        config = try home.loadConfig()
        genesis = try GenesisFile.load(path: home.genesisPath)
        let chainID = genesis.chainID
        self.chainID = chainID
        requestVerifier = RequestVerifier(chainID: chainID)
        let validators = genesis.validatorSet
        self.validators = validators
        let key = FileManager.default.fileExists(atPath: home.keyPath) ? try KeyFile.read(home.keyPath) : nil
        self.key = key
        sessions = SessionVerifier(chainID: chainID, nodeKey: key)
        myIndex = key.flatMap { validators.index(of: $0.publicKey) }
        let application = LedgerApplication(chainID: chainID)
        self.application = application
        let signatures = SignatureCache(chainID: chainID)
        self.signatures = signatures
        var limits = MempoolLimits()
        if let m = config.mempoolMaxTransactions { limits.maxTransactions = m }
        mempool = Mempool(limits: limits)
        catchUp = CatchUpStatus(validators: validators)
        let c = genesis.consensus
        // A block is due at least every empty-block interval; allow several missed rounds before calling it a stall.
        health = NodeHealth(stallSeconds: max(30, Double(5 * (c.emptyBlockIntervalMs + c.timeoutProposeMs)) / 1000))

        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        let store = try ChainStore(path: home.databasePath)
        self.store = store
        applier = BlockApplier(chainID: chainID, validators: validators, maxTransactions: genesis.consensus.maxBlockTransactions,
                               application: application, store: store, signatures: signatures)
        let g = try applier.executor.genesisState(genesis, base: EmptyState())
        try store.open(genesis: genesis, initialWrites: g.writes, initialStateHash: g.hash)
        committedHeight.store(store.tip.height, ordering: .releasing)
        // The newest blocks are checked before anything is served or signed; the whole chain is checked in the
        // background after start (`scrubStoredChain`). A corrupt block stops the start, naming its height.
        let tipHeight = store.tip.height
        try store.verifyStoredBlocks(from: tipHeight > Node.startupCheckBlocks ? tipHeight - Node.startupCheckBlocks + 1 : 1, through: tipHeight)

        driver = ConsensusDriver(validators: validators, me: myIndex, timeouts: TimeoutParameters(
            proposeMs: c.timeoutProposeMs, proposeDeltaMs: c.timeoutProposeDeltaMs,
            prevoteMs: c.timeoutPrevoteMs, prevoteDeltaMs: c.timeoutPrevoteDeltaMs,
            precommitMs: c.timeoutPrecommitMs, precommitDeltaMs: c.timeoutPrecommitDeltaMs))
        gossip = Gossip(peers: peerList, chainID: chainID, me: config.moniker, client: client, logger: logger,
                        height: { [store] in store.tip.height })
    }

    var peerList: [PeerInfo] {
        var out: [PeerInfo] = []
        var seen = Set<String>()
        for o in genesis.organizations where o.name != config.moniker {
            if let (h, p) = Node.hostPort(url: o.address), seen.insert(o.address).inserted {
                out.append(PeerInfo(name: o.name, url: o.address, host: h, port: p))
            }
        }
        for u in config.peers where seen.insert(u).inserted {
            if let (h, p) = Node.hostPort(url: u) { out.append(PeerInfo(name: u, url: u, host: h, port: p)) }
        }
        return out
    }

    static func hostPort(url: String) -> (String, UInt16)? {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst(7).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return NodeConfig.split(rest)
    }

    /// Binds the API, starts gossip, catch-up and consensus.
    public func start() throws {
        guard let (host, port) = config.hostPort else {
            throw NodeError(code: "CONFIG_INVALID", message: "listen must be host:port, got \(config.listen)")
        }
        let api = API(node: self)
        server = try HTTPServer(host: host, port: port, limits: config.httpServerLimits(peerHosts: peerList.map(\.host)), handler: { req in api.handle(req) })
        // Boot the driver from what was persisted before anything can reach it (gossip arrives through the server).
        let tip = store.tip
        let stored = try store.loadSignerState().map { try SignerRecord(canonical: $0) }
        let held = try store.loadSignerBlocks()
        queue.sync {
            for b in held { blocks[b.hash] = b }
            booted = true
            feed(.restart(stored, height: tip.height + 1, holding: Set(held.map(\.hash))))
        }
        server?.start()
        gossip.start()
        logger.info("node", "started", height: tip.height, [
            "chain": chainID, "listen": config.listen, "role": myIndex.map { "validator \($0)" } ?? "observer",
            "peers": "\(gossip.peers.count)",
        ])
        scheduleRebroadcast()
        let t = Thread { [self] in self.syncLoop() }
        t.name = "sync"
        t.start()
        syncThread = t
        let scrub = Thread { [self] in self.scrubStoredChain(through: tip.height) }
        scrub.name = "scrub"
        scrub.qualityOfService = .background
        scrub.start()
    }

    /// Verifies every stored block below the ones checked at start-up (hashes, links, roots, stored bytes and
    /// certificates' block hashes), in the background; a corrupt one halts the node (`storageCorrupt`).
    private func scrubStoredChain(through tip: UInt64) {
        let end = tip > Node.startupCheckBlocks ? tip - Node.startupCheckBlocks : 0
        guard end > 0 else { return }
        let started = Date()
        var from: UInt64 = 1
        while from <= end, !queue.sync(execute: { stopped }) {
            let to = min(from + 999, end)
            do { try store.verifyStoredBlocks(from: from, through: to) } catch {
                storageError(error, "checking stored blocks \(from)–\(to)")
                return
            }
            from = to + 1
        }
        if from > end {
            logger.info("storage", "verified every stored block below the newest \(Node.startupCheckBlocks)", height: end,
                        ["seconds": String(format: "%.1f", Date().timeIntervalSince(started))])
        }
    }

    /// Records a storage failure for health, metrics and the log (throttled: a full disk fails hundreds of times a
    /// second). A corrupt stored block halts consensus for good: the node must not go on from a chain it cannot
    /// trust; it keeps answering /healthz, /v1/status and /metrics so the operator sees why.
    func storageError(_ error: Error, _ doing: String, height: UInt64? = nil) {
        if let c = error as? StoredBlockCorrupt {
            health.corrupted(height: c.height, "\(c); stop this node and restore it (docs/operations.md, 'Recovery')")
            logger.throttled(.error, key: "storage-corrupt", interval: 60, "storage", "\(c) (while \(doing)); consensus halted", height: c.height)
            queue.async { self.halted = true }
            return
        }
        health.storageFailed("\(error) (while \(doing))")
        logger.throttled(.error, key: "storage-\(doing)", "storage", "\(error) (while \(doing))", height: height)
    }

    /// How many of the newest blocks are verified before the node starts (the rest: in the background).
    static let startupCheckBlocks: UInt64 = 1_000

    public func stop() {
        queue.sync { stopped = true }
        gossip?.stop()
        server?.stop()
    }

    public var listenPort: UInt16? { server?.port }

    // MARK: - Inbound gossip (HTTP threads)

    /// Verifies signatures here, on the caller's thread, then queues what is valid for consensus.
    func receiveGossip(_ env: GossipEnvelope) -> Int {
        var rejected = 0
        var forConsensus: [GossipMessage] = []
        for m in env.messages {
            switch m {
            case .proposal(let p, let b):
                guard p.proposer >= 0, p.proposer < validators.count,
                      signatures.verify(validators[p.proposer].publicKey, p.signature, p.signingBytes(chainID: chainID)),
                      b.hash == p.blockHash else { rejected += 1; continue }
                noteSigned(validator: p.proposer, height: p.height)
                forConsensus.append(m)
            case .vote(let v):
                guard v.validator >= 0, v.validator < validators.count,
                      signatures.verify(validators[v.validator].publicKey, v.signature, v.signingBytes(chainID: chainID)) else {
                    rejected += 1; continue
                }
                noteSigned(validator: v.validator, height: v.height)
                forConsensus.append(m)
            case .transactions(let txs):
                rejected += admit(batch: txs)
            }
        }
        if rejected > 0 { metrics.count("gossip_invalid_total", by: rejected) }
        if !forConsensus.isEmpty {
            let batch = forConsensus
            queue.async { [self] in
                for m in batch {
                    switch m {
                    case .proposal(let p, let b): receive(proposal: p, block: b)
                    case .vote(let v): feed(.vote(v))
                    case .transactions: break
                    }
                }
            }
        }
        return rejected
    }

    /// A verified signature of `validator` at `height`: that validator committed `height − 1`.
    private func noteSigned(validator: Int, height: UInt64) {
        catchUp.signed(validator: validator, height: height)
        if height > 0 { gossip?.noteVerified(name: validators[validator].name, height: height - 1) }
    }

    // MARK: - Transactions

    /// Mempool admission (not already committed, signature, the application's check, pool bounds) of a client's
    /// transaction, relayed to the peers if it is new here.
    func admit(_ tx: Transaction) -> Result<Hash, APIError> {
        let r = (try? store.read { admit(tx, view: $0, state: $0) }) ?? .failure(Self.storageUnavailable)
        if case .success(let a) = r, a.added { gossip.broadcast(.transactions([tx])) }
        return r.map(\.hash)
    }

    /// Admits a client's batch against one snapshot of committed state, relaying the ones it added to the pool
    /// as one gossip batch (resending a batch does not gossip it again); the results are in the batch's order.
    func admit(submitted batch: [Transaction]) -> [Result<Hash, APIError>] {
        let results = (try? store.read { view in
            let reads = StateOverlay(base: view)
            return batch.map { admit($0, view: view, state: reads) }
        }) ?? batch.map { _ in .failure(Self.storageUnavailable) }
        let fresh = zip(batch, results).compactMap { tx, r in (try? r.get())?.added == true ? tx : nil }
        if !fresh.isEmpty { gossip.broadcast(.transactions(fresh)) }
        return results.map { $0.map(\.hash) }
    }

    /// Admits a batch (a peer's gossip) against one snapshot of committed state; answers how many were refused.
    func admit(batch: [Transaction]) -> Int {
        (try? store.read { view in
            let reads = StateOverlay(base: view)
            return batch.filter { if case .failure = admit($0, view: view, state: reads) { return true }; return false }.count
        }) ?? batch.count
    }

    private static let storageUnavailable = APIError("STORAGE_UNAVAILABLE", "the node could not read its committed state; retry shortly")

    /// One transaction against a snapshot: its hash, and whether this call added it to the pool (rather than
    /// finding it there already). `state` reads `view`, through a batch's read cache where there is one (checks
    /// only read, and every transaction of a batch reads its signer's membership).
    private func admit(_ tx: Transaction, view: ReadView, state: StateReader) -> Result<(hash: Hash, added: Bool), APIError> {
        let hash = tx.hash(chainID: chainID)
        if mempool.contains(hash) { return .success((hash, false)) }
        if view.isCommitted(hash) {
            return .failure(APIError("TX_ALREADY_COMMITTED", "transaction \(hash.hex) is already committed; a replay is refused"))
        }
        guard signatures.verify(tx, hash: hash) else {
            return .failure(APIError("BAD_SIGNATURE", "the signature does not match the transaction and its signer for chain \(chainID)"))
        }
        if let bad = application.check(tx, state: state) {
            return .failure(APIError(bad.code, bad.message))
        }
        switch mempool.add(tx, hash: hash, size: tx.body.count + 200) {
        case .added: return .success((hash, true))
        case .duplicate: return .success((hash, false))
        case .full:
            return .failure(APIError("MEMPOOL_FULL", "the transaction pool is full; retry later"))
        }
    }

    // MARK: - Catch-up

    /// Most blocks asked for in one catch-up request.
    static let syncBatchBlocks = 100

    /// Fetches committed blocks from peers that may be ahead, verifies their certificates, and applies them.
    /// Whom to ask comes from peers' claims (hints that expire, and are ignored for a while once proven false) or,
    /// when signatures prove we are behind but nobody claims to be ahead, from every peer in turn.
    private func syncLoop() {
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
            if !progressed { Thread.sleep(forTimeInterval: 0.25) }
        }
        metrics.setCatchingUp(false)
    }

    /// Peers we have not reached lately (an observer hears from nobody) are asked for their height: a claim.
    private func pollQuietPeers() {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        struct Status: Decodable { let height: UInt64 }
        for p in gossip.snapshot where (p.lastContactMs ?? 0) < now - 2000 {
            guard let r = try? client.send("GET", host: p.host, port: p.port, path: "/v1/status", timeout: 1), r.status == 200,
                  let s = try? JSONDecoder().decode(Status.self, from: Data(r.body)) else { continue }
            gossip.noteReached(url: p.url, nowMs: now)
            gossip.noteClaim(url: p.url, height: s.height, nowMs: now)
        }
    }

    /// Asks `p` for the blocks after `tip` and applies every one that verifies. Returns whether any was applied; a
    /// peer that had nothing above our tip, or sent an invalid block, has its claim dropped (`claimFailed`).
    private func fetchBlocks(from p: PeerInfo, after tip: ChainTip) -> Bool {
        let nowMs = { Int64(Date().timeIntervalSince1970 * 1000) }
        guard let resp = try? client.send("GET", host: p.host, port: p.port, path: "/v1/sync/blocks?from=\(tip.height + 1)&limit=\(Node.syncBatchBlocks)", timeout: 10),
              resp.status == 200, let batch = try? SyncBatch(canonical: resp.body), !batch.entries.isEmpty else {
            gossip.claimFailed(url: p.url, nowMs: nowMs())
            return false
        }
        // Transaction signatures are not covered by the block hash (a transaction's hash leaves its signature out),
        // so the certificate does not vouch for them: verify them all here, on every core, before the serial
        // queue; validation below then finds the valid ones in the signature cache.
        let txs = batch.entries.flatMap(\.block.transactions)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            for i in stride(from: c, to: txs.count, by: cores) { _ = signatures.verify(txs[i], hash: txs[i].hash(chainID: chainID)) }
        }
        let (applied, invalid): (Int, Bool) = queue.sync { [self] in
            var applied = 0
            for e in batch.entries where e.block.height > store.tip.height {
                do {
                    // Every check (certificate, then the block: signatures are in the cache from above), then the
                    // commit. A failed commit (storage) is not progress: the loop sleeps before trying again.
                    guard try commit(block: e.block, certificate: e.certificate, checks: .full) else { return (applied, false) }
                } catch {
                    logger.warn("sync", "peer \(p.name) sent a block that does not verify: \(error)", height: e.block.height)
                    metrics.count("gossip_invalid_total")
                    return (applied, true)
                }
                applied += 1
            }
            return (applied, false)
        }
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

/// A state with nothing in it: the base of the genesis state.
struct EmptyState: StateReader {
    func get(_ key: [UInt8]) -> [UInt8]? { nil }
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] { [] }
}

/// Lets API threads wait until a transaction is committed.
final class CommitNotifier: @unchecked Sendable {
    private let cond = NSCondition()
    private var generation = 0

    func notify(_ hashes: [Hash]) {
        cond.lock()
        generation += 1
        cond.broadcast()
        cond.unlock()
    }

    /// Waits until `isDone` holds (checked after every commit) or the deadline passes.
    func wait(until deadline: Date, _ isDone: () -> Bool) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        while true {
            if isDone() { return true }
            if !cond.wait(until: deadline) { return isDone() }
        }
    }
}
