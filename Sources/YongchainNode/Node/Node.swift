import Foundation
import Synchronization
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// A Yongchain node: it builds its parts, wires them together, and starts and stops them. Each part owns its
/// state and says its thread rule at its top (docs/architecture.md, "The node's parts"):
///
/// - `ConsensusShell` — the driver, carried out by the `ReadyRunner` (persist, send, sign, apply), held blocks,
///   block building and commits (`BlockProposer`, `BlockCommitter`), on one serial queue;
/// - `CatchUp` — fetching committed blocks from peers, committed through the shell's queue;
/// - `Admission` — transactions into the `Mempool`, with the `SignatureCache`;
/// - the peer protocol — `PeerProtocol` (inbound gossip and sync), `Gossip` (outbound), `MemberPeers` (peers,
///   TLS keys and reserved slots follow the members);
/// - `QueryService` — status, blocks, transactions and the applications' proven answers — behind the `API`, one
///   dispatch over one `RouteTable`.
///
/// What they share is published in `ChainView` (the committed tip, the rules, the core's round) and `NodeHealth`.
public final class Node: @unchecked Sendable {
    public let home: NodeHome
    public let config: NodeConfig
    public let genesis: Genesis
    let key: PrivateKey?
    let store: ChainStore
    let view: ChainView
    let health: NodeHealth
    let consensus: ConsensusShell
    let catchUp: CatchUp
    let admission: Admission
    let members: MemberPeers
    let query: QueryService
    /// Answers every HTTP request: made at init, so every route works before start.
    let api: API
    let logger: Logger
    /// The API server, from `start()` (under its lock: `stop` may come from another thread).
    private let server = Mutex<HTTPServer?>(nil)

    public init(home: NodeHome, logger: Logger) throws {
        self.home = home
        self.logger = logger
        config = try home.loadConfig()
        guard config.nodeKind == .full else {
            throw NodeError(code: NodeCode.configInvalid, message: "\(home.configPath) says \"node\": \"member\": run it as a MemberNodeRuntime (`yongchain node run` chooses by the config)")
        }
        genesis = try GenesisFile.load(path: home.genesisPath)
        let chain = genesis.chain
        let key = try Node.loadKey(home, config)
        self.key = key
        let tls: NodeTLS? = config.tlsEnabled
            ? try NodeTLS(key: key, moniker: config.moniker, genesis: genesis, webIdentity: NodeTLS.webIdentity(config, home: home))
            : nil
        let client = HTTPClient(transport: tls?.clientTransport)
        let application = LedgerApplication(chainID: chain.id)
        let signatures = SignatureCache(chainID: chain.id)
        var mempoolLimits = MempoolLimits()
        if let m = config.mempoolMaxTransactions { mempoolLimits.maxTransactions = m }
        if let m = config.mempoolMaxPerSigner { mempoolLimits.maxPerSigner = m }
        let mempool = Mempool(limits: mempoolLimits)
        let c = genesis.consensus
        // A block is due at least every empty-block interval; allow several missed rounds before calling it a stall.
        let health = NodeHealth(stallSeconds: max(30, Double(5 * (c.emptyBlockIntervalMs + c.timeoutProposeMs)) / 1000))
        self.health = health
        let metrics = Metrics()
        var limits = APILimits()
        if let m = config.maxProofsPerSecond { limits.maxProofsPerSecond = m }

        // The store, opened at genesis or at its tip; the newest blocks are checked before anything is served or
        // signed, the whole chain in the background after start (`scrubStoredChain`). A corrupt block stops the
        // start, naming its height.
        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        let store = try ChainStore(path: home.databasePath, stateCache: config.stateCacheMiB.map { StateCacheLimits(maxBytes: $0 << 20) } ?? StateCacheLimits()) {
            logger.info("storage", $0)
        }
        self.store = store
        let executor = BlockExecutor(chain: chain, application: application, store: store, signatures: signatures)
        let g = try executor.genesisState(genesis)
        try store.open(genesis: genesis, initialWrites: g.writes, initialTree: g.tree)
        let tipHeight = store.tip.height
        try store.verifyStoredBlocks(from: tipHeight > Node.startupCheckBlocks ? tipHeight - Node.startupCheckBlocks + 1 : 1, through: tipHeight)
        let rules = try executor.rules()
        try Node.checkNodeKind(key: key?.publicKey, store: store)
        let view = ChainView(height: tipHeight, rules: rules)
        self.view = view

        // The parts, inside out.
        let peerList = MemberPeers.initialPeers(genesis: genesis, config: config)
        let gossip = Gossip(peers: peerList, chainID: chain.id, me: config.moniker, client: client, logger: logger,
                            height: { [store] in store.tip.height })
        let catchUpStatus = CatchUpStatus(validators: rules.nextHeight.current)
        let report = HealthReport(health: health, gossip: gossip, catchUp: catchUpStatus, view: view)
        // Genesis's members and the config's peers, until the committed member list says otherwise.
        let reservedSlots = ReservedSlots(hosts: config.reservedHosts(peerHosts: peerList.map(\.host)), logger: logger)
        members = MemberPeers(application: application, store: store, gossip: gossip, tls: tls, client: client, reservedSlots: reservedSlots,
                              config: config, genesis: genesis, key: key?.publicKey, health: health, logger: logger)
        admission = Admission(chain: chain, application: application, store: store, mempool: mempool, signatures: signatures, gossip: gossip,
                              view: view, limits: limits, health: health, metrics: metrics, logger: logger)
        let committer = BlockCommitter(executor: executor, mempool: mempool, view: view, catchUp: catchUpStatus, members: members,
                                       health: health, metrics: metrics, logger: logger)
        consensus = ConsensusShell(
            driver: ConsensusDriver(identity: key?.publicKey, validators: rules.nextHeight.current, timeouts: TimeoutParameters(rules.parameters)),
            proposer: BlockProposer(executor: executor, mempool: mempool, key: key), committer: committer, key: key, gossip: gossip,
            catchUp: catchUpStatus, health: health, metrics: metrics, logger: logger)
        catchUp = CatchUp(consensus: consensus, gossip: gossip, client: client, status: catchUpStatus, report: report, metrics: metrics,
                          key: key, logger: logger)
        let peers = PeerProtocol(gossip: gossip, consensus: consensus, admission: admission, catchUp: catchUpStatus, metrics: metrics, limits: limits)
        let sessions = SessionVerifier(chainID: chain.id, nodeKey: key)
        query = QueryService(chain: chain, store: store, application: application, view: view, mempool: mempool, report: report, metrics: metrics,
                             identity: NodeIdentity(key: key?.publicKey, moniker: config.moniker, tls: tls != nil), sessions: sessions,
                             limits: limits, client: client)
        let memberSync = MemberSyncService(store: store, application: application, chain: chain, limits: limits)
        let pseudonyms = PseudonymService(chain: chain, key: try PseudonymService.loadKey(config, home: home))
        api = API(table: .node(query: query, admission: admission, peers: peers, memberSync: memberSync, pseudonyms: pseudonyms, limits: limits),
                  authenticator: Authenticator(requestVerifier: RequestVerifier(chainID: chain.id), sessions: sessions, tls: tls,
                                               health: health, logger: logger),
                  query: query)
        members.refresh()
        committer.recountOpenProposals(after: nil)
    }

    /// The node's key; nil only for a node whose config says it is an observer and that has none.
    static func loadKey(_ home: NodeHome, _ config: NodeConfig) throws -> PrivateKey? {
        if config.isObserver, !FileManager.default.fileExists(atPath: home.keyPath) { return nil }
        do { return try KeyFile.read(home.keyPath) } catch let e as CryptoError where e.code == NodeCode.keyFileMissing {
            throw NodeError(code: NodeCode.keyFileMissing,
                            message: "\(e.message); a member's node signs with its organisation's key (restore node.key, mode 0600); a node meant to follow the chain without a key says \"observer\": true in \(home.configPath)")
        }
    }

    /// This software runs a full node (docs/confidentiality.md): a node whose key the committed state records as a
    /// member running a member node refuses to start (NODE_KIND_MISMATCH) rather than hold every member's business.
    static func checkNodeKind(key: PublicKey?, store: ChainStore) throws {
        guard let key else { return }
        let member = try store.read { v -> Member? in
            let m = try Governance.member(key: key, v)
            try v.checkReads()
            return m
        }
        guard let member, member.node != .full else { return }
        throw NodeError(code: NodeCode.nodeKindMismatch,
                        message: "the chain records \(member.name) as running a \(member.node.rawValue) node; this node holds every block and the whole state (a full node), which a member node must not: run it only after a member.setNode proposal to full has passed")
    }

    public var chain: Chain { genesis.chain }
    public var chainID: String { chain.id }
    var gossip: Gossip { consensus.gossip }
    var executor: BlockExecutor { consensus.executor }

    /// Binds the API, boots consensus from what was persisted, and starts gossip, catch-up and the scrub.
    public func start() throws {
        guard let (host, port) = config.hostPort else {
            throw NodeError(code: NodeCode.configInvalid, message: "listen must be host:port, got \(config.listen)")
        }
        let api = self.api
        let server = try HTTPServer(host: host, port: port, limits: config.httpServerLimits(peerHosts: members.reservedSlots.hosts),
                                    transport: members.tls?.serverTransport, handler: { req in api.handle(req) })
        self.server.withLock { $0 = server }
        query.server.withLock { $0 = server }
        members.reservedSlots.attach(server)
        // Consensus boots before the server takes a connection: gossip arrives through it.
        try consensus.boot()
        server.start()
        gossip.start()
        let tip = store.tip
        logger.info("node", "started", height: tip.height, [
            "chain": chainID, "listen": config.listen, "transport": members.tls == nil ? "plain HTTP" : "TLSv1.3",
            "role": query.validatorIndex.map { "validator \($0)" } ?? "observer", "peers": "\(gossip.peers.count)",
        ])
        catchUp.start()
        let scrub = Thread { [self] in scrubStoredChain(through: tip.height) }
        scrub.name = "scrub"
        scrub.qualityOfService = .background
        scrub.start()
    }

    /// Verifies every stored block below the ones checked at start-up (hashes, links, roots, stored bytes and
    /// certificates' block hashes), in the background; a corrupt one halts the node (`STORAGE_CORRUPT`).
    /// Then every state row against its leaf (`scrubStoredState`).
    private func scrubStoredChain(through tip: UInt64) {
        let end = tip > Node.startupCheckBlocks ? tip - Node.startupCheckBlocks : 0
        let started = Date()
        var from: UInt64 = 1
        while from <= end, !consensus.queue.sync(execute: { consensus.stopped }) {
            let to = min(from + 999, end)
            do { try store.verifyStoredBlocks(from: from, through: to) } catch {
                health.storageError(error, "checking stored blocks \(from)–\(to)", logger: logger)
                return
            }
            from = to + 1
        }
        guard from > end else { return }
        if end > 0 {
            logger.info("storage", "verified every stored block below the newest \(Node.startupCheckBlocks)", height: end,
                        ["seconds": String(format: "%.1f", Date().timeIntervalSince(started))])
        }
        scrubStoredState()
    }

    /// Checks every state row's value against its leaf, 10,000 rows per snapshot: the tree is built at start from
    /// the leaves alone (ChainStore+StateLeaves.swift), so a value altered on disk under its leaf is found here, and
    /// halts the node like a corrupt block.
    private func scrubStoredState() {
        let started = Date()
        var after: [UInt8]?
        repeat {
            if consensus.queue.sync(execute: { consensus.stopped }) { return }
            do { after = try store.verifyStoredState(after: after, limit: 10_000) } catch let e as StorageError where e.code == NodeCode.storageCorrupt {
                health.corrupted("\(e); stop this node and restore it (docs/operations.md, 'Recovery')")
                logger.error("storage", "\(e) (while checking the stored state); consensus halted")
                return
            } catch {
                health.storageError(error, "checking the stored state", logger: logger)
                return
            }
        } while after != nil
        logger.info("storage", "verified every state row against its leaf", ["seconds": String(format: "%.1f", Date().timeIntervalSince(started))])
    }

    /// How many of the newest blocks are verified before the node starts (the rest: in the background).
    static let startupCheckBlocks: UInt64 = 1_000

    public func stop() {
        consensus.stop()
        gossip.stop()
        members.reservedSlots.stop()
        server.withLock { $0 }?.stop()
    }

    public var listenPort: UInt16? { server.withLock { $0 }?.port }
}
