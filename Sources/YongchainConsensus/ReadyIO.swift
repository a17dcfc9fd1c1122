import YongchainCore
import YongchainCrypto

/// What carrying out a `Ready` needs from the shell around the driver: its disk, network, key, timers and blocks —
/// the node's, or the simulation's. `ReadyRunner` calls these, in the contract's order, while it holds the driver:
/// they MUST NOT step the driver or read the runner (an input they produce is returned, and the runner queues it).
public protocol ReadyIO {
    /// Whether the shell takes inputs (false once it has stopped or halted, or, in the simulation, crashed): the
    /// runner then drops what is queued and steps nothing more.
    var acceptsInput: Bool { get }
    /// a. Store `record` durably (fsync) with the blocks it names (`SignerRecord.blocks`). False: it could not be
    /// stored; nothing of this Ready may leave the shell, and the runner holds it until `ReadyRunner.resume`.
    mutating func persist(_ record: SignerRecord) -> Bool
    /// b. Broadcast a signed message to every peer (a proposal with its block).
    mutating func send(_ message: ConsensusMessage)
    /// c. Sign each message's `signingBytes(chainID:)`, in order.
    mutating func sign(_ messages: [ConsensusMessage]) -> [[UInt8]]
    /// d. Deliver `.timeout(timer.timeout)` after `timer.afterMs`.
    mutating func schedule(_ timer: Ready.Scheduled)
    /// d. Build a block for (height, round) — the paper's getValue(). Returns its hash when built at once (the
    /// runner queues `.value`); nil when the shell answers with `.value` later.
    mutating func requestValue(_ request: Ready.ValueRequest) -> Hash?
    /// d. Judge a proposal of the height just started (the paper's valid(v)); nil when the shell does not hold its
    /// block. The runner queues `.proposal(proposal, isValid:)`.
    mutating func judge(_ proposal: Proposal) -> Bool?
    /// d. What a validator signed twice, for the record.
    mutating func record(_ evidence: Ready.Evidence)
    /// d. What the driver would not sign, for the log.
    mutating func refused(_ refusal: Ready.Refusal)
    /// e. Commit the decided block (the shell holds it) with its certificate. Returns the next input —
    /// `.startHeight(height + 1, …)` with what the state just committed says — or nil when the block was not
    /// committed now (the shell then feeds that input itself, later).
    mutating func apply(_ decision: Ready.Decision) -> DriverInput?
    /// e. The driver decided a block the shell never handed it: fetch it and commit it. Returns the next input as
    /// `apply` does when that happened at once; nil when the shell feeds `.startHeight` itself once it has.
    mutating func fetch(_ decision: Ready.Decision) -> DriverInput?
}
