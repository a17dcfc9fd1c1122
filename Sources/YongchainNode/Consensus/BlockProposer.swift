import Foundation
import YongchainCore
import YongchainCrypto

/// The paper's getValue(): which block this validator proposes for the value the driver asked for, and when.
///
/// Thread rule: the consensus queue's (a value inside `ConsensusShell`).
struct BlockProposer {
    let executor: BlockExecutor
    let mempool: Mempool
    let key: PrivateKey?
    /// The (height, round) the driver asked a value for and has not had yet.
    var pending: (height: UInt64, round: Int32)?

    enum Next {
        /// Ask again after this many milliseconds.
        case wait(ms: Int)
        /// Propose this block, whose execution is known.
        case built(Block, BlockExecution)
        /// Nothing to propose (not asked, not a validator, or the rules do not cover the height).
        case nothing
    }

    /// What to do for the pending request now, at `height`/`round` (the driver's). A proposer in round 0 with
    /// nothing to include waits for transactions, up to the empty-block interval after the last commit (and, with a
    /// few, the minimum block interval); in later rounds the others are already waiting for it. Throws the store's
    /// error (no proposal from a store it cannot read: the others time out and move to the next round).
    mutating func next(height: UInt64, round: Int32, rules: ChainRules, lastCommitAt: Date, now: Date = Date()) throws -> Next {
        guard let (h, r) = pending, h == height, r == round, let key else { return .nothing }
        let c = rules.parameters
        let waiting = mempool.count
        let sinceLast = now.timeIntervalSince(lastCommitAt) * 1000
        let waitFor: Double = r > 0 ? 0
            : waiting == 0 ? Double(c.emptyBlockIntervalMs) - sinceLast
            : waiting < c.maxBlockTransactions ? Double(c.minBlockIntervalMs) - sinceLast : 0
        if waitFor > 0 { return .wait(ms: max(1, min(Int(waitFor), 10))) }
        pending = nil
        let candidates = mempool.peek(max: c.maxBlockTransactions).map { (tx: $0.tx, hash: $0.hash) }
        let built: (block: Block, execution: BlockExecution, committed: [Hash])
        do {
            built = try executor.createProposalBlock(height: h, proposer: key.publicKey, transactions: candidates,
                                                     time: Int64(now.timeIntervalSince1970 * 1000), rules: rules)
        } catch is BlockInvalid {
            return .nothing
        }
        // Admission checks "committed?" against a read snapshot, so a transaction whose block committed while its
        // batch was being admitted can sit in the pool after the commit removed it: it leaves here.
        if !built.committed.isEmpty { mempool.remove(built.committed) }
        return .built(built.block, built.execution)
    }
}
