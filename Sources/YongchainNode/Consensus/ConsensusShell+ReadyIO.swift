import Foundation
import YongchainConsensus
import YongchainCore
import YongchainCrypto

/// The node's side of `ReadyIO`: what the runner does with each Ready, in the contract's order — persist the
/// signer record with the blocks it names (one SQLite transaction, fsync), send through gossip, sign with the node
/// key, schedule timers on the queue, build a value (`tryPropose`), judge held proposals, record evidence, and
/// commit decided blocks. The deterministic simulation runs the same runner with its own I/O
/// (Tests/YongchainConsensusTests/SimIO.swift).
///
/// It runs on the consensus queue while the runner holds the driver, so it reads no driver state: what it
/// produces (judgements, the next height's start) is returned to the runner, which queues it.
struct ShellIO: ReadyIO {
    unowned let shell: ConsensusShell

    var acceptsInput: Bool { shell.acceptsInput }

    /// a. If the record cannot be stored, nothing of the Ready leaves the node: it is tried again every second.
    func persist(_ record: SignerRecord) -> Bool {
        do {
            try shell.store.saveSignerState(record.canonicalBytes, blocks: record.blocks.compactMap { shell.held[$0] })
            return true
        } catch {
            shell.storageError(error, "persisting the signer state; nothing is sent until it is stored", height: record.height)
            shell.queue.asyncAfter(deadline: .now() + 1) { [shell] in shell.resume() }
            return false
        }
    }

    func send(_ message: ConsensusMessage) {
        switch message {
        case .vote(let v): shell.gossip.broadcast(.vote(v))
        case .proposal(let p):
            // The driver asks only for proposals of held blocks.
            if let b = shell.held[p.blockHash] { shell.gossip.broadcast(.proposal(p, b)) }
        }
    }

    func sign(_ messages: [ConsensusMessage]) -> [[UInt8]] {
        guard let key = shell.key else { preconditionFailure("the driver of a node without a key asked for signatures") }
        return messages.map { key.sign($0.signingBytes(chainID: shell.chain.id)) }
    }

    func schedule(_ timer: Ready.Scheduled) {
        shell.queue.asyncAfter(deadline: .now() + .milliseconds(timer.afterMs)) { [shell] in shell.feed(.timeout(timer.timeout)) }
    }

    func requestValue(_ request: Ready.ValueRequest) -> Hash? {
        shell.proposer.pending = (request.height, request.round)
        shell.queue.async { [shell] in shell.tryPropose() }
        return nil
    }

    func judge(_ proposal: Proposal) -> Bool? {
        guard let block = shell.held[proposal.blockHash] else { return nil }
        return shell.isValid(proposal, block)
    }

    func record(_ e: Ready.Evidence) {
        switch e {
        case .votes(let a, let b):
            shell.logger.warn("consensus", "equivocation by validator \(a.validator)", height: a.height)
            var w = CanonicalWriter()
            w.item(a); w.item(b)
            do { try shell.store.addEvidence(height: a.height, validator: a.validator, data: w.bytes) } catch {
                shell.storageError(error, "recording evidence", height: a.height)
            }
        case .proposals(let a, _):
            shell.logger.warn("consensus", "conflicting proposals by validator \(a.proposer)", height: a.height, ["round": "\(a.round)"])
        }
    }

    func refused(_ r: Ready.Refusal) {
        shell.logger.warn("signer", "not signing \(r.message): \(r.reason)", height: r.message.height)
    }

    /// e. Storage failures and divergence are handled inside; a decided block is checked by nothing else.
    func apply(_ d: Ready.Decision) -> DriverInput? {
        guard let block = shell.held[d.blockHash] else { return nil }
        do {
            guard try shell.commit(block, certificate: d.certificate, checks: .decidedHere) else { return nil }
        } catch {
            shell.logger.error("consensus", "the decided block was not committed: \(error)", height: d.height)
            return nil
        }
        return shell.startInput(after: d.height)
    }

    /// e. Catch-up fetches it with its certificate and commits it through the shell (`commitFetched`).
    func fetch(_ d: Ready.Decision) -> DriverInput? {
        shell.catchUp.decided(height: d.height)
        shell.logger.info("consensus", "decided a block this node does not hold; fetching it", height: d.height)
        return nil
    }
}
