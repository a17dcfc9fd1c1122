import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// A member node (config `"node": "member"`, docs/confidentiality.md): it holds every certified header, the
/// validator-set chain and its organisation's own transactions with their results — no other member's business, no
/// state — synced as redacted batches from the full nodes (`MemberSyncLoop`), and answers from what it holds:
/// `/healthz`, `/v1/status`, `/metrics` and its own transactions at `/v1/txs/{hash}` (any other: NOT_FOUND).
///
/// Thread rule: the sync loop on its own thread, HTTP workers answer from the store and the loop's locked state.
public final class MemberNodeRuntime: @unchecked Sendable {
    public let home: NodeHome
    public let config: NodeConfig
    public let genesis: Genesis
    /// The organisation's name as the chain records it (its party log's key).
    public let member: String
    let key: PrivateKey
    let store: MemberStore
    let sync: MemberSyncLoop
    let reads: MemberReads
    let transactions: MemberTransactions
    /// Checks the bank's signed requests for forwarded reads: only the member's own key may have its node ask.
    let requests: RequestVerifier
    let logger: Logger
    private let server = Mutex<HTTPServer?>(nil)
    private let tls: NodeTLS?

    public init(home: NodeHome, logger: Logger) throws {
        self.home = home
        self.logger = logger
        config = try home.loadConfig()
        guard config.nodeKind == .member else { preconditionFailure("MemberNodeRuntime for a config that does not say \"node\": \"member\"") }
        genesis = try GenesisFile.load(path: home.genesisPath)
        // Never nil: a member node is no observer (`NodeConfig.validate`).
        guard let key = try Node.loadKey(home, config) else {
            throw NodeError(code: NodeCode.keyFileMissing, message: "a member node syncs with its organisation's key: \(home.keyPath) is missing")
        }
        self.key = key
        member = try MemberNodeRuntime.checkNodeKind(key: key.publicKey, genesis: genesis, moniker: config.moniker)
        tls = config.tlsEnabled
            ? try NodeTLS(key: key, moniker: config.moniker, genesis: genesis, webIdentity: NodeTLS.webIdentity(config, home: home))
            : nil
        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        store = try MemberStore(path: home.memberDatabasePath)
        try store.open(genesis: genesis)
        sync = try MemberSyncLoop(genesis: genesis, member: member, key: key, store: store,
                                  sources: MemberSyncLoop.sources(genesis: genesis, config: config, me: key.publicKey),
                                  client: HTTPClient(transport: tls?.clientTransport), logger: logger)
        reads = MemberReads(sync: sync, answerWindow: UInt64(config.answerWindow ?? 10))
        requests = RequestVerifier(chainID: genesis.chainID)
        transactions = MemberTransactions(sync: sync, validators: MemberTransactions.validators(genesis))
    }

    /// A member node runs for an organisation whose genesis entry, if it has one, says `member`
    /// (NODE_KIND_MISMATCH otherwise: a full node's organisation would lose its full node's answers and the
    /// consortium a full node). An organisation admitted later has no genesis entry: its sync loop checks the
    /// chain's proven record of its key before it syncs anything (`MemberSyncLoop.recordedKind`).
    static func checkNodeKind(key: PublicKey, genesis: Genesis, moniker: String) throws -> String {
        guard let org = genesis.organizations.first(where: { $0.key == key }) else { return moniker }
        guard org.node == .member else {
            throw NodeError(code: NodeCode.nodeKindMismatch,
                            message: "genesis records \(org.name) as running a \(org.node.rawValue) node and config.json says \"node\": \"member\"; run it as a full node, or pass a member.setNode proposal to member first")
        }
        return org.name
    }

    public var chain: Chain { genesis.chain }

    /// The height of the last header accepted.
    public var height: UInt64 { sync.height }

    public func start() throws {
        guard let (host, port) = config.hostPort else {
            throw NodeError(code: NodeCode.configInvalid, message: "listen must be host:port, got \(config.listen)")
        }
        let server = try HTTPServer(host: host, port: port, limits: config.httpServerLimits(peerHosts: []),
                                    transport: tls?.serverTransport, handler: { [self] req in handle(req) })
        self.server.withLock { $0 = server }
        server.start()
        logger.info("node", "started as a member node", height: sync.height, [
            "chain": genesis.chainID, "member": member, "listen": config.listen, "fullNodes": "\(sync.sources.count)",
        ])
        sync.start()
    }

    public func stop() {
        sync.stop()
        server.withLock { $0 }?.stop()
    }

    public var listenPort: UInt16? { server.withLock { $0 }?.port }
}
