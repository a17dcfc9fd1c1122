import Foundation
import YongchainCore
import YongchainCrypto

/// What an operator sets for one node.
public struct NodeConfig: Sendable, Codable, Equatable {
    /// The organisation name in genesis this node runs for; nil for an observer that is no member.
    public var moniker: String
    /// host:port the HTTP API and gossip listen on.
    public var listen: String
    /// Peer base URLs beyond the members' addresses in genesis (e.g. observers).
    public var peers: [String]
    public var mempoolMaxTransactions: Int?
    /// Pending transactions one signing key may hold in this node's pool (`MempoolLimits.maxPerSigner`); absent:
    /// half of `mempoolMaxTransactions` (25,000). More: 429 MEMPOOL_SIGNER_FULL.
    public var mempoolMaxPerSigner: Int?
    /// HTTP connection limits (docs/operations.md, "Connection limits"); absent: `HTTPServerLimits`' defaults.
    public var httpMaxConnections: Int?
    public var httpMaxConnectionsPerAddress: Int?
    public var httpReservedPeerConnections: Int?
    public var httpMaxConnectionsPerPeerAddress: Int?
    /// Addresses besides the peers' hosts that may use the reserved slots (a peer connecting from another address).
    public var httpReservedAddresses: [String]?
    /// Seconds a request's head may take, and the least rate of a request in progress while the server is full
    /// (docs/operations.md, "Connection limits"); absent: 5, 4096.
    public var httpRequestHeadTimeoutSeconds: Int?
    public var httpMinRequestBytesPerSecond: Int?
    /// "on": TLS 1.3 for the API and gossip, nodes authenticated by their node keys (docs/operations.md, "TLS").
    /// "off": plain HTTP. Absent means on: plain HTTP is only ever what a config says explicitly.
    public var tls: String?
    /// PEM files, from the operator's CA, of a certificate (leaf first, then intermediates) and its key (mode 0600,
    /// like node.key), ECDSA or RSA, that browsers get: they cannot use the Ed25519 node certificate. Absent: a
    /// self-signed ECDSA one is made at start (browsers warn). Relative paths are from the node's home.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// TLS handshakes in progress at once (from addresses other than the members'), from one such address, and
    /// seconds one may take (docs/operations.md, "TLS"); absent: 256, 16, 10.
    public var tlsMaxHandshakesInProgress: Int?
    public var tlsMaxHandshakesPerAddress: Int?
    public var tlsHandshakeTimeoutSeconds: Int?
    /// true: this node is meant to follow the chain without a key of its own (an observer). Absent or false: a
    /// missing `node.key` stops the start with KEY_FILE_MISSING, so a validator whose key went missing never
    /// runs on as a silent observer while the consortium has lost its vote.
    public var observer: Bool?
    /// "member": this node runs as a member node (docs/confidentiality.md): headers, certificates and the
    /// organisation's own transactions, synced as redacted batches from full nodes. Absent or "full": a full node.
    /// The chain must record the same kind for the organisation (NODE_KIND_MISMATCH otherwise).
    public var node: String?
    /// A member node's reads: a proven answer more than this many blocks below its own height is refused
    /// (ANSWER_STALE) and another full node asked; absent: 10.
    public var answerWindow: Int?
    /// Proven answers (`?prove=true`) one caller may ask this full node a second (a burst of twice that); absent:
    /// `APILimits.maxProofsPerSecond`. More: 429 RATE_LIMITED.
    public var maxProofsPerSecond: Int?
    /// MiB of the newest committed state's values kept in memory for reads (`StateCacheLimits`); absent: 8, 0
    /// turns the cache off.
    public var stateCacheMiB: Int?
    /// The supervisor's grey-list VRF key (PKCS#8 PEM, mode 0600; `yongchain greylist keygen`), relative to the
    /// node's home unless absolute: only the node that has it answers `POST /v1/greylist/pseudonyms`
    /// (docs/greylist.md). Absent on every other node.
    public var greylistVrfKeyFile: String?

    /// `tls` is written explicitly either way; code that makes a config chooses (default off: local tests).
    /// `observer` is written only when true.
    public init(moniker: String, listen: String, peers: [String] = [], tls: Bool = false, observer: Bool = false) {
        self.moniker = moniker
        self.listen = listen
        self.peers = peers
        self.tls = tls ? "on" : "off"
        self.observer = observer ? true : nil
    }

    /// Whether the node may run without a key (`"observer": true`).
    public var isObserver: Bool { observer == true }

    /// The kind of node the config asks for (`node` absent: full).
    public var nodeKind: NodeKind { node.flatMap(NodeKind.init(rawValue:)) ?? .full }

    /// Whether the node speaks TLS (`tls` absent or "on").
    public var tlsEnabled: Bool { tls != "off" }

    /// Largest mempool an operator may configure.
    static let maxMempoolTransactions = 10_000_000

    /// Range checks of what JSON decoding cannot check; CONFIG_INVALID names the field.
    func validate(path: String) throws {
        if let m = mempoolMaxTransactions, !(1...NodeConfig.maxMempoolTransactions).contains(m) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): mempoolMaxTransactions must be 1 to \(NodeConfig.maxMempoolTransactions), not \(m)")
        }
        if let m = mempoolMaxPerSigner, !(1...NodeConfig.maxMempoolTransactions).contains(m) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): mempoolMaxPerSigner must be 1 to \(NodeConfig.maxMempoolTransactions), not \(m)")
        }
        if let m = maxProofsPerSecond, !(1...1_000_000).contains(m) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): maxProofsPerSecond must be 1 to 1000000, not \(m)")
        }
        if let m = stateCacheMiB, !(0...4096).contains(m) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): stateCacheMiB must be 0 to 4096, not \(m)")
        }
        if let t = tls, t != "on", t != "off" {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): tls must be \"on\" or \"off\", not '\(t)'")
        }
        if let n = node, NodeKind(rawValue: n) == nil {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): node must be \"full\" or \"member\", not '\(n)'")
        }
        if let w = answerWindow, !(1...1_000_000).contains(w) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): answerWindow must be 1 to 1000000 blocks, not \(w)")
        }
        if nodeKind == .member, isObserver {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): a member node syncs with its organisation's key; it cannot be an observer")
        }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): tlsCertificateFile and tlsKeyFile go together; set both or neither")
        }
        guard hostPort != nil else {
            throw NodeError(code: NodeCode.configInvalid, message: "\(path): listen must be host:port with a port from 0 to 65535, not '\(listen)'")
        }
    }

    public func write(path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    var hostPort: (String, UInt16)? { NodeConfig.split(listen) }

    public static func split(_ hostPort: String) -> (String, UInt16)? {
        guard let i = hostPort.lastIndex(of: ":"), let p = UInt16(hostPort[hostPort.index(after: i)...]) else { return nil }
        return (String(hostPort[..<i]), p)
    }
}

/// A node-level failure with a stable code (config, key, TLS, log file, backup): the same value as a crypto
/// routine's `CryptoError`.
public typealias NodeError = CodedError
