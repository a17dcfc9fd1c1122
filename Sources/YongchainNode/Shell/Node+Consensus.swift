import Foundation
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Driving consensus: the node hands the `ConsensusDriver` every input and carries out each `Ready` exactly as
/// its contract says — persist, then send, then sign (and carry out what signing returns), then schedule, build
/// and judge, and apply last. The deterministic simulation drives the same driver (Tests/YongchainConsensusTests).
/// Everything here runs on `queue`.
extension Node {
    /// Hands one input to the driver and carries out what it says. Inputs wait while a Ready is stuck on a
    /// failed persist, and are dropped once the node has stopped or halted.
    func feed(_ input: DriverInput) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard booted, !stopped, !halted else { return }
        guard stuck == nil else {
            if deferred.count < Node.maxDeferredInputs { deferred.append(input) }
            return
        }
        carryOut(driver.step(input))
        publishConsensusView()
    }

    /// Inputs kept while the node waits for its disk; beyond this the newest are dropped, and that is the right
    /// end: what arrives late is mostly peers' votes and proposals, which they re-send every second (so the
    /// newest come again once the disk is back), while the oldest include what nobody repeats — this node's own
    /// timeouts and the block it built — and, replayed first, they keep the driver's inputs in order.
    static let maxDeferredInputs = 10_000

    /// Carries out one Ready in the driver's order. If the record cannot be persisted, nothing of the Ready leaves
    /// the node: it is retried every second (`retryStuck`), and the node takes no input until it succeeds.
    func carryOut(_ ready: Ready) {
        // a. Persist before anything of this Ready leaves the node.
        if let record = ready.persist {
            do {
                try store.saveSignerState(record.canonicalBytes, blocks: record.blocks.compactMap { blocks[$0] })
            } catch {
                storageError(error, "persisting the signer state; nothing is sent until it is stored", height: record.height)
                stuck = ready
                queue.asyncAfter(deadline: .now() + 1) { [self] in retryStuck() }
                return
            }
        }
        // b. Send.
        for m in ready.send {
            let g: GossipMessage
            switch m {
            case .vote(let v): g = .vote(v)
            case .proposal(let p):
                guard let b = blocks[p.blockHash] else { continue }  // the driver asks only for held blocks
                g = .proposal(p, b)
            }
            gossip.broadcast(g)
            if m.isOwn(me: myIndex), m.height == driver.core.height { ownMessages.append(g) }
        }
        // c. Sign, and carry out what the signatures make the driver do (from a.).
        if !ready.sign.isEmpty, let key {
            let signatures = ready.sign.map { key.sign($0.signingBytes(chainID: chainID)) }
            carryOut(driver.signed(signatures))
        }
        // d. Timers, a value to build, proposals to judge, what to log.
        for s in ready.schedule {
            queue.asyncAfter(deadline: .now() + .milliseconds(s.afterMs)) { [self] in feed(.timeout(s.timeout)) }
        }
        if let v = ready.requestValue {
            pendingValue = (v.height, v.round)
            queue.async { [self] in tryPropose() }
        }
        for p in ready.judge {
            if let b = blocks[p.blockHash] { queue.async { [self] in receive(proposal: p, block: b) } }
        }
        for e in ready.evidence { record(e) }
        for r in ready.refused {
            logger.warn("signer", "not signing \(r.message): \(r.reason)", height: r.message.height)
        }
        // e. Apply, or fetch: catch-up commits a block it fetches with its certificate the same way.
        if let d = ready.apply, let block = blocks[d.blockHash] {
            // Storage failures and divergence are handled inside; a decided block is checked by nothing else.
            do { _ = try commit(block: block, certificate: d.certificate) } catch {
                logger.error("consensus", "the decided block was not committed: \(error)", height: d.height)
            }
        } else if let d = ready.fetch {
            catchUp.decided(height: d.height)
            logger.info("consensus", "decided a block this node does not hold; fetching it", height: d.height)
        }
    }

    private func retryStuck() {
        guard let ready = stuck, !stopped, !halted else { return }
        stuck = nil
        carryOut(ready)
        guard stuck == nil else { return }
        let waiting = deferred
        deferred = []
        for input in waiting { feed(input) }
        publishConsensusView()
    }

    private func record(_ e: Ready.Evidence) {
        switch e {
        case .votes(let a, let b):
            logger.warn("consensus", "equivocation by validator \(a.validator)", height: a.height)
            var w = CanonicalWriter()
            w.item(a); w.item(b)
            do { try store.addEvidence(height: a.height, validator: a.validator, data: w.bytes) } catch {
                storageError(error, "recording evidence", height: a.height)
            }
        case .proposals(let a, _):
            logger.warn("consensus", "conflicting proposals by validator \(a.proposer)", height: a.height, ["round": "\(a.round)"])
        }
    }

    func publishConsensusView() {
        let view = (driver.core.height, driver.core.round, "\(driver.core.step)")
        consensusView.withLock { $0 = view }
    }

    /// getValue(): build a block from the mempool. A proposer in round 0 with nothing to include waits for
    /// transactions, up to the empty-block interval after the last block.
    func tryPropose() {
        guard let (h, r) = pendingValue, h == driver.core.height, r == driver.core.round, let key else { return }
        let pending = mempool.count
        let sinceLast = Date().timeIntervalSince(lastBlockCommittedAt) * 1000
        let rules = rules.withLock { $0 }
        let c = rules.parameters
        // Round 0 only: in later rounds the others are already waiting for us.
        let waitFor: Double = r > 0 ? 0
            : pending == 0 ? Double(c.emptyBlockIntervalMs) - sinceLast
            : pending < c.maxBlockTransactions ? Double(c.minBlockIntervalMs) - sinceLast : 0
        if waitFor > 0 {
            queue.asyncAfter(deadline: .now() + .milliseconds(max(1, min(Int(waitFor), 10)))) { self.tryPropose() }
            return
        }
        pendingValue = nil
        let tip = store.tip
        let candidates = mempool.peek(max: c.maxBlockTransactions)
        guard rules.tip == tip.height, let signers = rules.validators(at: h), let next = rules.validators(at: h + 1) else { return }
        // Admission checks "committed?" against a read snapshot, so a transaction whose block committed while its
        // batch was being admitted can sit in the pool after the commit removed it: it leaves here.
        let committed: [Hash]
        let lastCommit: CommitCertificate?
        do {
            (committed, lastCommit) = try store.read { v in
                (candidates.filter { v.isCommitted($0.hash) }.map(\.hash), tip.height == 0 ? nil : try v.certificate(at: tip.height))
            }
        } catch {
            // No proposal from a store we cannot read: the others time out and move to the next round.
            storageError(error, "building a proposal", height: h)
            return
        }
        if !committed.isEmpty { mempool.remove(committed) }
        let gone = Set(committed)
        let entries = candidates.filter { !gone.contains($0.hash) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let suite = chain.hashSuite
        var block = Block(header: BlockHeader(
            chain: chain, height: h, time: max(now, tip.time + 1), previousBlockHash: tip.blockHash,
            lastCommitHash: Block.commitHash(lastCommit, suite: suite),
            txRoot: Merkle.root(leaves: entries.map { Block.txLeaf(hash: $0.hash, signature: $0.tx.signature, suite: suite) }, suite: suite),
            resultsHash: Hash.zero, stateRoot: Hash.zero, validatorsHash: signers.hash(suite), nextValidatorsHash: next.hash(suite),
            proposer: key.publicKey), transactions: entries.map(\.tx), lastCommit: lastCommit)
        // Execute before proposing: the header carries the state and outcomes after this block.
        let exec: BlockExecution
        do {
            exec = try store.committedSnapshot { try applier.executor.execute(block, on: $0, tree: $1, tip: tip) }
        } catch {
            storageError(error, "executing a proposal", height: h)
            return
        }
        block.header.resultsHash = exec.resultsHash
        block.header.stateRoot = exec.stateRoot
        blocks[block.hash] = block
        executions[block.hash] = exec
        feed(.value(height: h, round: r, blockHash: block.hash))
    }

    /// A proposal whose signature was verified: judge the block (the paper's valid(v)) and hand it to the driver.
    /// One for the next height is kept with its block; the driver asks for its judgement once that height starts.
    func receive(proposal p: Proposal, block: Block) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard block.hash == p.blockHash else { metrics.count("gossip_invalid_total"); return }
        let height = driver.core.height
        guard p.height == height || p.height == height + 1 else { return }
        if blocks[block.hash] == nil, blocks.count >= Node.maxHeldBlocks { return }
        blocks[block.hash] = block
        guard p.height == height else {
            feed(.proposal(p, isValid: false))  // not judged yet: the driver buffers it and asks again
            return
        }
        var valid = true
        do {
            let maxTime = Int64(Date().timeIntervalSince1970 * 1000) + 30_000
            let tip = store.tip
            try store.read { v in
                try blockValidator.validate(block, tip: tip, rules: rules.withLock { $0 }, isCommitted: { v.isCommitted($0) },
                                            isVerified: { mempool.contains($0) }, maxTime: maxTime, signatures: signatures)
            }
            // Immediate execution: the header must carry what running the block here gives.
            let exec = try executions[block.hash]
                ?? store.committedSnapshot { try applier.executor.execute(block, on: $0, tree: $1, tip: tip) }
            if let why = exec.mismatch(block.header) { throw BlockInvalid(why) }
            executions[block.hash] = exec
        } catch let e as BlockInvalid {
            valid = false
            logger.warn("consensus", "proposal rejected: \(e)", height: p.height, ["round": "\(p.round)"])
        } catch {
            // Our store failed, not the block: prevote nil (safe), and say why.
            valid = false
            storageError(error, "validating a proposal", height: p.height)
        }
        feed(.proposal(p, isValid: valid))
    }

    /// Blocks of the current and next height held at once; a byzantine proposer may sign many.
    static let maxHeldBlocks = 256

    /// Applies a final block through the applier, then starts the next height.
    ///
    /// Throws `BlockInvalid` / `CommitError` only for a fetched block that does not verify (the caller blames its
    /// peer). A storage failure is handled here: nothing of the block was committed (one SQLite transaction),
    /// health says STORAGE_FAILED, the block is tried again a second later (and catch-up fetches it too), so the
    /// node resumes once the disk has room; it returns false. So is divergence (`StateDiverged`): the node stops
    /// for good (`diverged`) and returns false, blaming no peer.
    @discardableResult
    func commit(block: Block, certificate: CommitCertificate, checks: BlockApplier.Checks = .decidedHere) throws -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard block.height == store.tip.height + 1, !halted else { return false }
        let started = Date()
        let exec: BlockExecution
        do {
            exec = try applier.apply(block, certificate: certificate, checks: checks,
                                     executed: checks == .decidedHere ? executions[block.hash] : nil)
        } catch let e as BlockInvalid {
            throw e
        } catch let e as CommitError {
            throw e
        } catch let e as StateDiverged {
            diverged(e)
            return false
        } catch {
            storageError(error, "committing a block", height: block.height)
            queue.asyncAfter(deadline: .now() + 1) { [self] in
                if store.tip.height + 1 == block.height { _ = try? commit(block: block, certificate: certificate, checks: checks) }
            }
            return false
        }
        health.committed()
        let hashes = exec.results.map(\.hash)
        mempool.remove(hashes)
        committedHeight.store(block.height, ordering: .releasing)
        commits.notify(hashes)
        // The block's last commit is the certificate of the height before, signed by that height's set.
        if let signers = rules.withLock({ $0 }).validators(at: block.height - 1) {
            metrics.committed(block: block, results: exec.results, interval: started.timeIntervalSince(lastBlockCommittedAt), validators: signers)
        }
        lastBlockCommittedAt = Date()
        recountOpenProposals(after: block)
        blocks = blocks.filter { $0.value.height > block.height }
        executions.removeAll()
        ownMessages.removeAll()
        pendingValue = nil
        logger.debug("consensus", "committed", height: block.height, ["txs": "\(block.transactions.count)", "hash": block.hash.short])
        startHeight(after: block.height)
        return true
    }

    /// Fail-stop: a certified block does not execute here. Consensus halts for good (no vote, no commit, no
    /// catch-up); health, status, metrics and the status page say STATE_DIVERGED with the heights, and the log
    /// says it once, at error. An operator must find why (a binary other than the consortium's, an edited
    /// database) and restore the node.
    func diverged(_ e: StateDiverged) {
        dispatchPrecondition(condition: .onQueue(queue))
        let tip = store.tip.height
        let message = "\(e); it stays at height \(tip) and takes no part in consensus: stop it, check its binary is the consortium's, and restore it (docs/operations.md, 'Health')"
        health.diverged(message)
        if !halted { logger.error("consensus", message, height: e.height, ["code": e.code, "tip": "\(tip)"]) }
        halted = true
    }

    /// Reads the rules of the state just committed (who signs the next heights, the parameters) and begins the
    /// next height with them. If the store cannot be read, it tries again a second later: a height begun with
    /// rules that may be stale could count the wrong set's votes.
    func startHeight(after committed: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard store.tip.height == committed, driver.core.height <= committed, !stopped, !halted else { return }
        let next: ChainRules
        do { next = try applier.rules() } catch {
            storageError(error, "reading the validator sets and parameters", height: committed)
            queue.asyncAfter(deadline: .now() + 1) { [self] in startHeight(after: committed) }
            return
        }
        let before = rules.withLock { r in defer { r = next }; return r }
        // The set signing the next height changes when a change is decided and again when it starts signing
        // (`from`), which no new schedule marks.
        if before.nextHeight != next.nextHeight {
            catchUp.setValidators(next.nextHeight.current)
            logger.info("governance", "validator sets: \(next.nextHeight.current.hash(chain.hashSuite).short) signs height \(committed + 1), \(next.nextHeight.next.hash(chain.hashSuite).short) height \(committed + 2)", height: committed)
        }
        if before.parameters != next.parameters { driver.setTimeouts(TimeoutParameters(next.parameters)) }
        refreshMembers()
        feed(.startHeight(committed + 1, validators: next.nextHeight))
    }

    /// Every second, re-send this node's messages for the current height and the votes it holds, so that progress
    /// resumes after messages were lost or a partition healed. A halted node sends nothing more.
    func scheduleRebroadcast() {
        queue.asyncAfter(deadline: .now() + 1.0) { [self] in
            if stopped || halted { return }
            for m in ownMessages { gossip.broadcast(m) }
            for v in driver.core.currentHeightVotes { gossip.broadcast(.vote(v)) }
            scheduleRebroadcast()
        }
    }
}

extension ConsensusMessage {
    /// Whether validator `me` signed it.
    func isOwn(me: Int?) -> Bool {
        switch self {
        case .vote(let v): return v.validator == me
        case .proposal(let p): return p.proposer == me
        }
    }
}
