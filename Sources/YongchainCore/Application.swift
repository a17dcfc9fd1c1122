import YongchainCrypto

/// The outcome of a transaction, recorded with its block. `code` is "OK" or a stable rejection code such as
/// `DUPLICATE_FINANCING`; a rejected transaction changes no application state.
public struct TxResult: Sendable, Equatable, Codable, Error {
    public static let okCode = "OK"
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public static let ok = TxResult(code: okCode, message: "")
    public static func reject(_ code: String, _ message: String) -> TxResult { TxResult(code: code, message: message) }
    public var isOK: Bool { code == TxResult.okCode }
}

/// Where a transaction executes: what the block says, never the local clock.
public struct BlockContext: Sendable {
    /// The chain's id and hash suite (consents are signed under the id; commitments and digests use the suite).
    public let chain: Chain
    public let height: UInt64
    /// Block time, milliseconds since the Unix epoch.
    public let time: Int64
    public let txHash: Hash
    public let txIndex: Int

    public init(chain: Chain, height: UInt64, time: Int64, txHash: Hash, txIndex: Int) {
        self.chain = chain
        self.height = height
        self.time = time
        self.txHash = txHash
        self.txIndex = txIndex
    }
}

/// Read access to application state: an ordered key-value space.
///
/// Reads do not throw, so that handlers and queries stay plain functions. A reader backed by storage that fails
/// answers nil or nothing AND remembers the failure; whoever ran reads through it MUST call `checkReads()` before
/// using, committing or answering anything computed from them, so a sick disk never reads as an absent key.
public protocol StateReader {
    func get(_ key: [UInt8]) -> [UInt8]?
    /// Entries whose key starts with `prefix`, in key order, after `after` (exclusive) if given, at most `limit`.
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])]
    /// Throws the first failure any read through this reader hit; returns if every read was answered truly.
    func checkReads() throws
}

extension StateReader {
    /// A reader that cannot fail (in memory) has nothing to report.
    public func checkReads() throws {}
}

extension Application {
    /// Nothing kept: `check`.
    public func check(_ tx: Transaction, hash: Hash, state: StateReader) -> TxResult? { check(tx, state: state) }
}

/// The narrow interface between the node and the application (CometBFT's ABCI, in spirit). The application
/// never sees votes or peers; consensus and storage never look inside a transaction body.
///
/// Implementations MUST be deterministic: the same state and transactions give the same writes and results on
/// every node. They read time only from `BlockContext`.
public protocol Application: Sendable {
    /// Writes the initial state implied by genesis (e.g. the member organisations).
    func initialize(genesis: Genesis, state: StateOverlay) throws
    /// Cheap admission check for the mempool: the body decodes, its fields are well-formed and the signer may
    /// send this type. The node has already verified the signature. Returns nil when admissible.
    func check(_ tx: Transaction, state: StateReader) -> TxResult?
    /// `check` of a transaction whose hash is `hash` (which MUST be `tx`'s), at admission: the application may
    /// keep what it decoded for the transaction's execution (`BlockContext.txHash`), as long as that can never
    /// change an outcome.
    func check(_ tx: Transaction, hash: Hash, state: StateReader) -> TxResult?
    /// Executes a transaction against `state`. A non-OK result MUST NOT leave writes behind: the node discards
    /// the transaction's writes whenever the result is not OK, so implementations may write eagerly. The code
    /// `STORAGE_CORRUPT` is never an outcome: it says `state` holds a value that does not decode, and the node
    /// commits nothing of the block and halts.
    func execute(_ tx: Transaction, context: BlockContext, state: StateOverlay) -> TxResult
    /// The validator sets that sign the heights after `state` (a committed state): genesis's until governance
    /// changes them. Throws if the state does not hold a readable schedule (a corrupt store).
    func validatorSchedule(state: StateReader) throws -> ValidatorSchedule
    /// Every validator set the chain has had, with the first height each signed (genesis's from 1), oldest
    /// first: what `/v1/validators?height=` answers and the validator-set changes a proof bundle carries.
    func validatorSetHistory(state: StateReader) throws -> [(from: UInt64, set: ValidatorSet)]
    /// The member organisations in `state` with their nodes' addresses: whom a node gossips to and whose node
    /// keys its TLS accepts. Genesis's members until governance changes them.
    func memberNodes(state: StateReader) throws -> [MemberNode]
    /// The consensus parameters in force after `state`: genesis's until governance changes them.
    func consensusParameters(state: StateReader) throws -> ConsensusParameters
    /// Called once per block, after every transaction executed and its writes were kept or discarded: appends each
    /// transaction, in block order, to the party log (`PartyLog`) of every member that is a party to it
    /// (docs/confidentiality.md, "Who is a party"), and returns each transaction's parties (member names, sorted by
    /// their UTF-8 bytes). Deterministic, like `execute`; the caller keeps its writes as part of the block's.
    /// Throws when a state value it reads does not decode (the block is then not committed: STORAGE_CORRUPT).
    func recordParties(_ executed: [ExecutedTransaction], chain: Chain, height: UInt64, state: StateOverlay) throws -> [[String]]
}

/// One transaction of a block as it executed: what the party log records.
public struct ExecutedTransaction: Sendable {
    public let transaction: Transaction
    public let hash: Hash
    public let result: TxResult

    public init(transaction: Transaction, hash: Hash, result: TxResult) {
        self.transaction = transaction
        self.hash = hash
        self.result = result
    }
}

/// A member organisation's node, as committed state lists it.
public struct MemberNode: Sendable, Equatable {
    public let name: String
    public let publicKey: PublicKey
    /// The node's base URL (`http://` or `https://`).
    public let address: String
    /// The kind of node it runs: full nodes gossip among themselves; a member node is served on request.
    public let node: NodeKind

    public init(name: String, publicKey: PublicKey, address: String, node: NodeKind = .full) {
        self.name = name
        self.publicKey = publicKey
        self.address = address
        self.node = node
    }
}
