import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

/// The simulation's side of `ReadyIO`: node `node`'s disk is `SimNode.stored`, its network the simulated one (a
/// byzantine node equivocates there), its key a fake signature, its timers and block building events on the
/// simulation's queue. A node that crashes while a Ready is carried out (a crash point after a persist or a
/// send) does nothing more of it: the rest is lost with the process.
struct SimIO: ReadyIO {
    unowned let sim: Simulation
    let node: Int
    /// The incarnation that began this input: a crash starts another.
    let incarnation: Int

    private var alive: Bool { sim.nodes[node].up && sim.nodes[node].incarnation == incarnation }

    var acceptsInput: Bool { alive && sim.failure == nil }

    mutating func persist(_ record: SignerRecord) -> Bool {
        guard alive else { return true }
        sim.nodes[node].stored = record
        sim.nodes[node].storedBlocks = record.blocks
        sim.crashPoint(node)
        return true
    }

    mutating func send(_ message: ConsensusMessage) {
        guard alive else { return }
        let i = node
        switch message {
        case .proposal(let p):
            if sim.byzantineActive(i) { sim.equivocate(p, at: i); return }
            sim.noteProposed(p)
            sim.broadcast(.proposal(p), from: i)
        case .vote(let v):
            if sim.byzantineActive(i) && v.validator == sim.index(of: i, at: v.height) { sim.equivocate(v, at: i); return }
            sim.broadcast(.vote(v), from: i)
        }
        sim.sent(message, by: i)
        sim.crashPoint(i)
    }

    func sign(_ messages: [ConsensusMessage]) -> [[UInt8]] { messages.map { sim.fakeSignature(node, $0) } }

    func schedule(_ timer: Ready.Scheduled) {
        guard alive else { return }
        sim.queue.push(.timeout(node: node, incarnation: incarnation, timer.timeout), at: sim.now + timer.afterMs)
    }

    func requestValue(_ r: Ready.ValueRequest) -> Hash? {
        guard alive else { return nil }
        sim.queue.push(.value(node: node, incarnation: incarnation, height: r.height, round: r.round), at: sim.now + sim.rng.int(0...10))
        return nil
    }

    func judge(_ proposal: Proposal) -> Bool? { !sim.invalid.contains(proposal.blockHash) }

    func record(_ e: Ready.Evidence) {
        guard alive else { return }
        sim.evidenceSeen += 1
        switch e {
        case .votes(let a, _):
            if !sim.nodes[sim.node(validator: a.validator, at: a.height)].byzantine {
                sim.fail("node \(node) holds evidence that honest validator \(a.validator) equivocated: \(e)")
            }
        case .proposals(let a, _):
            if !sim.nodes[sim.node(validator: a.proposer, at: a.height)].byzantine {
                sim.fail("node \(node) holds evidence that honest proposer \(a.proposer) equivocated")
            }
        }
    }

    func refused(_ refusal: Ready.Refusal) {}

    func apply(_ d: Ready.Decision) -> DriverInput? {
        guard alive else { return nil }
        sim.decide(node, height: d.height, hash: d.blockHash, cert: d.certificate)
        return sim.start(d.height + 1)
    }

    func fetch(_ d: Ready.Decision) -> DriverInput? {
        guard alive else { return nil }
        sim.queue.push(.fetched(node: node, incarnation: incarnation, d), at: sim.now + sim.rng.int(1...sim.maxDelayMs))
        return nil
    }
}
