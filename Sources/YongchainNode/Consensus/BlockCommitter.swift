import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// What follows a block's commit, decided here or fetched by catch-up: the executor commits it, then the pool,
/// the waiters, health, metrics and the published view learn of it, and the next height's rules are read.
///
/// Thread rule: the consensus queue only (`ConsensusShell` calls it; catch-up through the shell's queue).
final class BlockCommitter: @unchecked Sendable {
    let executor: BlockExecutor
    let mempool: Mempool
    let view: ChainView
    let catchUp: CatchUpStatus
    /// Gossip peers, TLS keys and reserved slots follow the committed member list.
    let members: MemberPeers
    let health: NodeHealth
    let metrics: Metrics
    let logger: Logger
    /// When the last block was committed (the proposer's pacing, the block-interval metric).
    private(set) var lastCommitAt = Date()

    init(executor: BlockExecutor, mempool: Mempool, view: ChainView, catchUp: CatchUpStatus, members: MemberPeers,
         health: NodeHealth, metrics: Metrics, logger: Logger) {
        self.executor = executor
        self.mempool = mempool
        self.view = view
        self.catchUp = catchUp
        self.members = members
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    var store: ChainStore { executor.store }

    enum Outcome {
        case committed
        /// Nothing of the block was committed (one SQLite transaction); health says STORAGE_FAILED.
        case storageFailed
        /// The block does not execute here as its header says: the node halted (`STATE_DIVERGED`).
        case diverged
    }

    /// Commits `block`, the block after the store's tip, through the executor (`checks` as `BlockExecutor.apply`).
    /// Throws `BlockInvalid` / `CommitError` only for a fetched block that does not verify (the caller blames its
    /// peer). A storage failure is recorded (health, the log) and answered `.storageFailed`; divergence halts the
    /// node (fail-stop: `diverged`), blaming no peer.
    func commit(_ block: Block, certificate: CommitCertificate, checks: BlockExecutor.Checks, executed: BlockExecution?) throws -> Outcome {
        let started = Date()
        let exec: BlockExecution
        do {
            exec = try executor.apply(block, certificate: certificate, checks: checks, executed: executed)
        } catch let e as BlockInvalid {
            throw e
        } catch let e as CommitError {
            throw e
        } catch let e as StateDiverged {
            diverged(e)
            return .diverged
        } catch {
            health.storageError(error, "committing a block", height: block.height, logger: logger)
            return .storageFailed
        }
        health.committed()
        mempool.remove(exec.results.map(\.hash))
        view.committedHeight.store(block.height, ordering: .releasing)
        view.commits.notify()
        // The block's last commit is the certificate of the height before, signed by that height's set.
        if let signers = view.currentRules.validators(at: block.height - 1) {
            metrics.committed(block: block, results: exec.results, interval: started.timeIntervalSince(lastCommitAt), validators: signers)
        }
        lastCommitAt = Date()
        recountOpenProposals(after: block)
        logger.debug("consensus", "committed", height: block.height, ["txs": "\(block.transactions.count)", "hash": block.hash.short])
        return .committed
    }

    /// Fail-stop: a certified block does not execute here. Consensus halts for good (no vote, no commit, no
    /// catch-up); health, status, metrics and the status page say STATE_DIVERGED with the heights, and the log
    /// says it once, at error. An operator must find why (a binary other than the consortium's, an edited
    /// database) and restore the node.
    func diverged(_ e: StateDiverged) {
        let tip = store.tip.height
        let message = "\(e); it stays at height \(tip) and takes no part in consensus: stop it, check its binary is the consortium's, and restore it (docs/operations.md, 'Health')"
        let first = !health.halted
        health.diverged(message)
        if first { logger.error("consensus", message, height: e.height, ["code": e.code, "tip": "\(tip)"]) }
    }

    /// The input that begins the height after `committed`, with the sets and timeouts the state just committed
    /// says (it publishes those rules, and the member list, first). Nil when the store's tip is not `committed`.
    /// Throws (after recording it) when the rules cannot be read: a height begun with rules that may be stale
    /// could count the wrong set's votes, so the caller tries again later.
    func nextHeight(after committed: UInt64) throws -> DriverInput? {
        guard store.tip.height == committed else { return nil }
        let next: ChainRules
        do { next = try executor.rules() } catch {
            health.storageError(error, "reading the validator sets and parameters", height: committed, logger: logger)
            throw error
        }
        let before = view.rules.withLock { r in defer { r = next }; return r }
        // The set signing the next height changes when a change is decided and again when it starts signing
        // (`from`), which no new schedule marks.
        if before.nextHeight != next.nextHeight {
            catchUp.setValidators(next.nextHeight.current)
            let suite = executor.chain.hashSuite
            logger.info("governance", "validator sets: \(next.nextHeight.current.hash(suite).short) signs height \(committed + 1), \(next.nextHeight.next.hash(suite).short) height \(committed + 2)", height: committed)
        }
        members.refresh()
        return .startHeight(committed + 1, validators: next.nextHeight,
                            timeouts: before.parameters != next.parameters ? TimeoutParameters(next.parameters) : nil)
    }

    /// Counts the proposals taking votes (`Governance.openSummary`, from the open index) at start, after a block
    /// `committed` that holds a governance transaction, and once the tip's time passes the earliest deadline
    /// counted (a proposal expires without a transaction); otherwise keeps the count, so reading it costs nothing
    /// however many proposals there are.
    func recountOpenProposals(after committed: Block?) {
        let (count, until) = view.openProposals.withLock { $0 }
        let touched = committed.map { $0.transactions.contains { Governance.transactionTypes.contains($0.type) } } ?? true
        let expired = until.map { store.tip.time > $0 } ?? false
        guard touched || expired || count == nil else { return }
        do {
            let s = try store.read { v in try Governance.openSummary(v, now: try v.tip().time) }
            view.openProposals.withLock { $0 = (s.open, s.nextDeadline) }
        } catch {
            view.openProposals.withLock { $0 = (nil, nil) }
            health.storageError(error, "counting open governance proposals", logger: logger)
        }
    }
}
