import Foundation
import YongchainCore
import YongchainApplication
import YongchainCrypto
import YongchainStorage

/// The one place a block is built, checked, executed and committed (cometbft `state/execution.go`:
/// `CreateProposalBlock`, `ValidateBlock`, `ApplyBlock` side by side), so the header a proposer builds is the
/// header every validator checks (`validate`, BlockExecutor+Validate.swift) and every node commits (`apply`,
/// BlockExecutor+Apply.swift). A decided block, a block fetched by catch-up and a block replayed by `verify chain`
/// all go through `apply`; nothing else writes a block.
struct BlockExecutor {
    let chain: Chain
    let application: Application
    let store: ChainStore
    /// Verified signatures; nil verifies every signature anew (the offline audit).
    let signatures: SignatureCache?

    init(chain: Chain, application: Application, store: ChainStore, signatures: SignatureCache?) {
        self.chain = chain
        self.application = application
        self.store = store
        self.signatures = signatures
    }

    /// The rules of the committed state at the store's tip.
    func rules() throws -> ChainRules {
        try store.read { v in try ChainRules.read(application, state: v, tip: try v.tip().height) }
    }

    /// The block `proposer` proposes at `height` on the store's tip (cometbft `CreateProposalBlock`): the
    /// transactions given, less those already committed (a transaction whose block committed while it was being
    /// admitted can still sit in the pool; they are returned, to leave it), with the previous block's certificate
    /// and the header `validate` checks — links, the sets `rules` say sign this height and the next, the
    /// transaction root — and the results and state root executing it here gives (immediate execution: a header
    /// carries the state after its block). `rules` MUST be those of the tip; `time` is the proposer's clock (ms),
    /// raised to after the tip's.
    func createProposalBlock(height: UInt64, proposer: PublicKey, transactions: [(tx: Transaction, hash: Hash)], time: Int64,
                             rules: ChainRules) throws -> (block: Block, execution: BlockExecution, committed: [Hash]) {
        let tip = store.tip
        guard height == tip.height + 1, rules.tip == tip.height, let signers = rules.validators(at: height),
              let next = rules.validators(at: height + 1) else {
            throw BlockInvalid("the rules read at height \(rules.tip) do not cover height \(height) on the tip \(tip.height)")
        }
        let (committed, lastCommit) = try store.read { v in
            (transactions.filter { v.isCommitted($0.hash) }.map(\.hash), tip.height == 0 ? nil : try v.certificate(at: tip.height))
        }
        let gone = Set(committed)
        let entries = transactions.filter { !gone.contains($0.hash) }
        let suite = chain.hashSuite
        var block = Block(header: BlockHeader(
            chain: chain, height: height, time: max(time, tip.time + 1), previousBlockHash: tip.blockHash,
            lastCommitHash: Block.commitHash(lastCommit, suite: suite),
            txRoot: Merkle.root(leaves: entries.map { Block.txLeaf(hash: $0.hash, signature: $0.tx.signature, suite: suite) }, suite: suite),
            resultsHash: Hash.zero, stateRoot: Hash.zero, validatorsHash: signers.hash(suite), nextValidatorsHash: next.hash(suite),
            proposer: proposer), transactions: entries.map(\.tx), lastCommit: lastCommit)
        let execution = try store.committedSnapshot { try execute(block, on: $0, tree: $1, tip: tip, hashes: entries.map(\.hash)) }
        block.header.resultsHash = execution.resultsHash
        block.header.stateRoot = execution.stateRoot
        return (block, execution, committed)
    }

    /// Executes `block` against the committed state at the store's tip (the block after it). `hashes`, when
    /// given, MUST be its transactions' hashes in order (as `validate` returns them): they are not computed again.
    func execute(_ block: Block, hashes: [Hash]? = nil) throws -> BlockExecution {
        let tip = store.tip
        return try store.committedSnapshot { try execute(block, on: $0, tree: $1, tip: tip, hashes: hashes) }
    }

    /// Deterministic: the same block on the same state gives the same writes, results and hash on every node.
    /// Throws the storage error if any read of `state` failed: a result computed from a failed read (which the
    /// handlers saw as an absent key) is never returned, so it can never be committed. Throws STORAGE_CORRUPT when
    /// a transaction met a state value that does not decode (it answers that code), and every read succeeded: the
    /// application may take an absent key for damage (an entry missing below its count), and only then is it.
    /// `state` and `tree` MUST be the committed state and state tree at `tip`, the block before `block`.
    func execute(_ block: Block, on state: StateReader, tree: TreeNodeReader, tip: ChainTip, hashes: [Hash]? = nil) throws -> BlockExecution {
        precondition(hashes == nil || hashes!.count == block.transactions.count, "one hash per transaction")
        let overlay = StateOverlay(base: state)
        var results: [(hash: Hash, result: TxResult)] = []
        var executed: [ExecutedTransaction] = []
        results.reserveCapacity(block.transactions.count)
        executed.reserveCapacity(block.transactions.count)
        for (i, tx) in block.transactions.enumerated() {
            let h = hashes?[i] ?? tx.hash(on: chain)
            let ctx = BlockContext(chain: chain, height: block.height, time: block.header.time, txHash: h, txIndex: i)
            let r = application.execute(tx, context: ctx, state: overlay)
            // Never an outcome: the application met a state value that does not decode (`Application.execute`). Unless
            // a read failed: it answered "absent", which a handler can take for damage; that failure is thrown instead.
            if r.code == NodeCode.storageCorrupt {
                try state.checkReads()
                throw StorageError(code: NodeCode.storageCorrupt, message: "transaction \(i) (\(h.hex)) of block \(block.height): \(r.message)")
            }
            if r.isOK { overlay.commitTransaction() } else { overlay.discardTransaction() }
            results.append((h, r))
            executed.append(ExecutedTransaction(transaction: tx, hash: h, result: r))
        }
        // After every transaction's writes were kept or discarded: the party logs (docs/confidentiality.md).
        let parties: [[String]]
        do {
            parties = executed.isEmpty ? [] : try application.recordParties(executed, chain: chain, height: block.height, state: overlay)
        } catch let e as DamagedRecord {
            try state.checkReads()
            throw StorageError(code: NodeCode.storageCorrupt, message: "the parties of block \(block.height): \(e)")
        }
        try state.checkReads()
        let writes = overlay.blockWrites
        let update = try StateTree.update(root: tip.stateTree, version: block.height, writes: writes, reader: tree, suite: chain.hashSuite)
        return BlockExecution(writes: writes, results: results, parties: parties, tree: update,
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

/// A state with nothing in it: the base of the genesis state.
package struct EmptyState: StateReader {
    package init() {}
    package func get(_ key: [UInt8]) -> [UInt8]? { nil }
    package func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] { [] }
}
