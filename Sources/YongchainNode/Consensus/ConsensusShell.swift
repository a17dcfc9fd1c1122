import Foundation
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// The shell around the pure consensus driver: one `ReadyRunner` carries out its Readies (persist, then send, then
/// sign, then schedule, build and judge, and apply last: ConsensusShell+ReadyIO.swift), with the blocks this node
/// holds (`HeldBlocks`), its block building (`BlockProposer`) and what follows a commit (`BlockCommitter`). It
/// re-sends this validator's messages every second.
///
/// Thread rule: everything here runs on `queue`. Other threads hand it work only through the queue: gossip's
/// verified votes and proposals (`receive`), catch-up's fetched blocks (`commitFetched`), start and stop.
final class ConsensusShell: @unchecked Sendable {
    let queue = DispatchQueue(label: "yongchain.consensus")
    /// nil only while it steps an input (`feed`): the runner alone holds the driver then.
    private var runner: ReadyRunner?
    var held = HeldBlocks()
    var proposer: BlockProposer
    let committer: BlockCommitter
    let key: PrivateKey?
    let chain: Chain
    let gossip: Gossip
    let catchUp: CatchUpStatus
    let view: ChainView
    let health: NodeHealth
    let metrics: Metrics
    let logger: Logger
    private var booted = false
    private(set) var stopped = false

    init(driver: ConsensusDriver, proposer: BlockProposer, committer: BlockCommitter, key: PrivateKey?, gossip: Gossip,
         catchUp: CatchUpStatus, health: NodeHealth, metrics: Metrics, logger: Logger) {
        runner = ReadyRunner(driver: driver)
        self.proposer = proposer
        self.committer = committer
        self.key = key
        chain = committer.executor.chain
        self.gossip = gossip
        self.catchUp = catchUp
        view = committer.view
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    var executor: BlockExecutor { committer.executor }
    var store: ChainStore { committer.store }

    /// The driver, between inputs.
    var driver: ConsensusDriver {
        dispatchPrecondition(condition: .onQueue(queue))
        return runner!.driver
    }

    /// Whether inputs are taken: after boot, until the node stops, unless its chain was found corrupt or diverged.
    var acceptsInput: Bool { booted && !stopped && !health.halted }

    // MARK: - Lifecycle

    /// Boots the driver from what was persisted, before anything can reach it (gossip arrives through the server,
    /// started after this), and starts the re-sending of this validator's messages.
    func boot() throws {
        let tip = store.tip
        let stored = try store.loadSignerState().map { try SignerRecord(canonical: $0) }
        let blocks = try store.loadSignerBlocks()
        queue.sync {
            for b in blocks { held.hold(b) }
            booted = true
            feed(.restart(stored, height: tip.height + 1, holding: Set(blocks.map(\.hash)), validators: view.currentRules.nextHeight))
        }
        scheduleRebroadcast()
    }

    func stop() { queue.sync { stopped = true } }

    /// Whether catch-up and the scrub should go on (on any thread).
    var running: Bool { queue.sync { !stopped && !health.halted } }

    // MARK: - Inputs

    /// Hands the runner one input: it steps the driver and carries out every Ready, and every input that leads to,
    /// before it returns. Dropped once the node stopped or halted.
    func feed(_ input: DriverInput) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard var r = runner else { preconditionFailure("an input was fed while the runner was stepping another") }
        runner = nil
        var io = ShellIO(shell: self)
        r.step(input, io: &io)
        runner = r
        publishConsensusView()
    }

    /// Tries a Ready held by a failed persist again (every second, until the disk takes it).
    func resume() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard var r = runner, r.isStuck else { return }
        runner = nil
        var io = ShellIO(shell: self)
        r.resume(io: &io)
        runner = r
        publishConsensusView()
    }

    func publishConsensusView() {
        let core = runner!.driver.core
        let published = (core.height, core.round, "\(core.step)")
        view.consensus.withLock { $0 = published }
    }

    /// Votes and proposals from gossip whose signatures were verified (on any thread), in the order received.
    func receive(_ messages: [GossipMessage]) {
        guard !messages.isEmpty else { return }
        queue.async { [self] in
            for m in messages {
                switch m {
                case .proposal(let p, let b): receive(proposal: p, block: b)
                case .vote(let v): feed(.vote(v))
                case .transactions: break
                }
            }
        }
    }

    /// A proposal whose signature was verified: hold its block, judge it (the paper's valid(v)) and hand it to
    /// the driver. One for the next height is kept with its block; the driver asks for its judgement once that
    /// height starts (`Ready.judge`). The block judged is the one held: a block already checked stays (`hold`).
    func receive(proposal p: Proposal, block: Block) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard block.hash == p.blockHash else { metrics.count("gossip_invalid_total"); return }
        let height = driver.core.height
        guard p.height == height || p.height == height + 1 else { return }
        guard held.hold(block, chain: chain), let block = held[p.blockHash] else { return }
        guard p.height == height else {
            feed(.proposal(p, isValid: false))  // not judged yet: the driver buffers it and asks again
            return
        }
        feed(.proposal(p, isValid: isValid(p, block)))
    }

    /// valid(v): `block` passes every check against the tip and its header carries what executing it here gives
    /// (immediate execution). Reads no driver state: the runner asks it while carrying out a Ready too. A block
    /// found valid at this tip is not checked again (`HeldBlocks.valid`).
    func isValid(_ p: Proposal, _ block: Block) -> Bool {
        if held.valid.contains(block.hash), held.executions[block.hash] != nil { return true }
        do {
            let tip = store.tip
            let hashes = try store.read { v in
                try executor.validate(block, tip: tip, rules: view.currentRules, isCommitted: { v.isCommitted($0) },
                                      isVerified: { proposer.mempool.contains($0) }, maxTime: Int64(Date().timeIntervalSince1970 * 1000) + 30_000)
            }
            let exec = try held.executions[block.hash] ?? executor.execute(block, hashes: hashes)
            if let why = exec.mismatch(block.header) { throw BlockInvalid(why) }
            held.remember(exec, of: block.hash)
            held.rememberValid(block.hash)
            return true
        } catch let e as BlockInvalid {
            logger.warn("consensus", "proposal rejected: \(e)", height: p.height, ["round": "\(p.round)"])
        } catch {
            // Our store failed, not the block: prevote nil (safe), and say why.
            health.storageError(error, "validating a proposal", height: p.height, logger: logger)
        }
        return false
    }

    /// getValue(): build the block the driver asked for, now or a little later (`BlockProposer`).
    func tryPropose() {
        dispatchPrecondition(condition: .onQueue(queue))
        let core = driver.core
        do {
            switch try proposer.next(height: core.height, round: core.round, rules: view.currentRules, lastCommitAt: committer.lastCommitAt) {
            case .wait(let ms):
                queue.asyncAfter(deadline: .now() + .milliseconds(ms)) { [self] in tryPropose() }
            case .built(let block, let exec):
                held.hold(block, execution: exec)
                feed(.value(height: core.height, round: core.round, blockHash: block.hash))
            case .nothing:
                break
            }
        } catch {
            proposer.pending = nil
            storageError(error, "building a proposal", height: core.height)
        }
    }

    // MARK: - Commits

    /// Commits a final block through the committer. Throws `BlockInvalid` / `CommitError` only for a fetched
    /// block that does not verify. After a storage failure the block is tried again a second later (catch-up
    /// fetches it too), so the node resumes once the disk has room; false then, and after divergence.
    func commit(_ block: Block, certificate: CommitCertificate, checks: BlockExecutor.Checks) throws -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard block.height == store.tip.height + 1, !health.halted else { return false }
        switch try committer.commit(block, certificate: certificate, checks: checks,
                                    executed: checks == .decidedHere ? held.executions[block.hash] : nil) {
        case .committed:
            held.committed(block.height)
            proposer.pending = nil
            return true
        case .storageFailed:
            queue.asyncAfter(deadline: .now() + 1) { [self] in
                if store.tip.height + 1 == block.height, (try? commit(block, certificate: certificate, checks: checks)) == true {
                    feedNextHeight(after: block.height)
                }
            }
            return false
        case .diverged:
            return false
        }
    }

    /// Catch-up's verified batch, committed in order on this queue (each as `.certified`), each followed by the
    /// next height's start. Returns how many were committed, and whether one did not verify (its peer is blamed).
    func commitFetched(_ entries: [(block: Block, certificate: CommitCertificate)], from peer: String) -> (applied: Int, invalid: Bool) {
        queue.sync { [self] in
            var applied = 0
            for e in entries where e.block.height > store.tip.height {
                do {
                    // Every check but the transactions' signatures: the certificate vouches for them, since the
                    // header's transaction root binds each one (`.certified`); then execution against the header's
                    // roots, then the commit. A failed commit (storage) is not progress: catch-up retries; a block
                    // that verifies but does not execute here halts the node (`diverged`), blaming no one.
                    guard try commit(e.block, certificate: e.certificate, checks: .certified) else { return (applied, false) }
                } catch {
                    logger.warn("sync", "peer \(peer) sent a block that does not verify: \(error)", height: e.block.height)
                    metrics.count("gossip_invalid_total")
                    return (applied, true)
                }
                feedNextHeight(after: e.block.height)
                applied += 1
            }
            return (applied, false)
        }
    }

    /// Publishes the rules of the state just committed and begins the height after `committed`, when the driver
    /// has not passed it (a node not booted, stopped or halted takes the rules, not the input).
    func feedNextHeight(after committed: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard driver.core.height <= committed, let next = startInput(after: committed) else { return }
        feed(next)
    }

    /// The next height's start from the committer; when the rules cannot be read, nil, and it is tried again a
    /// second later. Reads no driver state.
    func startInput(after committed: UInt64) -> DriverInput? {
        do { return try committer.nextHeight(after: committed) } catch {
            queue.asyncAfter(deadline: .now() + 1) { [self] in feedNextHeight(after: committed) }
            return nil
        }
    }

    func storageError(_ error: Error, _ doing: String, height: UInt64? = nil) {
        health.storageError(error, doing, height: height, logger: logger)
    }

    // MARK: - Re-sending

    /// Every second, re-send this validator's proposals of the current height (with their blocks) and the votes it
    /// holds, so that progress resumes after messages were lost or a partition healed. A halted node sends nothing.
    private func scheduleRebroadcast() {
        queue.asyncAfter(deadline: .now() + 1.0) { [self] in
            guard !stopped, !health.halted else { return }
            let core = driver.core
            if let me = core.me {
                for p in core.currentHeightProposals where p.proposer == me {
                    if let b = held[p.blockHash] { gossip.broadcast(.proposal(p, b)) }
                }
            }
            for v in core.currentHeightVotes { gossip.broadcast(.vote(v)) }
            scheduleRebroadcast()
        }
    }
}
