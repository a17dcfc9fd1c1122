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
    /// The chain's id and hash suite, from genesis.
    public let chain: Chain
    public var chainID: String { chain.id }
    let key: PrivateKey?
    /// Who signs the next heights and the consensus parameters, as the committed state at the tip says (set at
    /// start and after every commit, on `queue`; read from any thread).
    let rules: Mutex<ChainRules>
    /// The members as the committed state lists them (`refreshMembers`); empty until first read.
    let members = Mutex<[MemberNode]>([])
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
    /// Proposals taking votes at the tip, and the earliest deadline among them (`recountOpenProposals`).
    let openProposalCount = Mutex<(count: Int?, until: Int64?)>((nil, nil))
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
    /// The server's reserved slots, following the members' nodes (`refreshMembers`).
    let reservedSlots: ReservedSlots
    /// The gossip and catch-up client: over TLS, presenting this node's certificate, when `tls` is on.
    let client: HTTPClient
    /// TLS identity and peer policy; nil when the config says `"tls": "off"`.
    let tls: NodeTLS?

    let queue = DispatchQueue(label: "yongchain.consensus")
    // Owned by `queue`:
    /// The consensus driver (pure: no I/O); this node carries out what it says (Node+Consensus.swift).
    var driver: ConsensusDriver
    /// Blocks of the current and next height this node holds: its own values and the proposals it received.
    var blocks: [Hash: Block] = [:]
    /// What executing those blocks against the tip gave (immediate execution: a block is executed before this
    /// node proposes or prevotes for it), so a decided block is not executed twice. Cleared at each commit.
    var executions: [Hash: BlockExecution] = [:]
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
        chain = genesis.chain
        requestVerifier = RequestVerifier(chainID: chainID)
        let key = try Node.loadKey(home, config)
        self.key = key
        if config.tlsEnabled {
            let tls = try NodeTLS(key: key, moniker: config.moniker, genesis: genesis,
                                  webIdentity: NodeTLS.webIdentity(config, home: home))
            self.tls = tls
            client = HTTPClient(transport: tls.clientTransport)
        } else {
            tls = nil
            client = HTTPClient()
        }
        sessions = SessionVerifier(chainID: chainID, nodeKey: key)
        let application = LedgerApplication(chainID: chainID)
        self.application = application
        let signatures = SignatureCache(chainID: chainID)
        self.signatures = signatures
        var limits = MempoolLimits()
        if let m = config.mempoolMaxTransactions { limits.maxTransactions = m }
        mempool = Mempool(limits: limits)
        let c = genesis.consensus
        // A block is due at least every empty-block interval; allow several missed rounds before calling it a stall.
        health = NodeHealth(stallSeconds: max(30, Double(5 * (c.emptyBlockIntervalMs + c.timeoutProposeMs)) / 1000))

        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        let store = try ChainStore(path: home.databasePath)
        self.store = store
        applier = BlockApplier(chain: genesis.chain, application: application, store: store, signatures: signatures)
        let g = try applier.executor.genesisState(genesis)
        try store.open(genesis: genesis, initialWrites: g.writes, initialTree: g.tree)
        committedHeight.store(store.tip.height, ordering: .releasing)
        // The newest blocks are checked before anything is served or signed; the whole chain is checked in the
        // background after start (`scrubStoredChain`). A corrupt block stops the start, naming its height.
        let tipHeight = store.tip.height
        try store.verifyStoredBlocks(from: tipHeight > Node.startupCheckBlocks ? tipHeight - Node.startupCheckBlocks + 1 : 1, through: tipHeight)

        let rules = try applier.rules()
        self.rules = Mutex(rules)
        catchUp = CatchUpStatus(validators: rules.nextHeight.current)
        driver = ConsensusDriver(identity: key?.publicKey, validators: rules.nextHeight.current,
                                 timeouts: TimeoutParameters(rules.parameters))
        reservedSlots = ReservedSlots(hosts: [], logger: logger)
        gossip = Gossip(peers: peerList, chainID: chainID, me: config.moniker, client: client, logger: logger,
                        height: { [store] in store.tip.height })
        // Genesis's members and the config's peers, until the committed member list says otherwise.
        reservedSlots.setHosts(config.reservedHosts(peerHosts: peerList.map(\.host)))
        refreshMembers()
        recountOpenProposals(after: nil)
    }

    /// The node's key; nil only for a node whose config says it is an observer and that has none.
    static func loadKey(_ home: NodeHome, _ config: NodeConfig) throws -> PrivateKey? {
        if config.isObserver, !FileManager.default.fileExists(atPath: home.keyPath) { return nil }
        do { return try KeyFile.read(home.keyPath) } catch let e as CryptoError where e.code == NodeCode.keyFileMissing {
            throw NodeError(code: NodeCode.keyFileMissing,
                            message: "\(e.message); a member's node signs with its organisation's key (restore node.key, mode 0600); a node meant to follow the chain without a key says \"observer\": true in \(home.configPath)")
        }
    }

    /// This node's index in the set that signs the next height; nil when it does not sign it (an observer).
    var myIndex: Int? {
        guard let key else { return nil }
        let r = rules.withLock { $0 }
        return r.validators(at: r.tip + 1)?.index(of: key.publicKey)
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
        let scheme = url.hasPrefix("https://") ? 8 : 7
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return nil }
        let rest = url.dropFirst(scheme).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return NodeConfig.split(rest)
    }

    /// Binds the API, starts gossip, catch-up and consensus.
    public func start() throws {
        guard let (host, port) = config.hostPort else {
            throw NodeError(code: NodeCode.configInvalid, message: "listen must be host:port, got \(config.listen)")
        }
        let api = API(node: self)
        let server = try HTTPServer(host: host, port: port, limits: config.httpServerLimits(peerHosts: reservedSlots.hosts),
                                    transport: tls?.serverTransport, handler: { req in api.handle(req) })
        self.server = server
        reservedSlots.attach(server)
        // Boot the driver from what was persisted before anything can reach it (gossip arrives through the server).
        let tip = store.tip
        let stored = try store.loadSignerState().map { try SignerRecord(canonical: $0) }
        let held = try store.loadSignerBlocks()
        queue.sync {
            for b in held { blocks[b.hash] = b }
            booted = true
            feed(.restart(stored, height: tip.height + 1, holding: Set(held.map(\.hash)), validators: rules.withLock { $0 }.nextHeight))
        }
        server.start()
        gossip.start()
        logger.info("node", "started", height: tip.height, [
            "chain": chainID, "listen": config.listen, "transport": tls == nil ? "plain HTTP" : "TLSv1.3", "role": myIndex.map { "validator \($0)" } ?? "observer",
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
            health.corrupted("\(c); stop this node and restore it (docs/operations.md, 'Recovery')")
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
        reservedSlots.stop()
        server?.stop()
    }

    public var listenPort: UInt16? { server?.port }
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

extension Node {
    /// What /healthz, /v1/status, /metrics and the status page report (NodeHealth), from this node's own record
    /// and what it knows of its peers and of the chain ahead (signatures only).
    func healthProblem(now: Date = Date()) -> NodeHealth.Problem? {
        health.problem(now: now, peers: gossip?.snapshot ?? [], behind: catchUp.isBehind(tip: committedHeight.load(ordering: .acquiring)))
    }

    /// Governance proposals taking votes at the tip (nil if they could not be counted), as last counted: reading
    /// it costs nothing, however many proposals there are (`recountOpenProposals`).
    func openProposals() -> Int? { openProposalCount.withLock { $0.count } }

    /// Counts the proposals taking votes (`Governance.openSummary`, from the open index) at start, after a block
    /// `committed` that holds a governance transaction, and once the tip's time passes the earliest deadline
    /// counted (a proposal expires without a transaction); otherwise keeps the count. On the consensus queue, or
    /// before start.
    func recountOpenProposals(after committed: Block?) {
        let (count, until) = openProposalCount.withLock { $0 }
        let touched = committed.map { $0.transactions.contains { Governance.transactionTypes.contains($0.type) } } ?? true
        let expired = until.map { store.tip.time > $0 } ?? false
        guard touched || expired || count == nil else { return }
        do {
            let s = try store.read { v in Governance.openSummary(v, now: try v.tip().time) }
            openProposalCount.withLock { $0 = (s.open, s.nextDeadline) }
        } catch {
            openProposalCount.withLock { $0 = (nil, nil) }
            storageError(error, "counting open governance proposals")
        }
    }

    /// Takes the member list of the committed state (at start and after each commit): members admitted by
    /// governance become gossip peers and get the reserved connection slots, and TLS accepts exactly the members'
    /// node keys (a removed member's handshakes fail from then on, and its address loses the reserved slots).
    func refreshMembers() {
        let list: [MemberNode]
        do { list = try store.read { try application.memberNodes(state: $0) } } catch {
            storageError(error, "reading the member list")
            return
        }
        let before = members.withLock { $0 }
        guard !list.isEmpty, list != before else { return }
        members.withLock { $0 = list }
        let own = key?.publicKey
        if let own, list.contains(where: { $0.publicKey == own }), !before.contains(where: { $0.publicKey == own }), genesis.organization(for: own) == nil {
            // Admitted: connections opened without this node's certificate would keep its gossip refused.
            client.closeIdleConnections()
            logger.info("governance", "this node's key is now a member's: it presents its certificate to peers")
        }
        var memberHosts: [String] = []
        for m in list where m.publicKey != key?.publicKey && m.name != config.moniker {
            if let (h, p) = Node.hostPort(url: m.address) {
                gossip?.add(PeerInfo(name: m.name, url: m.address, host: h, port: p))
                memberHosts.append(h)
            }
        }
        tls?.setMemberKeys(Set(list.map(\.publicKey.bytes)))
        // A removed member's address loses its reserved slots; an admitted one's gains them.
        reservedSlots.setHosts(config.reservedHosts(peerHosts: memberHosts + config.peers.compactMap { Node.hostPort(url: $0)?.0 }))
    }
}
