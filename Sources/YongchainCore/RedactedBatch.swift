import YongchainCrypto

/// What a full node serves a member node instead of full blocks (docs/confidentiality.md, "Serving a member node:
/// verifiable redaction"): per block, its header and commit certificate, how many transactions it holds, and in
/// full only the member's own transactions, each with its Merkle paths in the header's `txRoot` and `resultsHash`;
/// at the batch's end, the member's party log proven against the last header's state root, which shows that
/// nothing of the member's was left out. `YongchainLightClient.MemberSync` checks it.
///
///     batch  = u8(version = 1) ‖ list(block) ‖ opt(partyProof)
///     block  = header ‖ certificate ‖ u32(txCount) ‖ list(own) ‖ opt(validatorSet next)
///     own    = u32(index) ‖ transaction ‖ str(code) ‖ list(hash txPath) ‖ list(hash resultPath)
///     partyProof = opt(u64(count) ‖ hash(digest)) ‖ stateProof          (the log absent: never a party)
///
/// `opt(x)` is `u8(0)`, or `u8(1) ‖ x`. The next validator set is present exactly when the header's
/// `nextValidatorsHash` differs from its `validatorsHash`; the party proof exactly when there is a block.
public struct RedactedBatch: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Bounds on a decoded batch (a batch comes from a full node that may lie).
    public static let maxBlocks = 1_000
    public static let maxPath = 64

    /// One of the member's transactions, with its place in the block.
    public struct OwnTransaction: Sendable, Equatable {
        public let index: UInt32
        public let transaction: Transaction
        /// Its result code, `OK` or the rejection: bound by `resultsHash`, and folded into the party log.
        public let code: String
        /// Sibling hashes from its leaf `H(0x00 ‖ txHash ‖ signature)` up to `txRoot`.
        public let txPath: [Hash]
        /// Sibling hashes from its leaf `H(0x00 ‖ txHash ‖ code)` up to `resultsHash`.
        public let resultPath: [Hash]

        public init(index: UInt32, transaction: Transaction, code: String, txPath: [Hash], resultPath: [Hash]) {
            self.index = index
            self.transaction = transaction
            self.code = code
            self.txPath = txPath
            self.resultPath = resultPath
        }
    }

    public struct RedactedBlock: Sendable, Equatable {
        public let header: BlockHeader
        /// The certificate that committed this block.
        public let certificate: CommitCertificate
        public let txCount: UInt32
        public let own: [OwnTransaction]
        /// The set that signs after this block, when it is another than the one that signed it.
        public let nextValidators: ValidatorSet?

        public init(header: BlockHeader, certificate: CommitCertificate, txCount: UInt32, own: [OwnTransaction], nextValidators: ValidatorSet?) {
            self.header = header
            self.certificate = certificate
            self.txCount = txCount
            self.own = own
            self.nextValidators = nextValidators
        }
    }

    /// The member's party log at the last block of the batch, and its proof against that header's state root.
    public struct PartyProof: Sendable, Equatable {
        /// nil: the state holds no log for the member (it was never a party).
        public let log: PartyLog?
        public let proof: StateProof

        public init(log: PartyLog?, proof: StateProof) {
            self.log = log
            self.proof = proof
        }
    }

    public var blocks: [RedactedBlock]
    public var party: PartyProof?

    public init(blocks: [RedactedBlock], party: PartyProof?) {
        self.blocks = blocks
        self.party = party
    }

    /// The redacted form of `block` for a member whose own transactions are at `own` (indices in the block):
    /// `codes` are the block's result codes in order, `certificate` the one that committed it.
    public static func redact(_ block: Block, certificate: CommitCertificate, codes: [String], own: [Int], nextValidators: ValidatorSet?,
                              chain: Chain) -> RedactedBlock {
        precondition(codes.count == block.transactions.count, "one result code per transaction")
        let suite = chain.hashSuite
        let hashes = block.transactions.map { $0.hash(on: chain) }
        let txLeaves = zip(block.transactions, hashes).map { Block.txLeaf(hash: $1, signature: $0.signature, suite: suite) }
        let resultLeaves = zip(hashes, codes).map { Block.resultLeaf(hash: $0, code: $1, suite: suite) }
        let indices = own.sorted()
        let txPaths = Merkle.proofs(leaves: txLeaves, indices: indices, suite: suite)
        let resultPaths = Merkle.proofs(leaves: resultLeaves, indices: indices, suite: suite)
        let mine = indices.indices.map { k in
            OwnTransaction(index: UInt32(indices[k]), transaction: block.transactions[indices[k]], code: codes[indices[k]],
                           txPath: txPaths[k].path, resultPath: resultPaths[k].path)
        }
        let changes = block.header.nextValidatorsHash != block.header.validatorsHash
        return RedactedBlock(header: block.header, certificate: certificate, txCount: UInt32(block.transactions.count), own: mine,
                             nextValidators: changes ? nextValidators : nil)
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(RedactedBatch.version)
        w.list(blocks) { w, b in
            w.item(b.header)
            w.item(b.certificate)
            w.u32(b.txCount)
            w.list(b.own) { w, o in
                w.u32(o.index)
                w.item(o.transaction)
                w.string(o.code)
                w.list(o.txPath) { $0.hash($1) }
                w.list(o.resultPath) { $0.hash($1) }
            }
            if let next = b.nextValidators { w.u8(1); w.item(next) } else { w.u8(0) }
        }
        if let party {
            w.u8(1)
            if let log = party.log { w.u8(1); w.item(log) } else { w.u8(0) }
            w.item(party.proof)
        } else {
            w.u8(0)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let version = try r.u8("batch.version")
        guard version == RedactedBatch.version else { throw EncodingError.invalid("batch.version", "\(version) is not \(RedactedBatch.version)") }
        blocks = try r.list("batch.blocks", max: RedactedBatch.maxBlocks) { r in
            let header: BlockHeader = try r.item()
            let certificate: CommitCertificate = try r.item()
            let txCount = try r.u32("block.txCount")
            guard txCount <= Block.maxTransactions else { throw EncodingError.invalid("block.txCount", "\(txCount) is over \(Block.maxTransactions)") }
            let own = try r.list("block.own", max: Int(txCount)) { r in
                OwnTransaction(index: try r.u32("own.index"), transaction: try r.item(), code: try r.string("own.code", max: 256),
                               txPath: try r.list("own.txPath", max: RedactedBatch.maxPath) { try $0.hash() },
                               resultPath: try r.list("own.resultPath", max: RedactedBatch.maxPath) { try $0.hash() })
            }
            let next: ValidatorSet? = try r.bool("block.nextValidators") ? try r.item() : nil
            return RedactedBlock(header: header, certificate: certificate, txCount: txCount, own: own, nextValidators: next)
        }
        if try r.bool("batch.party") {
            let log: PartyLog? = try r.bool("party.present") ? try r.item() : nil
            party = PartyProof(log: log, proof: try r.item())
        } else {
            party = nil
        }
    }
}
