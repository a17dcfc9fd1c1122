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
    var drivers: [ConsensusDriver]
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
        drivers = []
        up = Array(repeating: true, count: n)
        stored = Array(repeating: nil, count: n)
        storedBlocks = Array(repeating: [], count: n)
        decisions = Array(repeating: [], count: n)
        for i in 0..<n { drivers.append(makeDriver(i)) }
        for i in 0..<n { input(i, .restart(nil, height: 1)) }
    }

    func makeDriver(_ i: Int) -> ConsensusDriver {
        var d = ConsensusDriver(validators: validators, me: i, timeouts: testTimeouts)
        d.feedsRestoredProposals = feedsRestoredProposals
        return d
    }

    static func value(height: UInt64, round: Int32, by i: Int) -> Hash { block("h\(height) r\(round) by \(i)") }

    /// One input, carried out as the node's shell does.
    mutating func input(_ i: Int, _ first: DriverInput) {
        var inputs = [first]
        while !inputs.isEmpty {
            var ready = drivers[i].step(inputs.removeFirst())
            while true {
                if let r = ready.persist {
                    stored[i] = r
                    storedBlocks[i] = r.blocks
                }
                for m in ready.send {
                    for j in drivers.indices where j != i { inFlight.append((i, j, m)) }
                }
                for s in ready.schedule { timers.append(Timer(node: i, due: now + s.afterMs, timeout: s.timeout)) }
                if let r = ready.requestValue {
                    inputs.append(.value(height: r.height, round: r.round, blockHash: Self.value(height: r.height, round: r.round, by: i)))
                }
                for p in ready.judge { inputs.append(.proposal(p, isValid: true)) }
                if let d = ready.apply ?? ready.fetch {
                    decisions[i].append(d)
                    inputs.append(.startHeight(d.height + 1))
                }
                guard !ready.sign.isEmpty else { break }
                ready = drivers[i].signed(ready.sign.map { _ in [UInt8(i)] })
            }
        }
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
        for i in drivers.indices where up[i] {
            for v in drivers[i].core.currentHeightVotes where v.validator == i {
                for j in drivers.indices where j != i { inFlight.append((i, j, .vote(v))) }
            }
        }
    }

    /// A fresh driver from what node `i` stored, at the height after its last applied block.
    mutating func restart(_ i: Int) {
        up[i] = true
        drivers[i] = makeDriver(i)
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
