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
    let executor: BlockExecutor
    let blockValidator: BlockValidator
    let mempool: Mempool
    let logger: Logger
    let metrics = Metrics()
    let commits = CommitNotifier()
    /// The committed height, readable without the store's writer lock (set after each commit, and at start).
    let committedHeight = Atomic<UInt64>(0)
    /// Reads waiting for a `minHeight` (bounded by the API).
    let heightWaiters = Atomic<Int>(0)
    let signatures: SignatureCache
    /// Signed API requests: freshness window and replay cache (RequestAuth.swift).
    let requestVerifier: RequestVerifier
    /// API sessions: a signed handshake, then an HMAC per request (SessionVerifier.swift). In memory only.
    let sessions: SessionVerifier
    var gossip: Gossip!
    var server: HTTPServer?
    let client = HTTPClient()

    let queue = DispatchQueue(label: "yongchain.consensus")
    // Owned by `queue`:
    var core: TendermintCore
    var record: SignerRecord
    var signer: SignerGuard { record.guardState }
    var blocks: [Hash: Block] = [:]
    var futureProposals: [(Proposal, Block)] = []
    var pendingValue: (height: UInt64, round: Int32)?
    var pendingDecision: (height: UInt64, blockHash: Hash, certificate: CommitCertificate)?
    var ownMessages: [GossipMessage] = []
    var lastBlockCommittedAt = Date()
    private var stopped = false
    private var syncThread: Thread?
    private let syncLock = NSLock()

    public init(home: NodeHome, logger: Logger) throws {
        self.home = home
        self.logger = logger
        config = try home.loadConfig()
        genesis = try Genesis.load(path: home.genesisPath)
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
        executor = BlockExecutor(application: application, chainID: chainID)
        blockValidator = BlockValidator(chainID: chainID, validators: validators, maxTransactions: genesis.consensus.maxBlockTransactions)
        signatures = SignatureCache(chainID: chainID)
        var limits = MempoolLimits()
        if let m = config.mempoolMaxTransactions { limits.maxTransactions = m }
        mempool = Mempool(limits: limits)

        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        store = try ChainStore(path: home.databasePath)
        let g = try executor.genesisState(genesis, base: EmptyState())
        try store.open(genesis: genesis, initialWrites: g.writes, initialStateHash: g.hash)
        committedHeight.store(store.tip.height, ordering: .releasing)

        let c = genesis.consensus
        core = TendermintCore(validators: validators, me: myIndex, timeouts: TimeoutParameters(
            proposeMs: c.timeoutProposeMs, proposeDeltaMs: c.timeoutProposeDeltaMs,
            prevoteMs: c.timeoutPrevoteMs, prevoteDeltaMs: c.timeoutPrevoteDeltaMs,
            precommitMs: c.timeoutPrecommitMs, precommitDeltaMs: c.timeoutPrecommitDeltaMs))
        if let saved = try store.loadSignerState() {
            record = try SignerRecord(canonical: saved)
        } else {
            record = SignerRecord(guardState: SignerGuard(), height: 0, locked: nil, valid: nil)
        }
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
        gossip = Gossip(peers: peerList, chainID: chainID, me: config.moniker, client: client, logger: logger,
                        height: { [store] in store.tip.height })
        let api = API(node: self)
        server = try HTTPServer(host: host, port: port, limits: config.httpServerLimits(peerHosts: peerList.map(\.host)), handler: { req in api.handle(req) })
        server?.start()
        gossip.start()
        let tip = store.tip
        logger.info("node", "started", height: tip.height, [
            "chain": chainID, "listen": config.listen, "role": myIndex.map { "validator \($0)" } ?? "observer",
            "peers": "\(gossip.peers.count)",
        ])
        queue.async { self.resumeConsensus(at: tip.height + 1) }
        scheduleRebroadcast()
        let t = Thread { [self] in self.syncLoop() }
        t.name = "sync"
        t.start()
        syncThread = t
    }

    public func stop() {
        queue.sync { stopped = true }
        gossip?.stop()
        server?.stop()
    }

    public var listenPort: UInt16? { server?.port }

    // MARK: - Consensus driving (on `queue`)

    /// Feeds one input and carries out every output, including our own messages looped back.
    func feed(_ input: ConsensusInput) {
        dispatchPrecondition(condition: .onQueue(queue))
        if stopped { return }
        carryOut(core.handle(input), startedHeight: { if case .startHeight = input { return true }; return false }())
    }

    private func carryOut(_ first: [ConsensusOutput], startedHeight: Bool) {
        var outputs = first
        var inbox: [ConsensusInput] = []
        var heightStarted = startedHeight
        while true {
            for out in outputs {
                switch out {
                case .broadcastProposal(let p):
                    guard let block = blocks[p.blockHash], let signed = sign(proposal: p) else { continue }
                    let m = GossipMessage.proposal(signed, block)
                    gossip.broadcast(m)
                    ownMessages.append(m)
                    inbox.append(.proposal(signed, isValid: true))
                case .broadcastVote(let v):
                    guard let signed = sign(vote: v) else { continue }
                    let m = GossipMessage.vote(signed)
                    gossip.broadcast(m)
                    ownMessages.append(m)
                    inbox.append(.vote(signed))
                case .scheduleTimeout(let t, let ms):
                    queue.asyncAfter(deadline: .now() + .milliseconds(ms)) { self.feed(.timeout(t)) }
                case .requestValue(let h, let r):
                    pendingValue = (h, r)
                    queue.async { self.tryPropose() }
                case .decide(let h, _, let hash, let cert):
                    decided(height: h, blockHash: hash, certificate: cert)
                case .conflictingProposals(let a, _):
                    logger.warn("consensus", "conflicting proposals by validator \(a.proposer)", height: a.height, ["round": "\(a.round)"])
                case .evidence(let a, let b):
                    logger.warn("consensus", "equivocation by validator \(a.validator)", height: a.height)
                    var w = CanonicalWriter()
                    w.item(a); w.item(b)
                    try? store.addEvidence(height: a.height, validator: a.validator, data: w.bytes)
                }
            }
            if heightStarted {
                heightStarted = false
                let future = futureProposals
                futureProposals.removeAll()
                for (p, b) in future where p.height == core.height { receive(proposal: p, block: b) }
            }
            guard !inbox.isEmpty, !stopped else { return }
            outputs = core.handle(inbox.removeFirst())
        }
    }

    /// Starts height `h`. After a restart in the middle of a height this validator signed in, it also restores
    /// the lock it persisted and hands the core its own earlier votes, which it sends again (a fresh core does not
    /// know them, and the others may need them for their quorum). The guard still refuses anything conflicting.
    private func resumeConsensus(at h: UInt64) {
        feed(.startHeight(h))
        guard let me = myIndex, record.height == h else { return }
        core.restoreLock(height: h, locked: record.locked, valid: record.valid)
        let votes = signer.restoredVotes(validator: me).filter { $0.height == h }
        if !votes.isEmpty { logger.info("consensus", "resuming after a restart with \(votes.count) votes already signed", height: h) }
        for v in votes {
            gossip.broadcast(.vote(v))
            ownMessages.append(.vote(v))
            feed(.vote(v))
        }
    }

    /// Signs only what the guard allows, and records it durably before the signature can leave this node.
    /// Asked again for exactly what it signed last, it re-sends the stored signature instead of signing anew.
    private func sign(vote: Vote) -> Vote? {
        guard let key, myIndex != nil else { return nil }
        var v = vote
        guard let sig = guardedSign(SignerGuard.Message(vote), height: v.height, { key.sign(v.signingBytes(chainID: chainID)) }) else { return nil }
        v.signature = sig
        return v
    }

    private func sign(proposal: Proposal) -> Proposal? {
        guard let key else { return nil }
        var p = proposal
        guard let sig = guardedSign(SignerGuard.Message(proposal), height: p.height, { key.sign(p.signingBytes(chainID: chainID)) }) else { return nil }
        p.signature = sig
        return p
    }

    private func guardedSign(_ m: SignerGuard.Message, height: UInt64, _ make: () -> [UInt8]) -> [UInt8]? {
        switch signer.check(m) {
        case .refuse(let reason):
            logger.warn("signer", "refused to sign: \(reason)", height: height)
            return nil
        case .resend(let signature):
            return signature
        case .sign:
            let sig = make()
            var r = record
            r.guardState.record(m, signature: sig)
            r.height = core.height
            r.locked = core.lockedValue.map { ($0, core.lockedRound) }
            r.valid = core.validValue.map { ($0, core.validRound) }
            do { try store.saveSignerState(r.canonicalBytes) } catch {
                logger.error("signer", "cannot persist signer state, not signing: \(error)", height: height)
                return nil
            }
            record = r
            return sig
        }
    }

    /// getValue(): build a block from the mempool. A proposer in round 0 with nothing to include waits for
    /// transactions, up to the empty-block interval after the last block.
    func tryPropose() {
        guard let (h, r) = pendingValue, h == core.height, r == core.round, let key else { return }
        let pending = mempool.count
        let sinceLast = Date().timeIntervalSince(lastBlockCommittedAt) * 1000
        let c = genesis.consensus
        // Round 0 only: in later rounds the others are already waiting for us.
        let waitFor: Double = r > 0 ? 0
            : pending == 0 ? Double(c.emptyBlockIntervalMs) - sinceLast
            : pending < c.maxBlockTransactions ? Double(c.minBlockIntervalMs) - sinceLast : 0
        if waitFor > 0 {
            queue.asyncAfter(deadline: .now() + .milliseconds(max(1, min(Int(waitFor), 10)))) { self.tryPropose() }
            return
        }
        pendingValue = nil
        let tip = store.tip
        let candidates = mempool.peek(max: genesis.consensus.maxBlockTransactions)
        // Admission checks "committed?" against a read snapshot, so a transaction whose block committed while its
        // batch was being admitted can sit in the pool after the commit removed it: it leaves here.
        let committed = (try? store.read { v in candidates.filter { v.isCommitted($0.hash) }.map(\.hash) }) ?? []
        if !committed.isEmpty { mempool.remove(committed) }
        let gone = Set(committed)
        let entries = candidates.filter { !gone.contains($0.hash) }
        let txs = entries.map(\.tx)
        let lastCommit = tip.height == 0 ? nil : (try? store.certificate(at: tip.height)) ?? nil
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let header = BlockHeader(chainID: chainID, height: h, time: max(now, tip.time + 1), previousBlockHash: tip.blockHash,
                                 txRoot: Merkle.root(leaves: entries.map(\.hash)), stateHash: tip.stateHash,
                                 proposer: key.publicKey, validatorSetHash: validators.hash,
                                 lastCommitHash: Block.commitHash(lastCommit))
        let block = Block(header: header, transactions: txs, lastCommit: lastCommit)
        blocks[block.hash] = block
        feed(.proposalValue(height: h, round: r, blockHash: block.hash))
    }

    /// A proposal whose signature was verified: judge the block (valid(v)) and hand both to the core.
    func receive(proposal p: Proposal, block: Block) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard block.hash == p.blockHash else { metrics.count("gossip_invalid_total"); return }
        if p.height == core.height + 1 {
            if futureProposals.count < 64 { futureProposals.append((p, block)) }
            return
        }
        guard p.height == core.height else { return }
        blocks[block.hash] = block
        let tip = store.tip
        var valid = true
        do {
            let maxTime = Int64(Date().timeIntervalSince1970 * 1000) + 30_000
            try store.read { v in
                try blockValidator.validate(block, tip: tip, previous: nil, isCommitted: { v.isCommitted($0) },
                                            isVerified: { mempool.contains($0) }, maxTime: maxTime, signatures: signatures)
            }
        } catch {
            valid = false
            logger.warn("consensus", "proposal rejected: \(error)", height: p.height, ["round": "\(p.round)"])
        }
        feed(.proposal(p, isValid: valid))
        if let d = pendingDecision, d.blockHash == block.hash { decided(height: d.height, blockHash: d.blockHash, certificate: d.certificate) }
    }

    /// The core decided: apply the block if we hold it; otherwise fetch it (catch-up) and apply it then.
    private func decided(height: UInt64, blockHash: Hash, certificate: CommitCertificate) {
        guard let block = blocks[blockHash] else {
            pendingDecision = (height, blockHash, certificate)
            logger.info("consensus", "decided a block we do not hold yet; fetching", height: height)
            return
        }
        pendingDecision = nil
        commit(block: block, certificate: certificate)
    }

    /// Executes and stores a final block, then starts the next height.
    func commit(block: Block, certificate: CommitCertificate) {
        dispatchPrecondition(condition: .onQueue(queue))
        let tip = store.tip
        guard block.height == tip.height + 1 else { return }
        let started = Date()
        let exec = executor.execute(block, on: store.committedState, previousStateHash: tip.stateHash)
        do {
            try store.commit(block: block, certificate: certificate, writes: exec.writes,
                             results: exec.results.map { ($0.hash, $0.result) }, stateHash: exec.stateHash)
        } catch {
            logger.error("storage", "cannot commit block: \(error)", height: block.height)
            return
        }
        let hashes = exec.results.map(\.hash)
        mempool.remove(hashes)
        committedHeight.store(block.height, ordering: .releasing)
        commits.notify(hashes)
        metrics.committed(block: block, results: exec.results, interval: started.timeIntervalSince(lastBlockCommittedAt), validators: validators)
        lastBlockCommittedAt = Date()
        blocks = blocks.filter { $0.value.height > block.height }
        ownMessages.removeAll()
        pendingValue = nil
        pendingDecision = nil
        logger.debug("consensus", "committed", height: block.height, ["txs": "\(block.transactions.count)", "hash": block.hash.short])
        feed(.startHeight(block.height + 1))
    }

    /// Every second, re-send this node's messages for the current height, so that progress resumes after
    /// messages were lost or a partition healed.
    private func scheduleRebroadcast() {
        queue.asyncAfter(deadline: .now() + 1.0) { [self] in
            if stopped { return }
            for m in ownMessages { gossip.broadcast(m) }
            for v in core.currentHeightVotes { gossip.broadcast(.vote(v)) }
            scheduleRebroadcast()
        }
    }

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
                forConsensus.append(m)
            case .vote(let v):
                guard v.validator >= 0, v.validator < validators.count,
                      signatures.verify(validators[v.validator].publicKey, v.signature, v.signingBytes(chainID: chainID)) else {
                    rejected += 1; continue
                }
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

    private static let storageUnavailable = APIError(503, "STORAGE_UNAVAILABLE", "the node could not read its committed state; retry shortly")

    /// One transaction against a snapshot: its hash, and whether this call added it to the pool (rather than
    /// finding it there already). `state` reads `view`, through a batch's read cache where there is one (checks
    /// only read, and every transaction of a batch reads its signer's membership).
    private func admit(_ tx: Transaction, view: ReadView, state: StateReader) -> Result<(hash: Hash, added: Bool), APIError> {
        let hash = tx.hash(chainID: chainID)
        if mempool.contains(hash) { return .success((hash, false)) }
        if view.isCommitted(hash) {
            return .failure(APIError(409, "TX_ALREADY_COMMITTED", "transaction \(hash.hex) is already committed; a replay is refused"))
        }
        guard signatures.verify(tx, hash: hash) else {
            return .failure(APIError(400, "BAD_SIGNATURE", "the signature does not match the transaction and its signer for chain \(chainID)"))
        }
        if let bad = application.check(tx, state: state) {
            let status = bad.code == "FORBIDDEN_ROLE" || bad.code == "UNKNOWN_SIGNER" ? 403 : 400
            return .failure(APIError(status, bad.code, bad.message))
        }
        switch mempool.add(tx, hash: hash, size: tx.body.count + 200) {
        case .added: return .success((hash, true))
        case .duplicate: return .success((hash, false))
        case .full:
            return .failure(APIError(503, "MEMPOOL_FULL", "the transaction pool is full; retry later"))
        }
    }

    // MARK: - Catch-up

    /// Fetches committed blocks from any peer that is ahead, verifies their certificates, and applies them.
    private func syncLoop() {
        var lastPoll = Date.distantPast
        while !queue.sync(execute: { stopped }) {
            if Date().timeIntervalSince(lastPoll) > 1 {
                pollQuietPeers()
                lastPoll = Date()
            }
            let tip = store.tip
            let ahead = gossip.snapshot.filter { $0.height > tip.height }.sorted { $0.height > $1.height }
            var progressed = false
            for p in ahead.prefix(2) {
                if fetchBlocks(from: p, after: tip) { progressed = true; break }
            }
            metrics.setCatchingUp(!ahead.isEmpty && ahead[0].height > tip.height + 1)
            if !progressed { Thread.sleep(forTimeInterval: 0.25) }
        }
    }

    /// Peers we have not heard from lately (an observer hears from nobody) are asked for their height.
    private func pollQuietPeers() {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for p in gossip.snapshot where (p.lastContactMs ?? 0) < now - 2000 {
            guard let r = try? client.send("GET", host: p.host, port: p.port, path: "/v1/status", timeout: 1), r.status == 200,
                  let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                  let h = (o["height"] as? NSNumber)?.uint64Value else { continue }
            gossip.noteContact(url: p.url, height: h, nowMs: now)
        }
    }

    private func fetchBlocks(from p: PeerInfo, after tip: ChainTip) -> Bool {
        guard let resp = try? client.send("GET", host: p.host, port: p.port, path: "/v1/sync/blocks?from=\(tip.height + 1)&limit=100", timeout: 10),
              resp.status == 200, let batch = try? SyncBatch(canonical: resp.body), !batch.entries.isEmpty else { return false }
        // Transaction signatures are not covered by the block hash (a transaction's hash leaves its signature out),
        // so the certificate does not vouch for them: verify them all here, on every core, before the serial
        // queue; validation below then finds the valid ones in the signature cache.
        let txs = batch.entries.flatMap(\.block.transactions)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            for i in stride(from: c, to: txs.count, by: cores) { _ = signatures.verify(txs[i], hash: txs[i].hash(chainID: chainID)) }
        }
        let applied: Int = queue.sync { [self] in
            var applied = 0
            for e in batch.entries {
                let t = store.tip
                if e.block.height <= t.height { continue }
                do {
                    // The certificate first (cheap: a few signatures), then everything else, signatures included.
                    try e.certificate.verify(validators: validators, chainID: chainID, height: e.block.height, blockHash: e.block.hash,
                                             verifier: signatures.verify)
                    try blockValidator.validate(e.block, tip: t, previous: nil, isCommitted: { store.isCommitted($0) },
                                                isVerified: { _ in false }, maxTime: nil, signatures: signatures)
                } catch {
                    logger.warn("sync", "peer \(p.name) sent an invalid block: \(error)", height: e.block.height)
                    metrics.count("gossip_invalid_total")
                    return applied
                }
                commit(block: e.block, certificate: e.certificate)
                applied += 1
            }
            return applied
        }
        if applied > 0 { logger.info("sync", "caught up \(applied) blocks from \(p.name)", height: store.tip.height) }
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
