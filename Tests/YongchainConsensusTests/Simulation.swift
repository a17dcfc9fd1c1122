import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus
import YongchainTestSupport

/// What a simulated run throws at the protocol.
struct Scenario: Sendable, CustomStringConvertible {
    var name: String
    var n: Int
    /// The last `byzantine` validators equivocate until the network heals.
    var byzantine: Int = 0
    var dropRate: Double = 0
    var duplicateRate: Double = 0
    var maxDelayMs: Int = 20
    /// Random `cut`, `isolate` and heal actions during the chaos phase.
    var partitions: Bool = false
    /// Random crashes of honest nodes, restarted later from their persisted chain and SignerGuard: between events,
    /// and also in the middle of carrying out a Ready (right after a persist or a send, `crashPointRate` each).
    var crashes: Bool = false
    var crashPointRate: Double = 0.002
    /// Probability that an honest proposer builds a block every other validator judges invalid. The proposer,
    /// like the node, does not judge the block it built (`ConsensusDriver` feeds its own proposal back as valid).
    var invalidRate: Double = 0
    /// Length of the faulty period; then partitions heal, crashed nodes restart, byzantine nodes stop and
    /// messages are no longer dropped.
    var chaosMs: Int = 2_000
    /// After healing, every honest node must decide this many more heights within `livenessBudgetMs`.
    var heightsAfterHeal: UInt64 = 3
    var livenessBudgetMs: Int = 60_000
    /// Validator-set changes as governance makes them: one more node starts as an observer, and every 3 heights a
    /// change is decided (effective 2 heights later, as `ValidatorSchedule` says): it joins, then the validator
    /// scheduled to propose the change's effective height is removed, then it returns, and so on (n ↔ n+1).
    var reconfigure: Bool = false

    var description: String {
        "\(name) (n=\(n), byzantine=\(byzantine), drop=\(dropRate), dup=\(duplicateRate), maxDelay=\(maxDelayMs)ms, "
            + "partitions=\(partitions), crashes=\(crashes), invalid=\(invalidRate), chaos=\(chaosMs)ms\(reconfigure ? ", reconfigure" : ""))"
    }
}

enum NetMessage: Sendable {
    case proposal(Proposal)
    case vote(Vote)
    /// Catch-up for a peer still at an older height: the commit of that height (what block sync would fetch).
    case commit(CommitCertificate)
    /// "I am at this height": lets peers that are ahead send the commit we miss (the node's status gossip).
    case status(height: UInt64)

    var height: UInt64 {
        switch self {
        case .status(let h): return h
        case .proposal(let p): return p.height
        case .vote(let v): return v.height
        case .commit(let c): return c.height
        }
    }
}

/// One validator: the shipped `ConsensusDriver`, carried out by the shipped `ReadyRunner` with a fake I/O
/// (`SimIO`). What survives a crash is what a node stores: the last record the driver handed over in
/// `Ready.persist` with the blocks it names (`SignerRecord.blocks`), and the committed chain. Everything in the
/// runner is lost.
struct SimNode {
    /// nil only while it steps an input (`Simulation.feed`), when the runner alone holds the driver.
    var runner: ReadyRunner?
    var driver: ConsensusDriver { runner!.driver }
    var stored: SignerRecord?
    var chain: [Hash] = []
    var certificates: [UInt64: CommitCertificate] = [:]
    var storedBlocks = Set<Hash>()
    var up = true
    var incarnation = 0
    let byzantine: Bool
    var lastProgress: (UInt64, Int32, Step) = (0, 0, .decided)
    var lastCatchUp: [Int: (height: UInt64, time: Int)] = [:]
}

/// A FoundationDB-style deterministic simulation of n validators on a faulty network, each running the
/// `ConsensusDriver` a node runs, through the same restart path. Everything random comes from one seeded
/// SplitMix64, so `seed` + `scenario` replay the run exactly.
final class Simulation {
    enum Event {
        case deliver(from: Int, to: Int, NetMessage)
        case timeout(node: Int, incarnation: Int, Timeout)
        case value(node: Int, incarnation: Int, height: UInt64, round: Int32)
        /// A decided block the node did not hold has arrived from a peer.
        case fetched(node: Int, incarnation: Int, Ready.Decision)
        case regossip(node: Int, incarnation: Int)
        case chaos
        case restart(node: Int)
        case heal
    }

    let scenario: Scenario
    let seed: UInt64
    /// Every node's key: node i is validator `sets[k].index(of: keys[i])` of the heights set k signs.
    let keys: [PublicKey]
    /// The validator sets and the first height each signs (one entry unless the scenario reconfigures).
    var sets: [(from: UInt64, set: ValidatorSet)]
    let timeouts = TimeoutParameters(proposeMs: 200, proposeDeltaMs: 40, prevoteMs: 100, prevoteDeltaMs: 20,
                                     precommitMs: 100, precommitDeltaMs: 20)
    let regossipMs = 250
    var rng: SplitMix64
    var now = 0
    var queue = EventQueue<Event>()
    var nodes: [SimNode] = []
    var cut = Set<Int>()           // undirected links a*n+b with a < b
    var healed = false
    var dropRate: Double
    var maxDelayMs: Int

    /// Global oracle state for the invariants.
    var decided: [UInt64: Hash] = [:]
    var proposed = Set<Hash>()
    var invalid = Set<Hash>()
    var valueCounter = 0
    var failure: String?
    var trace: [(time: Int, event: Event)] = []
    var traceNext = 0
    let traceLimit = 60
    var deliveries = 0
    var evidenceSeen = 0
    var heightAtHeal: UInt64 = 0
    struct RoundKey: Hashable {
        let height: UInt64
        let round: Int32
    }
    /// The values proposed in each round, as sent: what a byzantine voter picks among.
    var roundProposals: [RoundKey: [Hash]] = [:]
    /// Heights whose certificate carries the precommit of a node that was not in genesis's set (reconfigure).
    var joinerSigned = 0

    /// False runs a `ReadyRunner` that sends before it persists (`ReadyRunner.persistsBeforeSending`): the order the
    /// contract forbids, which the checks below must catch.
    let persistsBeforeSending: Bool
    /// Every signed message an honest node sent, by (key, height, round, step): one value each, or it equivocated.
    var signedBy: [SignedStep: Hash?] = [:]

    struct SignedStep: Hashable {
        let key: PublicKey
        let height: UInt64
        let round: Int32
        let step: String
    }

    init(scenario: Scenario, seed: UInt64, persistsBeforeSending: Bool = true) {
        self.scenario = scenario
        self.seed = seed
        self.persistsBeforeSending = persistsBeforeSending
        rng = SplitMix64(seed: seed)
        dropRate = scenario.dropRate
        maxDelayMs = scenario.maxDelayMs
        let pool = scenario.n + (scenario.reconfigure ? 1 : 0)
        let everyone = validatorSet(Array(repeating: 1, count: pool))
        keys = everyone.validators.map(\.publicKey)
        sets = [(1, ValidatorSet(Array(everyone.validators.prefix(scenario.n))))]
        for i in 0..<pool {
            nodes.append(SimNode(runner: makeRunner(i), byzantine: i < scenario.n && i >= scenario.n - scenario.byzantine))
        }
    }

    private func makeRunner(_ i: Int) -> ReadyRunner {
        var r = ReadyRunner(driver: ConsensusDriver(identity: keys[i], validators: validators(at: 1), timeouts: timeouts))
        r.persistsBeforeSending = persistsBeforeSending
        return r
    }

    /// The set that signs height `h`: what every node reads from its committed state in a real chain, here a pure
    /// function of the height so a node that was partitioned or down reaches the same answer when it catches up.
    func validators(at h: UInt64) -> ValidatorSet {
        while scenario.reconfigure, sets.last!.from <= h {
            // Change k is decided in block 3k and signs from 3k + delay.
            let k = UInt64(sets.count), from = 3 * k + ValidatorSchedule.delay
            let current = sets.last!.set
            var members = current.validators
            if let outside = keys.first(where: { current.index(of: $0) == nil }) {
                let i = keys.firstIndex(of: outside)!
                members.append(Validator(name: "v\(i)", publicKey: outside, power: 1))
            } else {
                members.remove(at: current.proposer(height: from, round: 0))
            }
            sets.append((from, ValidatorSet(members)))
        }
        return sets.last { $0.from <= h }!.set
    }

    func heightValidators(_ h: UInt64) -> HeightValidators {
        HeightValidators(current: validators(at: h), next: validators(at: h + 1))
    }

    /// Node i's validator index at height h (nil: it does not sign h).
    func index(of i: Int, at h: UInt64) -> Int? { validators(at: h).index(of: keys[i]) }

    /// The node holding validator index v at height h.
    func node(validator v: Int, at h: UInt64) -> Int { keys.firstIndex(of: validators(at: h)[v].publicKey)! }

    /// Starting height h, with the sets that sign it and the next.
    func start(_ h: UInt64) -> DriverInput { .startHeight(h, validators: heightValidators(h)) }

    var honest: [Int] { nodes.indices.filter { !nodes[$0].byzantine } }

    // MARK: Running

    /// Runs until every honest node decided `heightsAfterHeal` heights past the heal, or a failure.
    /// Returns nil on success, else a failure report carrying the seed and scenario.
    func run() -> String? {
        for i in nodes.indices {
            feed(i, .restart(nil, height: 1, validators: heightValidators(1)))
            queue.push(.regossip(node: i, incarnation: 0), at: rng.int(1...regossipMs))
        }
        queue.push(.chaos, at: rng.int(50...300))
        queue.push(.heal, at: scenario.chaosMs)
        while failure == nil, let (time, event) = queue.pop() {
            now = time
            if healed && now > scenario.chaosMs + scenario.livenessBudgetMs {
                fail("liveness: after healing at \(scenario.chaosMs) ms, honest heights are "
                     + "\(honest.map { nodes[$0].chain.count }) and not all reached \(heightAtHeal + scenario.heightsAfterHeal)")
                break
            }
            record(time, event)
            process(event)
            checkAgreement()
            if healed && honest.allSatisfy({ UInt64(nodes[$0].chain.count) >= heightAtHeal + scenario.heightsAfterHeal }) {
                return nil
            }
        }
        if failure == nil { fail("event queue ran dry") }
        return failure.map { report($0) }
    }

    func report(_ reason: String) -> String {
        """
        SIMULATION FAILURE: \(reason)
          scenario: \(scenario)
          seed: \(seed) at \(now) ms simulated, \(deliveries) deliveries
          replay: SIM_SEED=\(seed) SIM_SCENARIO=\(scenario.name) swift test --scratch-path .build-cons --filter YongchainConsensusTests.SimulationTests
          node states: \(nodes.indices.map { i in "#\(i)\(nodes[i].byzantine ? "B" : "")\(nodes[i].up ? "" : "(down)") h=\(nodes[i].driver.core.height) r=\(nodes[i].driver.core.round) \(nodes[i].driver.core.step) chain=\(nodes[i].chain.count) signed=\(nodes[i].stored?.guardState.last.map { "h\($0.height) r\($0.round) \($0.step) \($0.blockHash?.short ?? "nil")" } ?? "-") locked=\(nodes[i].driver.core.lockedValue.map { "\($0.short)@\(nodes[i].driver.core.lockedRound)" } ?? "-") valid=\(nodes[i].driver.core.validValue.map { "\($0.short)@\(nodes[i].driver.core.validRound)" } ?? "-") votes=\(nodes[i].driver.core.currentHeightVotes.count)" }.joined(separator: "\n    "))
          last events:
            \(traceLines.joined(separator: "\n    "))
        """
    }

    func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }

    /// Keeps the last `traceLimit` events; they are described only when a run fails.
    private func record(_ time: Int, _ event: Event) {
        if trace.count < traceLimit { trace.append((time, event)) } else { trace[traceNext] = (time, event) }
        traceNext = (traceNext + 1) % traceLimit
    }

    private var traceLines: [String] {
        let ordered = trace.count < traceLimit ? trace : Array(trace[traceNext...] + trace[..<traceNext])
        return ordered.map { "\($0.time)ms \(describe($0.event))" }
    }

    private func describe(_ e: Event) -> String {
        switch e {
        case .deliver(let f, let t, let m):
            switch m {
            case .proposal(let p): return "\(f)→\(t) proposal h\(p.height) r\(p.round) \(p.blockHash.short) vr\(p.validRound)"
            case .vote(let v): return "\(f)→\(t) \(v.type.name) h\(v.height) r\(v.round) \(v.blockHash?.short ?? "nil") by \(v.validator)"
            case .commit(let c): return "\(f)→\(t) commit h\(c.height) r\(c.round) \(c.blockHash.short)"
            case .status(let h): return "\(f)→\(t) status h\(h)"
            }
        case .timeout(let n, let inc, let t): return "#\(n).\(inc) \(t)"
        case .value(let n, _, let h, let r): return "#\(n) value ready h\(h) r\(r)"
        case .fetched(let n, _, let d): return "#\(n) fetched h\(d.height) \(d.blockHash.short)"
        case .regossip(let n, _): return "#\(n) regossip"
        case .chaos: return "chaos"
        case .restart(let n): return "#\(n) restart"
        case .heal: return "heal"
        }
    }

    // MARK: Events

    private func process(_ event: Event) {
        switch event {
        case .deliver(let from, let to, let m):
            guard nodes[to].up else { return }
            deliveries += 1
            deliver(m, from: from, to: to)
        case .timeout(let i, let inc, let t):
            guard nodes[i].up, nodes[i].incarnation == inc else { return }
            feed(i, .timeout(t))
        case .value(let i, let inc, let h, let r):
            guard nodes[i].up, nodes[i].incarnation == inc else { return }
            feed(i, .value(height: h, round: r, blockHash: makeValue(by: i, height: h, round: r)))
        case .fetched(let i, let inc, let d):
            guard nodes[i].up, nodes[i].incarnation == inc, UInt64(nodes[i].chain.count) + 1 == d.height else { return }
            decide(i, height: d.height, hash: d.blockHash, cert: d.certificate)
            feed(i, start(d.height + 1))
        case .regossip(let i, let inc):
            guard nodes[i].up, nodes[i].incarnation == inc else { return }
            regossip(i)
            queue.push(.regossip(node: i, incarnation: inc), at: now + regossipMs)
        case .chaos:
            guard !healed else { return }
            chaos()
            queue.push(.chaos, at: now + rng.int(100...400))
        case .restart(let i):
            restart(i)
        case .heal:
            heal()
        }
    }

    private func deliver(_ m: NetMessage, from: Int, to: Int) {
        let core = nodes[to].driver.core
        if m.height < core.height, let cert = nodes[to].certificates[m.height] {
            // The sender lags: hand it the commit it is missing, at most once per height per 200 ms.
            let last = nodes[to].lastCatchUp[from]
            if last == nil || last!.height != m.height || now - last!.time >= 200 {
                nodes[to].lastCatchUp[from] = (m.height, now)
                send(.commit(cert), from: to, to: from)
            }
        }
        switch m {
        case .proposal(let p):
            feed(to, .proposal(p, isValid: !invalid.contains(p.blockHash)))
        case .vote(let v):
            feed(to, .vote(v))
        case .commit(let cert):
            guard cert.height == core.height, UInt64(nodes[to].chain.count) + 1 == cert.height else { return }
            // First as votes (exercising a decision without the proposal, line 49)...
            if core.step != .decided {
                for s in cert.signatures where nodes[to].driver.core.height == cert.height { feed(to, .vote(cert.vote(for: s))) }
            }
            // ...but a vote set holding an equivocator's other precommit may not count them all, and the driver
            // may be waiting to fetch the block: block sync brings it with its (verified) certificate, and the
            // shell commits it and starts the next height.
            if UInt64(nodes[to].chain.count) + 1 == cert.height, failure == nil {
                decide(to, height: cert.height, hash: cert.blockHash, cert: cert)
                feed(to, start(cert.height + 1))
            }
        case .status:
            break
        }
    }

    /// Our fake getValue(): a fresh block hash, sometimes one that everybody's valid() rejects.
    func makeValue(by i: Int, height: UInt64, round: Int32) -> Hash {
        valueCounter += 1
        let v = HashSuite.sha256.digest(Array("seed \(seed) value \(valueCounter) by \(i) at \(height)/\(round)".utf8))
        if rng.chance(scenario.invalidRate) { invalid.insert(v) }
        return v
    }

    /// Hands a node's runner an input: it steps the driver and carries out each `Ready` exactly as the node's
    /// does, with this simulation's I/O (`SimIO`).
    func feed(_ i: Int, _ input: DriverInput) {
        guard failure == nil, var runner = nodes[i].runner else { return }
        nodes[i].runner = nil  // the runner alone holds the driver while it steps (no copy on write)
        var io = SimIO(sim: self, node: i, incarnation: nodes[i].incarnation)
        runner.step(input, io: &io)
        nodes[i].runner = runner
    }

    func byzantineActive(_ i: Int) -> Bool { nodes[i].byzantine && !healed }

    /// A proposal on its way out: proposed (validity), and among its round's values.
    func noteProposed(_ p: Proposal) {
        proposed.insert(p.blockHash)
        let k = RoundKey(height: p.height, round: p.round)
        if !(roundProposals[k] ?? []).contains(p.blockHash) { roundProposals[k, default: []].append(p.blockHash) }
    }

    /// A signed message leaves honest node `i`: it must be the only one its key ever signed for that step.
    func sent(_ m: ConsensusMessage, by i: Int) {
        guard !nodes[i].byzantine, m.signer == index(of: i, at: m.height) else { return }
        let (step, value): (String, Hash?) = {
            switch m {
            case .proposal(let p): return ("proposal", p.blockHash)
            case .vote(let v): return (v.type.name, v.blockHash)
            }
        }()
        let k = SignedStep(key: keys[i], height: m.height, round: m.round, step: step)
        if let before = signedBy[k], before != value {
            fail("node \(i) (honest) signed two \(step)s for height \(m.height) round \(m.round): \(before?.short ?? "nil") and \(value?.short ?? "nil")")
        }
        signedBy[k] = value
    }

    /// Crashes honest node `i` (it restarts later from what it stored): between events, or inside carrying out
    /// a Ready, right after one of its I/O steps.
    func crash(_ i: Int) {
        nodes[i].up = false
        nodes[i].incarnation += 1
        queue.push(.restart(node: i), at: now + rng.int(100...1_500))
    }

    /// Maybe crashes node `i` here, in the middle of carrying out a Ready.
    func crashPoint(_ i: Int) {
        guard scenario.crashes, !healed, !nodes[i].byzantine, nodes[i].up, rng.chance(scenario.crashPointRate) else { return }
        crash(i)
    }

    func fakeSignature(_ i: Int, _ m: ConsensusMessage) -> [UInt8] {
        switch m {
        case .proposal(let p): return fakeSignature(i, p.blockHash)
        case .vote(let v): return fakeSignature(i, v.blockHash)
        }
    }

    private func fakeSignature(_ i: Int, _ hash: Hash?) -> [UInt8] { [UInt8(i)] + (hash.map { Array($0.bytes.prefix(3)) } ?? []) }

    func decide(_ i: Int, height h: UInt64, hash: Hash, cert: CommitCertificate) {
        guard UInt64(nodes[i].chain.count) + 1 == h else {
            fail("node \(i) decided height \(h) but its chain has \(nodes[i].chain.count) blocks")
            return
        }
        nodes[i].chain.append(hash)
        nodes[i].certificates[h] = cert
        if i == 0, scenario.reconfigure, let joiner = index(of: scenario.n, at: h), cert.signatures.contains(where: { $0.validator == joiner }) {
            joinerSigned += 1
        }
        guard !nodes[i].byzantine else { return }
        if cert.blockHash != hash || cert.height != h || UInt64(cert.signatures.count) < validators(at: h).quorum {
            fail("node \(i) decided with a bad certificate \(cert)")
        }
        if !proposed.contains(hash) { fail("validity: node \(i) decided \(hash.short) at height \(h), which no proposer proposed") }
        if invalid.contains(hash) { fail("validity: node \(i) decided the invalid value \(hash.short) at height \(h)") }
    }

    /// Agreement, after every event: no two honest nodes decided different blocks at one height.
    private func checkAgreement() {
        for i in honest {
            let chain = nodes[i].chain
            for (index, hash) in chain.enumerated().reversed() {
                let h = UInt64(index + 1)
                if let other = decided[h] {
                    if other != hash { fail("agreement: node \(i) decided \(hash.short) at height \(h), another honest node \(other.short)") }
                    break   // earlier heights were checked when they were first seen
                }
                decided[h] = hash
            }
        }
    }

    // MARK: Network

    private func linkCut(_ a: Int, _ b: Int) -> Bool { cut.contains(min(a, b) * nodes.count + max(a, b)) }

    func send(_ m: NetMessage, from: Int, to: Int) {
        guard from != to, !linkCut(from, to), !rng.chance(dropRate) else { return }
        queue.push(.deliver(from: from, to: to, m), at: now + rng.int(1...maxDelayMs))
        if rng.chance(scenario.duplicateRate) {
            queue.push(.deliver(from: from, to: to, m), at: now + rng.int(1...maxDelayMs * 3))
        }
    }

    func broadcast(_ m: NetMessage, from: Int) {
        for j in nodes.indices where j != from { send(m, from: from, to: j) }
    }

    /// Re-sends a node's own messages of its current height if it has made no progress since the last tick,
    /// standing in for the node's gossip (which repairs drops and partitions).
    private func regossip(_ i: Int) {
        let core = nodes[i].driver.core
        let progress = (core.height, core.round, core.step)
        defer { nodes[i].lastProgress = progress }
        guard progress == nodes[i].lastProgress else { return }
        broadcast(.status(height: core.height), from: i)
        // Our own messages of every round, and everybody's for the rounds that matter now: this round, the one
        // before, and the valid rounds of this round's proposals (the polka a locked node needs, line 28).
        // Relaying others' votes is what lets an equivocator's vote for v reach everyone (CometBFT gossips the
        // same way).
        let proposals = core.currentHeightProposals
        var relevant: Set<Int32> = [core.round, core.round - 1]
        for p in proposals where p.round == core.round && p.validRound >= 0 { relevant.insert(p.validRound) }
        let me = index(of: i, at: core.height)
        for p in proposals where p.proposer == me || relevant.contains(p.round) { broadcast(.proposal(p), from: i) }
        for v in core.currentHeightVotes where v.validator == me || relevant.contains(v.round) { broadcast(.vote(v), from: i) }
        if byzantineActive(i), let me {
            // Junk for rounds just ahead, trying to drag honest nodes into rounds nobody else is in.
            let r = core.round + Int32(rng.int(0...3))
            let junk = Vote(type: rng.chance(0.5) ? .prevote : .precommit, height: core.height, round: r,
                            blockHash: unknownBlock(), validator: me, signature: [UInt8(i), 0xBA, 0xD0])
            broadcast(.vote(junk), from: i)
        }
    }

    // MARK: Faults

    private func unknownBlock() -> Hash {
        valueCounter += 1
        return HashSuite.sha256.digest(Array("seed \(seed) unknown \(valueCounter)".utf8))
    }

    /// A byzantine proposer sends different proposals to different peers: the one it signed, another valid
    /// value, an invalid value, or a bogus valid round.
    func equivocate(_ p: Proposal, at i: Int) {
        let other = makeValue(by: i, height: p.height, round: p.round)
        let bad = unknownBlock()
        invalid.insert(bad)
        let variants = [p, Proposal(height: p.height, round: p.round, blockHash: other, validRound: -1, proposer: p.proposer),
                        Proposal(height: p.height, round: p.round, blockHash: bad, validRound: -1, proposer: p.proposer),
                        Proposal(height: p.height, round: p.round, blockHash: other, validRound: max(0, p.round - 1), proposer: p.proposer)]
        for v in variants { noteProposed(v) }
        for j in nodes.indices where j != i {
            var v = variants[rng.int(0...variants.count - 1)]
            v.signature = fakeSignature(i, v.blockHash)
            send(.proposal(v), from: i, to: j)
        }
    }

    /// A byzantine voter sends conflicting votes to different peers: the vote it signed, nil, an unknown block,
    /// or another proposed value of the round.
    func equivocate(_ v: Vote, at i: Int) {
        let roundValues = roundProposals[RoundKey(height: v.height, round: v.round)] ?? []
        let choices: [Hash?] = [v.blockHash, nil, unknownBlock()] + roundValues
        for j in nodes.indices where j != i {
            let value = choices[rng.int(0...choices.count - 1)]
            send(.vote(Vote(type: v.type, height: v.height, round: v.round, blockHash: value, validator: v.validator,
                            signature: fakeSignature(i, value))), from: i, to: j)
        }
    }

    private func chaos() {
        let n = nodes.count
        switch rng.int(0...9) {
        case 0...2 where scenario.partitions:
            let a = rng.int(0...n - 1), b = rng.int(0...n - 1)
            if a != b { cut.insert(min(a, b) * n + max(a, b)) }
        case 3 where scenario.partitions:
            let a = rng.int(0...n - 1)
            for b in 0..<n where b != a { cut.insert(min(a, b) * n + max(a, b)) }
        case 4...5 where scenario.partitions:
            cut.removeAll()
        case 6...7 where scenario.crashes:
            let candidates = honest.filter { nodes[$0].up }
            guard !candidates.isEmpty else { return }
            crash(candidates[rng.int(0...candidates.count - 1)])
        default:
            break
        }
    }

    /// A crashed node comes back with only what it stored: a fresh driver restarts from the record it last
    /// persisted, at the height after its chain, holding the blocks it stored with that record.
    private func restart(_ i: Int) {
        guard !nodes[i].up else { return }
        nodes[i].up = true
        nodes[i].runner = makeRunner(i)
        nodes[i].lastProgress = (0, 0, .decided)
        let h = UInt64(nodes[i].chain.count) + 1
        feed(i, .restart(nodes[i].stored, height: h, holding: nodes[i].storedBlocks, validators: heightValidators(h)))
        queue.push(.regossip(node: i, incarnation: nodes[i].incarnation), at: now + rng.int(1...regossipMs))
    }

    /// The network stabilises: links heal, drops stop, crashed honest nodes restart, byzantine nodes go silent.
    private func heal() {
        healed = true
        cut.removeAll()
        dropRate = 0
        for i in nodes.indices {
            if nodes[i].byzantine {
                nodes[i].up = false
                nodes[i].incarnation += 1
            } else if !nodes[i].up {
                restart(i)
            }
        }
        heightAtHeal = honest.map { UInt64(nodes[$0].chain.count) }.max() ?? 0
    }
}
