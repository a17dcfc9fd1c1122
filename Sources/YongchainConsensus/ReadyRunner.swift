import YongchainCore
import YongchainCrypto

/// Carries out the driver's `Ready`s in the contract's order — the one carry-out the node and the simulation both
/// use, each with its own I/O (`ReadyIO`). For each input:
///
/// a. persist the record (nothing leaves before it is stored), b. send, c. sign what the driver asks and hand the
/// signatures back (`ConsensusDriver.signed`), whose Ready is carried out the same way from a.; then, for the
/// input's Ready and each Ready its signatures produced, in order: d. schedule, request a value, judge, record
/// evidence and refusals, e. apply (or fetch).
///
/// No re-entry: a Ready is finished before the next input is stepped (raft's `Advance`). What carrying one out
/// produces — a judgement, the next height's start — and inputs handed in meanwhile wait in a queue and are
/// stepped after, in order. If the record cannot be persisted (a full disk), the runner holds the Ready and takes
/// no input until `resume` stores it.
public struct ReadyRunner: Sendable {
    /// The driver. Read-only for the shell, and only between calls.
    public private(set) var driver: ConsensusDriver
    /// Inputs waiting to be stepped, oldest first (from `head`).
    private var inputs: [DriverInput] = []
    private var head = 0
    /// The Readies of one input whose carrying out stopped at a failed persist (`at`), kept for `resume`.
    private var stuck: (chain: [Ready], at: Int)?
    /// Inputs kept while stuck; beyond this the newest are dropped, and that is the right end: what arrives late is
    /// mostly peers' votes and proposals, which they re-send every second (so the newest come again once the disk
    /// is back), while the oldest include what nobody repeats — this node's own timeouts and the block it built —
    /// and, replayed first, they keep the driver's inputs in order.
    public let maxQueued: Int
    /// Test hook: false carries out b. before a. (sends before persisting), the order the contract forbids, so a
    /// test can show the simulation catches it.
    var persistsBeforeSending = true

    public init(driver: ConsensusDriver, maxQueued: Int = 10_000) {
        self.driver = driver
        self.maxQueued = maxQueued
    }

    /// Whether a Ready waits for its record to be stored (`resume`).
    public var isStuck: Bool { stuck != nil }

    /// Inputs waiting.
    public var queued: Int { inputs.count - head }

    /// Steps `input` and every input it leads to, carrying out each Ready in full before the next; while stuck, or
    /// once `io` takes no input, it is kept (up to `maxQueued`) or dropped.
    public mutating func step<IO: ReadyIO>(_ input: DriverInput, io: inout IO) {
        guard io.acceptsInput else { return }
        guard queued < maxQueued else { return }
        inputs.append(input)
        drain(&io)
    }

    /// Tries the held Ready's persist again; on success finishes it and steps what waited.
    public mutating func resume<IO: ReadyIO>(io: inout IO) {
        guard let (chain, at) = stuck, io.acceptsInput else { return }
        stuck = nil
        carry(chain, from: at, &io)
        drain(&io)
    }

    private mutating func drain<IO: ReadyIO>(_ io: inout IO) {
        while stuck == nil, io.acceptsInput, head < inputs.count {
            let input = inputs[head]
            head += 1
            if head == inputs.count { inputs.removeAll(keepingCapacity: true); head = 0 }
            carry([driver.step(input)], from: 0, &io)
        }
        if !io.acceptsInput {
            inputs.removeAll()
            head = 0
        }
    }

    /// a.–c. for `chain[from...]` and the Readies their signatures produce, then d.–e. for all of them.
    private mutating func carry<IO: ReadyIO>(_ chain: [Ready], from: Int, _ io: inout IO) {
        var chain = chain
        var k = from
        while k < chain.count {
            let ready = chain[k]
            if persistsBeforeSending {
                if let record = ready.persist, !io.persist(record) {
                    stuck = (chain, k)
                    return
                }
                for m in ready.send { io.send(m) }
            } else {
                for m in ready.send { io.send(m) }
                if let record = ready.persist { _ = io.persist(record) }
            }
            if !ready.sign.isEmpty { chain.append(driver.signed(io.sign(ready.sign))) }
            k += 1
        }
        for ready in chain { finish(ready, &io) }
    }

    /// d. and e. of one Ready.
    private mutating func finish<IO: ReadyIO>(_ ready: Ready, _ io: inout IO) {
        for s in ready.schedule { io.schedule(s) }
        if let v = ready.requestValue, let built = io.requestValue(v) {
            inputs.append(.value(height: v.height, round: v.round, blockHash: built))
        }
        for p in ready.judge {
            if let valid = io.judge(p) { inputs.append(.proposal(p, isValid: valid)) }
        }
        for e in ready.evidence { io.record(e) }
        for r in ready.refused { io.refused(r) }
        if let d = ready.apply {
            if let next = io.apply(d) { inputs.append(next) }
        } else if let d = ready.fetch, let next = io.fetch(d) {
            inputs.append(next)
        }
    }
}
