import YongchainCore
import YongchainCrypto

/// Runs consensus for one validator (or observer) with no I/O: it owns the `TendermintCore`, the `SignerGuard`,
/// the record a restart resumes from, the next height's proposals and the blocks still to fetch. Every input
/// returns one `Ready` saying what to persist, sign, send, schedule, build, judge, apply and fetch (etcd raft's
/// `RawNode`: `Step` → `Ready` → persist, send, apply → `Advance`). The node runs it, and so does the simulation.
///
/// `ReadyRunner` does what the caller MUST (the node and the simulation both run it):
/// 1. Boot with `step(.restart(storedRecord, height: lastCommitted + 1, holding:))` before any other input.
/// 2. Carry out every `Ready` in this order, finishing it before the next input is stepped:
///    a. `persist`: store it durably, with the blocks it names (`SignerRecord.blocks`, which a restart needs to
///       propose and send again). Nothing of this Ready may leave before that succeeds; if it fails, send
///       nothing and stop (a validator that cannot persist must not sign).
///    b. `send`: broadcast to every peer.
///    c. `sign`: sign each message (`signingBytes(chainID:)`) and call `signed(_:)` with the signatures in order,
///       before any other input; carry out the Ready it returns the same way (from a.).
///    d. `schedule`, `requestValue` (answer with `.value`), `judge` (answer with `.proposal`), `evidence`.
///    e. `apply` (or `fetch`, then apply): commit the block with the certificate, then `step(.startHeight(h+1))`
///       — as after committing a block caught up by block sync.
/// 3. Hand it, from one thread at a time, every verified message received, every timeout, every built value.
///
/// So a signature leaves only after the record holding it is on disk: the guard then refuses, even after a
/// crash, to sign anything else for that (height, round, step).
public struct ConsensusDriver: Sendable {
    /// The algorithm. Read-only for the shell: height, round and step for status, and the messages of the
    /// current height for re-gossip (`currentHeightVotes`, `currentHeightProposals`).
    public private(set) var core: TendermintCore
    /// The record as last handed over in `Ready.persist` (or restored): exactly what the shell has stored.
    public private(set) var record = SignerRecord()
    /// Test hook: a restart feeds the validator's own restored proposals back to its core. Off, a proposer that
    /// crashed after proposing loses that round (`ConsensusDriverTests` shows it; the simulation's invariants do
    /// not, as a later round still decides).
    var feedsRestoredProposals = true

    private var guardState = SignerGuard()
    /// Handed out in `Ready.sign`, waiting for `signed(_:)`.
    private var awaitingSignature: [ConsensusMessage] = []
    /// Blocks of the current height the shell holds: those of the proposals it fed that the core kept, and of
    /// its own values.
    private var held = Set<Hash>()
    /// Proposals for the next height, at most `limits.maxBufferedPerValidator` per proposer.
    private var nextHeightProposals: [Proposal] = []
    private var pendingFetch: Ready.Decision?
    private var booted = false

    /// Whose validator this driver is (nil: an observer). Its index is looked up in each height's set, so a node
    /// joins, leaves and returns to the set as governance decides.
    public let identity: PublicKey?

    public init(validators: ValidatorSet, me: Int?, timeouts: TimeoutParameters, limits: ConsensusLimits = .default) {
        core = TendermintCore(validators: validators, me: me, timeouts: timeouts, limits: limits)
        identity = me.map { validators[$0].publicKey }
    }

    /// A driver for the holder of `identity` (nil: an observer), whatever set it is in at each height.
    public init(identity: PublicKey?, validators: ValidatorSet, timeouts: TimeoutParameters, limits: ConsensusLimits = .default) {
        core = TendermintCore(validators: validators, me: identity.flatMap { validators.index(of: $0) }, timeouts: timeouts, limits: limits)
        self.identity = identity
    }

    /// Our index in the set of the current height, nil when we do not sign it.
    public var me: Int? { core.me }

    /// Sets the core's validators for the height about to begin.
    private mutating func reconfigure(_ sets: HeightValidators?) {
        let current = sets?.current ?? core.nextValidators
        let next = sets?.next ?? current
        guard current != core.validators || next != core.nextValidators else { return }
        core.reconfigure(validators: current, next: next, me: identity.flatMap { current.index(of: $0) })
    }

    /// Processes one input. See the type's comment for what the caller MUST do with the result.
    public mutating func step(_ input: DriverInput) -> Ready {
        precondition(awaitingSignature.isEmpty, "the signatures of Ready.sign must be handed back with signed(_:) before the next input")
        if case .restart = input {} else { precondition(booted, "the first input must be .restart") }
        var ready = Ready()
        switch input {
        case .restart(let stored, let h, let holding, let sets):
            reconfigure(sets)
            restart(stored ?? SignerRecord(), height: h, holding: holding, &ready)
        case .startHeight(let h, let sets, let timeouts):
            if let timeouts { core.timeouts = timeouts }
            reconfigure(sets)
            held = []
            pendingFetch = nil
            carry(core.handle(.startHeight(h)), &ready)
            ready.judge = nextHeightProposals.filter { $0.height == h }
            nextHeightProposals = []
        case .proposal(let p, let isValid):
            receive(p, isValid: isValid, &ready)
        case .vote(let v):
            carry(core.handle(.vote(v)), &ready)
        case .timeout(let t):
            carry(core.handle(.timeout(t)), &ready)
        case .value(let h, let r, let hash):
            if core.awaitingValue && core.height == h && core.round == r { held.insert(hash) }
            carry(core.handle(.proposalValue(height: h, round: r, blockHash: hash)), &ready)
        }
        return finish(ready)
    }

    /// The signatures of the last `Ready.sign`, in its order. Records them in the guard, hands over the record to
    /// persist and the signed messages to send, and feeds the messages back to the core (which counts its own
    /// messages only once they come back), which may ask for more signatures.
    public mutating func signed(_ signatures: [[UInt8]]) -> Ready {
        precondition(signatures.count == awaitingSignature.count, "signed(_:) needs one signature per message of Ready.sign")
        let messages = zip(awaitingSignature, signatures).map { m, signature in
            guardState.record(m.guardMessage, signature: signature)
            return m.signed(signature)
        }
        awaitingSignature = []
        record = SignerRecord(guardState: guardState, height: core.height,
                              locked: core.lockedValue.map { .init(value: $0, round: core.lockedRound) },
                              valid: core.validValue.map { .init(value: $0, round: core.validRound) },
                              justification: core.justification)
        var ready = Ready()
        ready.persist = record
        ready.send = messages
        for m in messages { carry(core.handle(Self.ownInput(m)), &ready) }
        return finish(ready)
    }

    // MARK: Inputs

    private mutating func receive(_ p: Proposal, isValid: Bool, _ ready: inout Ready) {
        if p.height == core.height + 1 {
            // Its parent is not committed yet, so the shell could not judge it: ask again at startHeight.
            let kept = nextHeightProposals.filter { $0.proposer == p.proposer }.count
            if kept < core.limits.maxBufferedPerValidator && !nextHeightProposals.contains(p) { nextHeightProposals.append(p) }
            return
        }
        carry(core.handle(.proposal(p, isValid: isValid)), &ready)
        if core.holds(p) { held.insert(p.blockHash) }
        if let d = pendingFetch, d.height == p.height, d.blockHash == p.blockHash {
            pendingFetch = nil
            ready.apply = d
        }
    }

    /// A fresh core resumes where the record says this validator last signed, then gets back what it signed at
    /// that height and the votes that justify its round and valid value; all of them are sent again, since they
    /// may be the only copies left (the guard refuses to sign those steps anew).
    private mutating func restart(_ stored: SignerRecord, height h: UInt64, holding: Set<Hash>, _ ready: inout Ready) {
        precondition(!booted, ".restart is the first input, and only once")
        booted = true
        guardState = stored.guardState
        record = stored
        held = holding
        guard let me = core.me, let last = stored.lastSignedHere, stored.height == h else {
            carry(core.handle(.startHeight(h)), &ready)
            return
        }
        var out: [ConsensusOutput] = []
        core.resume(height: h, round: last.round, signed: last.step, locked: stored.locked, valid: stored.valid,
                    entry: stored.justification, &out)
        carry(out, &ready)
        for p in guardState.restoredProposals(proposer: me) where p.height == h {
            if feedsRestoredProposals { carry(core.handle(.proposal(p, isValid: true)), &ready) }
            if holding.contains(p.blockHash) { ready.send.append(.proposal(p)) }
        }
        for v in guardState.restoredVotes(validator: me) + stored.justification where v.height == h {
            carry(core.handle(.vote(v)), &ready)
            ready.send.append(.vote(v))
        }
    }

    // MARK: Outputs

    /// Turns the core's outputs into the Ready, asking the guard about everything to sign. A message signed
    /// before (the guard's `.resend`) goes straight to `send` and back into the core, which may produce more.
    private mutating func carry(_ outputs: [ConsensusOutput], _ ready: inout Ready) {
        var outputs = outputs
        while true {
            var loopBack: [ConsensusInput] = []
            for o in outputs {
                switch o {
                case .broadcastProposal(let p):
                    guard held.contains(p.blockHash) else {
                        ready.refused.append(.init(message: .proposal(p), reason: "the shell does not hold block \(p.blockHash.short)"))
                        continue
                    }
                    requestSignature(.proposal(p), &ready, &loopBack)
                case .broadcastVote(let v):
                    requestSignature(.vote(v), &ready, &loopBack)
                case .scheduleTimeout(let t, let ms):
                    ready.schedule.append(.init(timeout: t, afterMs: ms))
                case .requestValue(let h, let r):
                    ready.requestValue = .init(height: h, round: r)
                case .decide(let h, let r, let hash, let certificate):
                    let d = Ready.Decision(height: h, round: r, blockHash: hash, certificate: certificate)
                    if held.contains(hash) { ready.apply = d } else { ready.fetch = d; pendingFetch = d }
                case .evidence(let a, let b):
                    ready.evidence.append(.votes(a, b))
                case .conflictingProposals(let a, let b):
                    ready.evidence.append(.proposals(a, b))
                }
            }
            guard !loopBack.isEmpty else { return }
            outputs = loopBack.flatMap { core.handle($0) }
        }
    }

    private mutating func requestSignature(_ m: ConsensusMessage, _ ready: inout Ready, _ loopBack: inout [ConsensusInput]) {
        // The core asks in (round, step) order; a request not after one still unsigned would be a second message
        // for a step, which the guard cannot see yet.
        if let pending = awaitingSignature.last, !m.guardMessage.isAfter(pending.guardMessage) {
            ready.refused.append(.init(message: m, reason: "not after \(pending), which is waiting for its signature"))
            return
        }
        switch guardState.check(m.guardMessage) {
        case .sign:
            awaitingSignature.append(m)
            ready.sign.append(m)
        case .resend(let signature):
            let signed = m.signed(signature)
            ready.send.append(signed)
            loopBack.append(Self.ownInput(signed))
        case .refuse(let reason):
            ready.refused.append(.init(message: m, reason: reason))
        }
    }

    /// A value request the core has moved past within the same input (a round skip, or a restored proposal) is
    /// dropped.
    private func finish(_ ready: Ready) -> Ready {
        var ready = ready
        if let r = ready.requestValue,
           !(core.awaitingValue && core.step == .propose && core.height == r.height && core.round == r.round) {
            ready.requestValue = nil
        }
        return ready
    }

    /// Our own signed message, fed back: we judged our own proposal valid when we built or received its block.
    private static func ownInput(_ m: ConsensusMessage) -> ConsensusInput {
        switch m {
        case .proposal(let p): return .proposal(p, isValid: true)
        case .vote(let v): return .vote(v)
        }
    }
}
