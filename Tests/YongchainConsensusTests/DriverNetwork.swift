import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

/// A few `ConsensusDriver`s wired by hand, with no randomness: the test decides which message reaches whom and
/// which timeout fires. Each node's shell does what a node does with a `Ready` — stores `persist` (and the blocks
/// it names), signs, sends, answers value requests at once, and applies decisions — so a crash loses everything
/// but `stored`, `storedBlocks` and `decisions`.
struct DriverNetwork {
    struct Timer {
        let node: Int
        let due: Int
        let timeout: Timeout
    }

    let validators: ValidatorSet
    var runners: [ReadyRunner]
    var drivers: [ConsensusDriver] { runners.map(\.driver) }
    var up: [Bool]
    var stored: [SignerRecord?]
    var storedBlocks: [Set<Hash>]
    var decisions: [[Ready.Decision]]
    /// Sent and not yet delivered (or dropped).
    var inFlight: [(from: Int, to: Int, message: ConsensusMessage)] = []
    var timers: [Timer] = []
    var now = 0
    var feedsRestoredProposals = true

    init(n: Int) {
        validators = validatorSet(Array(repeating: 1, count: n))
        runners = []
        up = Array(repeating: true, count: n)
        stored = Array(repeating: nil, count: n)
        storedBlocks = Array(repeating: [], count: n)
        decisions = Array(repeating: [], count: n)
        for i in 0..<n { runners.append(ReadyRunner(driver: makeDriver(i))) }
        for i in 0..<n { input(i, .restart(nil, height: 1)) }
    }

    func makeDriver(_ i: Int) -> ConsensusDriver {
        var d = ConsensusDriver(validators: validators, me: i, timeouts: testTimeouts)
        d.feedsRestoredProposals = feedsRestoredProposals
        return d
    }

    static func value(height: UInt64, round: Int32, by i: Int) -> Hash { block("h\(height) r\(round) by \(i)") }

    /// One input, carried out by the runner the node uses, with this network's I/O.
    mutating func input(_ i: Int, _ first: DriverInput) {
        var io = IO(node: i)
        runners[i].step(first, io: &io)
        if let r = io.persisted {
            stored[i] = r
            storedBlocks[i] = r.blocks
        }
        for m in io.sent {
            for j in runners.indices where j != i { inFlight.append((i, j, m)) }
        }
        for s in io.timers { timers.append(Timer(node: i, due: now + s.afterMs, timeout: s.timeout)) }
        decisions[i] += io.decisions
    }

    /// What one node's shell does with a Ready: stores `persist` (and the blocks it names), signs, sends, answers
    /// value requests and judgements at once, applies (and "fetches") decisions — collected, then wired into the
    /// network by `input`.
    struct IO: ReadyIO {
        let node: Int
        var persisted: SignerRecord?
        var sent: [ConsensusMessage] = []
        var timers: [Ready.Scheduled] = []
        var decisions: [Ready.Decision] = []

        init(node: Int) { self.node = node }

        var acceptsInput: Bool { true }
        mutating func persist(_ record: SignerRecord) -> Bool { persisted = record; return true }
        mutating func send(_ message: ConsensusMessage) { sent.append(message) }
        func sign(_ messages: [ConsensusMessage]) -> [[UInt8]] { messages.map { _ in [UInt8(node)] } }
        mutating func schedule(_ timer: Ready.Scheduled) { timers.append(timer) }
        func requestValue(_ r: Ready.ValueRequest) -> Hash? { DriverNetwork.value(height: r.height, round: r.round, by: node) }
        func judge(_ proposal: Proposal) -> Bool? { true }
        func record(_ evidence: Ready.Evidence) {}
        func refused(_ refusal: Ready.Refusal) {}
        mutating func apply(_ d: Ready.Decision) -> DriverInput? { decisions.append(d); return .startHeight(d.height + 1) }
        mutating func fetch(_ d: Ready.Decision) -> DriverInput? { apply(d) }
    }

    /// Delivers the in-flight messages that match, in the order sent; those to a node that is down are lost.
    mutating func deliver(where match: (_ from: Int, _ to: Int, _ m: ConsensusMessage) -> Bool = { _, _, _ in true }) {
        while let k = inFlight.firstIndex(where: { match($0.from, $0.to, $0.message) }) {
            let (_, to, m) = inFlight.remove(at: k)
            guard up[to] else { continue }
            switch m {
            case .proposal(let p): input(to, .proposal(p, isValid: true))
            case .vote(let v): input(to, .vote(v))
            }
        }
    }

    mutating func drop(where match: (_ from: Int, _ to: Int, _ m: ConsensusMessage) -> Bool) {
        inFlight.removeAll { match($0.from, $0.to, $0.message) }
    }

    /// Fires node `i`'s timeout of `kind` for its current height and round, as if it had expired.
    mutating func fire(_ i: Int, _ kind: TimeoutKind) {
        input(i, .timeout(Timeout(kind: kind, height: drivers[i].core.height, round: drivers[i].core.round)))
    }

    /// Node `i` stops: its timers and the messages on their way to it are gone.
    mutating func crash(_ i: Int) {
        up[i] = false
        timers.removeAll { $0.node == i }
        drop { _, to, _ in to == i }
    }

    /// Every node that is up sends its own votes of its current height again, as the node's gossip does each
    /// second (it does not relay other validators' proposals).
    mutating func regossip() {
        for i in runners.indices where up[i] {
            for v in runners[i].driver.core.currentHeightVotes where v.validator == i {
                for j in runners.indices where j != i { inFlight.append((i, j, .vote(v))) }
            }
        }
    }

    /// A fresh driver from what node `i` stored, at the height after its last applied block.
    mutating func restart(_ i: Int) {
        up[i] = true
        runners[i] = ReadyRunner(driver: makeDriver(i))
        input(i, .restart(stored[i], height: UInt64(decisions[i].count) + 1, holding: storedBlocks[i]))
    }

    /// Delivers everything between nodes that are up (after a re-gossip), then lets the earliest timer expire,
    /// until every node in `nodes` has decided `height` or `maxTimers` timers have fired. Returns whether they
    /// all decided.
    mutating func run(until nodes: [Int], decide height: UInt64, maxTimers: Int = 200) -> Bool {
        for _ in 0..<maxTimers {
            deliver()
            regossip()
            deliver()
            if nodes.allSatisfy({ decisions[$0].count >= Int(height) }) { return true }
            guard let k = timers.indices.filter({ up[timers[$0].node] }).min(by: { timers[$0].due < timers[$1].due }) else { return false }
            let t = timers.remove(at: k)
            now = max(now, t.due)
            input(t.node, .timeout(t.timeout))
        }
        return false
    }
}
