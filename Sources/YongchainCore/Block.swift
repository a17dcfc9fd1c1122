import YongchainCrypto

/// What a block commits to, and so what a commit certificate over its hash certifies (docs/proofs.md, "Header").
///
/// Execution is immediate: a proposer executes its block before proposing it, and every validator executes a
/// proposal before prevoting for it, so `stateRoot` and `resultsHash` describe the state and outcomes AFTER this
/// block. A proof about the state at height H is thus checked against header H and certificate H — never H+1.
///
/// `validatorsHash` names the set that signs this block's certificate and `nextValidatorsHash` the set that signs
/// the next one (CometBFT's `NextValidatorsHash`), so a client that trusts one header knows whose signatures to
/// ask for on the next; they differ only at a height where a validator-set change takes effect.
///
/// A header names its chain, so it holds the chain's hash suite too (`hashSuite`, from genesis; not in the
/// encoding): `hash` is that suite's hash of the canonical bytes. Decoding takes the suite from the reader
/// (`CanonicalReader.hashSuite`), and fails without one.
public struct BlockHeader: Sendable, Equatable, CanonicalCodable {
    public var chainID: String
    public var hashSuite: HashSuite
    public var height: UInt64
    /// Milliseconds since the Unix epoch, as the proposer said; strictly increasing along the chain.
    public var time: Int64
    public var previousBlockHash: Hash
    /// Hash of the certificate for the previous block (`Block.commitHash`).
    public var lastCommitHash: Hash
    /// RFC 6962 Merkle root over the transactions, each leaf binding its hash AND its signature
    /// (`Block.txLeaf`), so a certified header vouches for the signatures too.
    public var txRoot: Hash
    /// Merkle root over this block's transaction outcomes (`Block.resultsHash`).
    public var resultsHash: Hash
    /// Root of the sparse Merkle tree over the whole application state after this block.
    public var stateRoot: Hash
    public var validatorsHash: Hash
    public var nextValidatorsHash: Hash
    public var proposer: PublicKey

    public init(chain: Chain, height: UInt64, time: Int64, previousBlockHash: Hash, lastCommitHash: Hash, txRoot: Hash,
                resultsHash: Hash, stateRoot: Hash, validatorsHash: Hash, nextValidatorsHash: Hash, proposer: PublicKey) {
        self.chainID = chain.id
        self.hashSuite = chain.hashSuite
        self.height = height
        self.time = time
        self.previousBlockHash = previousBlockHash
        self.lastCommitHash = lastCommitHash
        self.txRoot = txRoot
        self.resultsHash = resultsHash
        self.stateRoot = stateRoot
        self.validatorsHash = validatorsHash
        self.nextValidatorsHash = nextValidatorsHash
        self.proposer = proposer
    }

    public var chain: Chain { Chain(id: chainID, hashSuite: hashSuite) }

    public var hash: Hash { hashSuite.digest(canonicalBytes) }

    public func encode(to w: inout CanonicalWriter) {
        w.string(chainID)
        w.u64(height)
        w.i64(time)
        w.hash(previousBlockHash)
        w.hash(lastCommitHash)
        w.hash(txRoot)
        w.hash(resultsHash)
        w.hash(stateRoot)
        w.hash(validatorsHash)
        w.hash(nextValidatorsHash)
        w.publicKey(proposer)
    }

    public init(from r: inout CanonicalReader) throws {
        guard let suite = r.hashSuite else { throw EncodingError.invalid("header", "decoded without its chain's hash suite") }
        hashSuite = suite
        chainID = try r.string("header.chainID", max: 128)
        height = try r.u64("header.height")
        time = try r.i64("header.time")
        previousBlockHash = try r.hash("header.previousBlockHash")
        lastCommitHash = try r.hash("header.lastCommitHash")
        txRoot = try r.hash("header.txRoot")
        resultsHash = try r.hash("header.resultsHash")
        stateRoot = try r.hash("header.stateRoot")
        validatorsHash = try r.hash("header.validatorsHash")
        nextValidatorsHash = try r.hash("header.nextValidatorsHash")
        proposer = try r.publicKey("header.proposer")
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

    public static func txRoot(_ txs: [Transaction], chain: Chain) -> Hash {
        Merkle.root(leaves: txs.map { txLeaf(hash: $0.hash(on: chain), signature: $0.signature, suite: chain.hashSuite) }, suite: chain.hashSuite)
    }

    /// A transaction's leaf in `txRoot`: H(0x00 || txHash || signature). The hash identifies the transaction (it
    /// leaves the signature out, so one transaction is one hash); the leaf binds the signature that was checked.
    public static func txLeaf(hash: Hash, signature: [UInt8], suite: HashSuite) -> Hash {
        suite.digest { $0.add(byte: 0); $0.add(hash); $0.add(signature) }
    }

    /// Merkle root over a block's outcomes in block order, each leaf H(0x00 || txHash || code): what a client
    /// proves "transaction T was committed with code C" against. The human-readable message is not covered.
    public static func resultsHash(_ results: [(hash: Hash, code: String)], suite: HashSuite) -> Hash {
        Merkle.root(leaves: results.map { resultLeaf(hash: $0.hash, code: $0.code, suite: suite) }, suite: suite)
    }

    /// A transaction's leaf in `resultsHash`: H(0x00 || txHash || code).
    public static func resultLeaf(hash: Hash, code: String, suite: HashSuite) -> Hash {
        suite.digest { input in
            input.add(byte: 0)
            input.add(hash)
            var code = code
            code.withUTF8 { input.add(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Why this block's body does not match its own header (transaction root, last-commit hash, chain id), or nil
    /// when it does. A header hash covers the roots, not the bodies, so a body altered after the fact shows here.
    public func integrityProblem(chain: Chain) -> String? {
        guard header.chain == chain else { return "its header names chain \(header.chain)" }
        guard Block.txRoot(transactions, chain: chain) == header.txRoot else { return "its transactions do not match the header's transaction root" }
        guard Block.commitHash(lastCommit, suite: chain.hashSuite) == header.lastCommitHash else { return "its last commit does not match the header's last-commit hash" }
        return nil
    }

    public static func commitHash(_ c: CommitCertificate?, suite: HashSuite) -> Hash {
        guard let c else { return suite.digest([UInt8]()) }
        return suite.digest(c.canonicalBytes)
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
