import YongchainCrypto

/// What a block commits to. `stateHash` is the application state after executing every block *before* this one
/// (as in Tendermint, so a proposer need not execute its own block first); block h+1 thus certifies the outcome
/// of block h.
public struct BlockHeader: Sendable, Equatable, CanonicalCodable {
    public var chainID: String
    public var height: UInt64
    /// Milliseconds since the Unix epoch, as the proposer said; strictly increasing along the chain.
    public var time: Int64
    public var previousBlockHash: Hash
    public var txRoot: Hash
    public var stateHash: Hash
    public var proposer: PublicKey
    public var validatorSetHash: Hash
    public var lastCommitHash: Hash

    public init(chainID: String, height: UInt64, time: Int64, previousBlockHash: Hash, txRoot: Hash, stateHash: Hash,
                proposer: PublicKey, validatorSetHash: Hash, lastCommitHash: Hash) {
        self.chainID = chainID
        self.height = height
        self.time = time
        self.previousBlockHash = previousBlockHash
        self.txRoot = txRoot
        self.stateHash = stateHash
        self.proposer = proposer
        self.validatorSetHash = validatorSetHash
        self.lastCommitHash = lastCommitHash
    }

    public var hash: Hash { Hash.sha256(canonicalBytes) }

    public func encode(to w: inout CanonicalWriter) {
        w.string(chainID)
        w.u64(height)
        w.i64(time)
        w.hash(previousBlockHash)
        w.hash(txRoot)
        w.hash(stateHash)
        w.publicKey(proposer)
        w.hash(validatorSetHash)
        w.hash(lastCommitHash)
    }

    public init(from r: inout CanonicalReader) throws {
        chainID = try r.string("header.chainID", max: 128)
        height = try r.u64("header.height")
        time = try r.i64("header.time")
        previousBlockHash = try r.hash("header.previousBlockHash")
        txRoot = try r.hash("header.txRoot")
        stateHash = try r.hash("header.stateHash")
        proposer = try r.publicKey("header.proposer")
        validatorSetHash = try r.hash("header.validatorSetHash")
        lastCommitHash = try r.hash("header.lastCommitHash")
    }
}

/// A block: header, transactions, and the certificate that the previous block was committed.
public struct Block: Sendable, Equatable, CanonicalCodable {
    public static let maxTransactions = 100_000

    public var header: BlockHeader
    public var transactions: [Transaction]
    /// Precommits for block height-1; nil only at height 1.
    public var lastCommit: CommitCertificate?

    public init(header: BlockHeader, transactions: [Transaction], lastCommit: CommitCertificate?) {
        self.header = header
        self.transactions = transactions
        self.lastCommit = lastCommit
    }

    public var hash: Hash { header.hash }
    public var height: UInt64 { header.height }

    public static func txRoot(_ txs: [Transaction], chainID: String) -> Hash {
        Merkle.root(leaves: txs.map { $0.hash(chainID: chainID) })
    }

    /// Why this block's body does not match its own header (transaction root, last-commit hash, chain id), or nil
    /// when it does. A header hash covers the roots, not the bodies, so a body altered after the fact shows here.
    public func integrityProblem(chainID: String) -> String? {
        guard header.chainID == chainID else { return "its header names chain \(header.chainID)" }
        guard Block.txRoot(transactions, chainID: chainID) == header.txRoot else { return "its transactions do not match the header's transaction root" }
        guard Block.commitHash(lastCommit) == header.lastCommitHash else { return "its last commit does not match the header's last-commit hash" }
        return nil
    }

    public static func commitHash(_ c: CommitCertificate?) -> Hash {
        guard let c else { return Hash.sha256([UInt8]()) }
        return Hash.sha256(c.canonicalBytes)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.item(header)
        w.list(transactions) { $0.item($1) }
        if let lastCommit { w.u8(1); w.item(lastCommit) } else { w.u8(0) }
    }

    public init(from r: inout CanonicalReader) throws {
        header = try r.item()
        transactions = try r.list("block.transactions", max: Block.maxTransactions) { try $0.item() }
        lastCommit = try r.bool("block.lastCommit") ? try r.item() : nil
    }
}
