import YongchainCrypto

public enum Role: String, Sendable, Codable, CaseIterable {
    case bank
    case registry
    /// A supervising authority (the central bank's city branch, the credit-information platform): holds no
    /// registry authority; typically a validator running a full node (docs/confidentiality.md).
    case supervisor
}

/// What a member may do beyond its role: a registry registers (`realEstate`, `trade`); a supervisor holding
/// `greylist` runs the grey-list (docs/greylist.md). A bank holds none.
public enum Authority: String, Sendable, Codable, CaseIterable {
    case realEstate
    case trade
    case greylist

    /// What a member of `role` may hold, as a sentence for an error.
    public static func describe(_ role: Role) -> String {
        switch role {
        case .bank: return "a bank holds no authorities"
        case .registry: return "a registry holds realEstate, trade or both"
        case .supervisor: return "a supervisor holds greylist or nothing"
        }
    }

    /// The authorities a member of `role` may hold.
    public static func allowed(for role: Role) -> Set<Authority> {
        switch role {
        case .bank: return []
        case .registry: return [.realEstate, .trade]
        case .supervisor: return [.greylist]
        }
    }
}

/// A member organisation of the consortium, as genesis lists it.
public struct Organization: Sendable, Codable, Equatable {
    public var name: String
    public var role: Role
    public var authorities: [Authority]
    public var publicKey: String
    /// The node's HTTP base URL, e.g. http://127.0.0.1:26601 (https:// for a consortium running TLS).
    public var address: String
    /// Voting power; 0 means a member that does not vote.
    public var power: UInt64
    /// The kind of node the organisation runs; absent from the file means `full` (and is written back absent, so
    /// a genesis from before node kinds keeps its bytes and its hash).
    public var node: NodeKind

    public init(name: String, role: Role, authorities: [Authority] = [], publicKey: PublicKey, address: String, power: UInt64 = 1,
                node: NodeKind = .full) {
        self.name = name
        self.role = role
        self.authorities = authorities
        self.publicKey = publicKey.text
        self.address = address
        self.power = power
        self.node = node
    }

    /// The key as text, exactly as a genesis holds it (it may not parse: `Genesis.validate()` says so).
    init(name: String, role: Role, authorities: [Authority], publicKeyText: String, address: String, power: UInt64, node: NodeKind) {
        self.name = name
        self.role = role
        self.authorities = authorities
        self.publicKey = publicKeyText
        self.address = address
        self.power = power
        self.node = node
    }

    enum CodingKeys: String, CodingKey { case name, role, authorities, publicKey, address, power, node }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), role: try c.decode(Role.self, forKey: .role),
                  authorities: try c.decode([Authority].self, forKey: .authorities), publicKeyText: try c.decode(String.self, forKey: .publicKey),
                  address: try c.decode(String.self, forKey: .address), power: try c.decode(UInt64.self, forKey: .power),
                  node: try c.decodeIfPresent(NodeKind.self, forKey: .node) ?? .full)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(authorities, forKey: .authorities)
        try c.encode(publicKey, forKey: .publicKey)
        try c.encode(address, forKey: .address)
        try c.encode(power, forKey: .power)
        if node != .full { try c.encode(node, forKey: .node) }
    }

    public var key: PublicKey? { PublicKey(text: publicKey) }
}

/// Consensus timing, in milliseconds of the node's local clock (never inside the state machine itself).
public struct ConsensusParameters: Sendable, Codable, Equatable {
    public var timeoutProposeMs: Int = 3000
    public var timeoutProposeDeltaMs: Int = 500
    public var timeoutPrevoteMs: Int = 1000
    public var timeoutPrevoteDeltaMs: Int = 500
    public var timeoutPrecommitMs: Int = 1000
    public var timeoutPrecommitDeltaMs: Int = 500
    /// How long a proposer waits for transactions before proposing an empty block.
    public var emptyBlockIntervalMs: Int = 2000
    /// How long after the last commit a proposer keeps gathering transactions (unless a full block is waiting):
    /// fewer, fuller blocks cost fewer votes and disk syncs per transaction.
    public var minBlockIntervalMs: Int = 100
    /// The most transactions one block carries. Measured on the 2-core reference machine at 2,000 tx/s offered
    /// (docs/performance.md): 1,000 gave the best throughput and latency; 5,000 let blocks grow with the backlog
    /// until each took seconds to gossip, check and apply (p50 6.2 s against 1.8 s), 500 paid too many rounds.
    public var maxBlockTransactions: Int = 1000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case timeoutProposeMs, timeoutProposeDeltaMs, timeoutPrevoteMs, timeoutPrevoteDeltaMs, timeoutPrecommitMs,
             timeoutPrecommitDeltaMs, emptyBlockIntervalMs, minBlockIntervalMs, maxBlockTransactions
    }

    /// Absent fields take their defaults, so a genesis written by an older version still loads.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ConsensusParameters()  // the defaults, defined once: on the properties above
        func v(_ k: CodingKeys, _ d: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? d }
        timeoutProposeMs = try v(.timeoutProposeMs, d.timeoutProposeMs)
        timeoutProposeDeltaMs = try v(.timeoutProposeDeltaMs, d.timeoutProposeDeltaMs)
        timeoutPrevoteMs = try v(.timeoutPrevoteMs, d.timeoutPrevoteMs)
        timeoutPrevoteDeltaMs = try v(.timeoutPrevoteDeltaMs, d.timeoutPrevoteDeltaMs)
        timeoutPrecommitMs = try v(.timeoutPrecommitMs, d.timeoutPrecommitMs)
        timeoutPrecommitDeltaMs = try v(.timeoutPrecommitDeltaMs, d.timeoutPrecommitDeltaMs)
        emptyBlockIntervalMs = try v(.emptyBlockIntervalMs, d.emptyBlockIntervalMs)
        minBlockIntervalMs = try v(.minBlockIntervalMs, d.minBlockIntervalMs)
        maxBlockTransactions = try v(.maxBlockTransactions, ConsensusParameters.legacyMaxBlockTransactions)
    }

    /// What a genesis file without `maxBlockTransactions` means: it was written before the default became 1,000,
    /// when absent meant 5,000, and it must decode (and hash) exactly as before, or its nodes would refuse their
    /// own database.
    public static let legacyMaxBlockTransactions = 5000

    /// Checks every field's range (they become timers and block limits); throws `GenesisError` naming the field.
    public func validate() throws {
        let c = self
        // Every duration is bounded above too: they become timers, and a timer's arithmetic must not overflow.
        let durations: [(String, Int, ClosedRange<Int>)] = [
            ("timeoutProposeMs", c.timeoutProposeMs, 1...Genesis.maxDurationMs),
            ("timeoutProposeDeltaMs", c.timeoutProposeDeltaMs, 0...Genesis.maxDurationMs),
            ("timeoutPrevoteMs", c.timeoutPrevoteMs, 1...Genesis.maxDurationMs),
            ("timeoutPrevoteDeltaMs", c.timeoutPrevoteDeltaMs, 0...Genesis.maxDurationMs),
            ("timeoutPrecommitMs", c.timeoutPrecommitMs, 1...Genesis.maxDurationMs),
            ("timeoutPrecommitDeltaMs", c.timeoutPrecommitDeltaMs, 0...Genesis.maxDurationMs),
            ("emptyBlockIntervalMs", c.emptyBlockIntervalMs, 1...Genesis.maxDurationMs),
            ("minBlockIntervalMs", c.minBlockIntervalMs, 0...Genesis.maxDurationMs),
            ("maxBlockTransactions", c.maxBlockTransactions, 1...Block.maxTransactions),
        ]
        for (name, value, range) in durations where !range.contains(value) {
            throw GenesisError(field: "consensus.\(name)", message: "\(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        guard c.minBlockIntervalMs < c.timeoutProposeMs, c.emptyBlockIntervalMs < c.timeoutProposeMs else {
            throw GenesisError(field: "consensus", message: "minBlockIntervalMs and emptyBlockIntervalMs must be below timeoutProposeMs")
        }
    }
}

/// The genesis file: the chain's identity, its members, and its consensus parameters.
public struct Genesis: Sendable, Codable, Equatable {
    public var chainID: String
    /// Milliseconds since the Unix epoch.
    public var genesisTime: Int64
    public var organizations: [Organization]
    public var consensus: ConsensusParameters
    /// The consortium's voting rules; nil (absent from the file) means `GovernanceRules()`'s defaults. Only a
    /// genesis that sets it carries it in its identity (`Genesis+Canonical.swift`), so older genesis files keep
    /// their hash.
    public var governance: GovernanceRules?
    /// The hash suite of every hash the chain defines (`HashSuite`): `sha256` or `sm3`; nil (absent from the
    /// file) means `sha256`. As with `governance`, only a genesis that sets it carries it in its identity, so older
    /// genesis files keep their hash. Fixed for the chain's life: no transaction changes it.
    public var hashSuite: HashSuite?

    public init(chainID: String, genesisTime: Int64, organizations: [Organization], consensus: ConsensusParameters = .init(),
                governance: GovernanceRules? = nil, hashSuite: HashSuite? = nil) {
        self.chainID = chainID
        self.genesisTime = genesisTime
        self.organizations = organizations
        self.consensus = consensus
        self.governance = governance
        self.hashSuite = hashSuite
    }

    enum CodingKeys: String, CodingKey {
        case chainID = "chainId", genesisTime, organizations, consensus, governance, hashSuite
    }

    /// The chain's id and hash suite: what every value of the chain is signed and hashed under. The one place that
    /// decides the chain's hash function.
    public var chain: Chain { Chain(id: chainID, hashSuite: hashSuite ?? .sha256) }

    /// The rules in force at genesis: the file's, or the defaults.
    public var governanceRules: GovernanceRules { governance ?? GovernanceRules() }

    /// Largest voting power of one organisation: with at most 1,000 organisations the total stays far from
    /// overflowing the quorum arithmetic (`totalPower * 2`).
    public static let maxPower: UInt64 = 1_000_000_000
    /// Longest timeout or interval genesis may set (one hour).
    public static let maxDurationMs = 3_600_000

    /// Checks everything a node relies on; throws `GenesisError` naming the field.
    public func validate() throws {
        guard !chainID.isEmpty, chainID.utf8.count <= 64,
              chainID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw GenesisError(field: "chainId", message: "1 to 64 characters of letters, digits, '-', '_' or '.'")
        }
        guard !organizations.isEmpty else { throw GenesisError(field: "organizations", message: "at least one organisation") }
        // Names are compared as their UTF-8 bytes, as the chain compares every text (docs/transactions.md, "Text"):
        // Swift's String equality would take "é" and "e\u{301}" for one name, the state's keys would not.
        var names = Set<[UInt8]>(), keys = Set<PublicKey>()
        for (i, o) in organizations.enumerated() {
            let f = "organizations[\(i)]"
            guard !o.name.isEmpty, o.name.utf8.count <= 64 else { throw GenesisError(field: "\(f).name", message: "1 to 64 bytes") }
            guard names.insert(Array(o.name.utf8)).inserted else { throw GenesisError(field: "\(f).name", message: "duplicate name \(o.name)") }
            let k: PublicKey
            do { k = try PublicKey(validatingText: o.publicKey) } catch let e as CryptoError {
                throw GenesisError(field: "\(f).publicKey", message: e.message)
            }
            guard keys.insert(k).inserted else { throw GenesisError(field: "\(f).publicKey", message: "the same key is listed twice") }
            if let a = o.authorities.first(where: { !Authority.allowed(for: o.role).contains($0) }) {
                throw GenesisError(field: "\(f).authorities", message: "a \(o.role.rawValue) cannot hold \(a.rawValue) (\(Authority.describe(o.role)))")
            }
            if o.power > 0 && o.node != .full {
                throw GenesisError(field: "\(f).node", message: "a validator (power > 0) runs a full node")
            }
            // The scheme is informative: each node's config (`tls`) decides what it speaks.
            guard o.address.hasPrefix("http://") || o.address.hasPrefix("https://") else {
                throw GenesisError(field: "\(f).address", message: "an http:// or https:// URL")
            }
        }
        guard organizations.contains(where: { $0.power > 0 }) else {
            throw GenesisError(field: "organizations", message: "at least one validator (power > 0)")
        }
        guard organizations.count <= 1000 else { throw GenesisError(field: "organizations", message: "at most 1000") }
        for (i, o) in organizations.enumerated() where o.power > Genesis.maxPower {
            throw GenesisError(field: "organizations[\(i)].power", message: "0 to \(Genesis.maxPower)")
        }
        try consensus.validate()
        try governance?.validate()
    }

    public var validatorSet: ValidatorSet {
        ValidatorSet(organizations.filter { $0.power > 0 }.map { Validator(name: $0.name, publicKey: $0.key!, power: $0.power) })
    }

    public func organization(for key: PublicKey) -> Organization? { organizations.first { $0.key == key } }

}

public struct GenesisError: Error, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "GENESIS_INVALID: \(field): \(message)" }
}
