import Foundation
import YongchainCore
import Synchronization
import YongchainHTTP

/// The bench's HTTP clients: plain, or TLS once `use` was given the cluster's transport (one per run).
enum BenchHTTP {
    private static let transport = Mutex<(any SecureTransport)?>(nil)
    static func use(_ t: (any SecureTransport)?) { transport.withLock { $0 = t } }
    static func client() -> HTTPClient { HTTPClient(transport: transport.withLock { $0 }) }
}

/// The cluster the bench loads: the CLI drives local node processes (`yongchain cluster`). The bench starts,
/// stops and samples nodes only through this, so it never reaches into how they are run.
public protocol BenchCluster: Sendable {
    /// Whether `dir` already holds a cluster.
    func exists(dir: String) -> Bool
    /// Makes a cluster in `dir`: keys, genesis and configs. `emptyBlockMs` is the genesis's empty-block interval;
    /// `tls`: the nodes speak TLS 1.3.
    func create(dir: String, validators: Int, observers: Int, emptyBlockMs: Int, basePort: Int?, tls: Bool, nationalSuite: Bool) throws
    /// What the bench's clients talk to the cluster in `dir` over: nil for plain HTTP, else a TLS transport that
    /// accepts the nodes' keys.
    func clientTransport(dir: String) throws -> (any SecureTransport)?
    /// The cluster in `dir`: its chain id and nodes.
    func manifest(dir: String) throws -> BenchManifest
    /// Starts the named nodes and returns once they answer.
    func up(dir: String, only names: [String]) throws
    /// Stops every node of the cluster.
    func down(dir: String) throws
    /// The running process of `node`, for its CPU and memory figures; nil when it is not running.
    func pid(of node: BenchNode) -> pid_t?
}

/// A cluster as the bench sees it.
public struct BenchManifest: Sendable {
    public let chain: Chain
    public let nodes: [BenchNode]

    public init(chain: Chain, nodes: [BenchNode]) {
        self.chain = chain
        self.nodes = nodes
    }

    var validators: [BenchNode] { nodes.filter(\.validator) }
    var banks: [BenchNode] { nodes.filter { $0.name.hasPrefix("bank-") } }
}

/// One node of the cluster: its name in genesis, its home directory (holding `node.key`) and its API's base URL.
public struct BenchNode: Sendable {
    public let name: String
    public let home: String
    public let url: String
    public let validator: Bool

    public init(name: String, home: String, url: String, validator: Bool) {
        self.name = name
        self.home = home
        self.url = url
        self.validator = validator
    }
}
