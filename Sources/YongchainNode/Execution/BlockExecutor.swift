import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Runs a block's transactions through the application against committed state, producing what storage commits.
struct BlockExecution {
    let writes: [(key: [UInt8], value: [UInt8]?)]
    let results: [(hash: Hash, result: TxResult)]
    /// The state tree after the block: its root is the header's `stateRoot`.
    let tree: TreeUpdate
    let resultsHash: Hash
    var stateRoot: Hash { tree.rootHash }

    /// Why `header` does not carry what executing its block gave here, or nil when it does.
    func mismatch(_ header: BlockHeader) -> String? {
        if header.resultsHash != resultsHash { return "results hash \(header.resultsHash.short) differs from ours \(resultsHash.short)" }
        if header.stateRoot != stateRoot { return "state root \(header.stateRoot.short) differs from ours \(stateRoot.short)" }
        return nil
    }
}

struct BlockExecutor {
    let application: Application
    let chain: Chain

    /// Deterministic: the same block on the same state gives the same writes, results and hash on every node.
    /// Throws the storage error if any read of `state` failed: a result computed from a failed read (which the
    /// handlers saw as an absent key) is never returned, so it can never be committed.
    /// `state` and `tree` MUST be the committed state and state tree at `tip`, the block before `block`.
    func execute(_ block: Block, on state: StateReader, tree: TreeNodeReader, tip: ChainTip) throws -> BlockExecution {
        let overlay = StateOverlay(base: state)
        var results: [(hash: Hash, result: TxResult)] = []
        results.reserveCapacity(block.transactions.count)
        for (i, tx) in block.transactions.enumerated() {
            let h = tx.hash(on: chain)
            let ctx = BlockContext(chain: chain, height: block.height, time: block.header.time, txHash: h, txIndex: i)
            let r = application.execute(tx, context: ctx, state: overlay)
            if r.isOK { overlay.commitTransaction() } else { overlay.discardTransaction() }
            results.append((h, r))
        }
        try state.checkReads()
        let writes = overlay.blockWrites
        let update = try StateTree.update(root: tip.stateTree, version: block.height, writes: writes, reader: tree, suite: chain.hashSuite)
        return BlockExecution(writes: writes, results: results, tree: update,
                              resultsHash: Block.resultsHash(results.map { ($0.hash, $0.result.code) }, suite: chain.hashSuite))
    }

    /// The genesis state and its tree (version 0).
    func genesisState(_ genesis: Genesis) throws -> (writes: [(key: [UInt8], value: [UInt8]?)], tree: TreeUpdate) {
        let overlay = StateOverlay(base: EmptyState())
        try application.initialize(genesis: genesis, state: overlay)
        let writes = overlay.blockWrites
        return (writes, try StateTree.update(root: nil, version: 0, writes: writes, reader: MemoryTreeStore(), suite: chain.hashSuite))
    }
}

/// Why a proposed or fetched block is not valid (the paper's valid(v) is false).
struct BlockInvalid: Error, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var code: String { NodeCode.blockInvalid }
    var description: String { "\(code): \(reason)" }
}

/// The checks every node makes before prevoting for a block or applying a fetched one.
struct BlockValidator {
    let chain: Chain

    /// `rules` are those of the committed state at `tip` (who signs the tip, this block and the next; the block
    /// size limit). `isVerified` says whether a transaction's signature was already checked (e.g. it is in the
    /// mempool).
    func validate(_ block: Block, tip: ChainTip, rules: ChainRules, isCommitted: (Hash) throws -> Bool,
                  isVerified: (Hash) -> Bool, maxTime: Int64?, signatures: SignatureCache? = nil) throws {
        let h = block.header
        guard h.chain == chain else { throw BlockInvalid("chain \(h.chain)") }
        guard h.height == tip.height + 1 else { throw BlockInvalid("height \(h.height), expected \(tip.height + 1)") }
        guard rules.tip == tip.height, let validators = rules.validators(at: h.height), let next = rules.validators(at: h.height + 1) else {
            throw BlockInvalid("the rules read at height \(rules.tip) do not cover height \(h.height)")
        }
        guard h.previousBlockHash == tip.blockHash else { throw BlockInvalid("previous block hash does not match the tip") }
        let suite = chain.hashSuite
        guard h.validatorsHash == validators.hash(suite) else { throw BlockInvalid("validators hash \(h.validatorsHash.short) is not the set that signs height \(h.height), \(validators.hash(suite).short)") }
        guard h.nextValidatorsHash == next.hash(suite) else { throw BlockInvalid("next validators hash \(h.nextValidatorsHash.short) is not the set that signs height \(h.height + 1), \(next.hash(suite).short)") }
        guard validators.index(of: h.proposer) != nil else { throw BlockInvalid("proposer is not a validator") }
        guard h.time > tip.time else { throw BlockInvalid("time \(h.time) is not after the previous block's \(tip.time)") }
        if let maxTime, h.time > maxTime { throw BlockInvalid("time \(h.time) is too far in the future") }
        guard block.transactions.count <= rules.parameters.maxBlockTransactions else {
            throw BlockInvalid("\(block.transactions.count) transactions, more than \(rules.parameters.maxBlockTransactions)")
        }
        guard h.lastCommitHash == Block.commitHash(block.lastCommit, suite: suite) else { throw BlockInvalid("last commit hash") }
        if tip.height == 0 {
            guard block.lastCommit == nil else { throw BlockInvalid("the first block carries no last commit") }
        } else {
            guard let c = block.lastCommit, let signers = rules.validators(at: tip.height) else { throw BlockInvalid("missing last commit") }
            do {
                if let signatures {
                    try c.verify(validators: signers, chainID: chain.id, height: tip.height, blockHash: tip.blockHash, verifier: signatures.verify)
                } else {
                    try c.verify(validators: signers, chainID: chain.id, height: tip.height, blockHash: tip.blockHash)
                }
            } catch { throw BlockInvalid("\(error)") }
        }
        var seen = Set<Hash>()
        var leaves: [Hash] = []
        leaves.reserveCapacity(block.transactions.count)
        for tx in block.transactions {
            let th = tx.hash(on: chain)
            guard seen.insert(th).inserted else { throw BlockInvalid("transaction \(th.short) appears twice") }
            guard try !isCommitted(th) else { throw BlockInvalid("transaction \(th.short) is already committed") }
            if !isVerified(th) {
                let ok = signatures?.verify(tx, hash: th) ?? tx.verifySignature(chainID: chain.id)
                guard ok else { throw BlockInvalid("bad signature on transaction \(th.short)") }
            }
            leaves.append(Block.txLeaf(hash: th, signature: tx.signature, suite: suite))
        }
        guard Merkle.root(leaves: leaves, suite: suite) == h.txRoot else { throw BlockInvalid("transaction root") }
    }
}
