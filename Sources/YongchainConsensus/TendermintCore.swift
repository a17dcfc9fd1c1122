import YongchainCore
import YongchainCrypto

/// Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic, arXiv:1807.04938) as a pure
/// state machine: `handle(_:)` takes one input and returns the directives the shell must carry out, in order.
/// No clocks, sockets, disk, randomness or signatures inside; docs/consensus.md maps the paper's lines to code.
///
/// Values are block hashes: the paper's v is the block, id(v) its hash, and valid(v) the shell's judgement that
/// comes with each proposal.
public struct TendermintCore: Sendable {
    /// The set that signs the current height (`reconfigure` changes it between heights).
    public private(set) var validators: ValidatorSet
    /// The set that signs the next height: it bounds the messages kept for it.
    public private(set) var nextValidators: ValidatorSet
    /// Our validator index in `validators`; nil for an observer, which follows the protocol but never proposes or
    /// votes.
    public private(set) var me: Int?
    /// The timeouts of the rounds to come (`.startHeight(_:validators:timeouts:)` changes them between heights).
    public internal(set) var timeouts: TimeoutParameters
    public let limits: ConsensusLimits

    // The paper's per-process variables (lines 2-9).
    public internal(set) var height: UInt64 = 0
    public internal(set) var round: Int32 = 0
    public internal(set) var step: Step = .decided
    public internal(set) var lockedValue: Hash?
    public internal(set) var lockedRound: Int32 = -1
    public internal(set) var validValue: Hash?
    public internal(set) var validRound: Int32 = -1
    /// The decision of the current height, once made.
    public internal(set) var decision: (round: Int32, blockHash: Hash)?

    // The message log of the current height.
    var rounds: [Int32: RoundMessages] = [:]
    /// valid(v) as the shell judged it, by block hash.
    var validity: [Hash: Bool] = [:]
    /// Highest round each validator sent anything for at this height (the round skip, line 55).
    var highestRound: [Int32]
    /// Each validator's vote with the highest round at this height: what a round skip (line 55) keeps as its reason.
    var highestVote: [Vote?]
    /// The signed votes that took us into the current round (part of `justification`).
    var roundEntry: [Vote] = []
    var nextHeightBuffer: [BufferedMessage] = []
    var bufferedPerSender: [Int]

    // "For the first time" guards of the current round (lines 34, 36, 47) and the pending getValue().
    var prevoteTimeoutScheduled = false
    var polkaHandled = false
    var precommitTimeoutScheduled = false
    var awaitingValue = false

    /// Starts idle at height 0 (genesis counts as decided); the shell then calls `.startHeight(lastCommitted + 1)`.
    public init(validators: ValidatorSet, me: Int?, timeouts: TimeoutParameters, limits: ConsensusLimits = .default) {
        precondition(me.map { $0 >= 0 && $0 < validators.count } ?? true, "our validator index is not in the validator set")
        self.validators = validators
        self.nextValidators = validators
        self.me = me
        self.timeouts = timeouts
        self.limits = limits
        self.highestRound = Array(repeating: -1, count: validators.count)
        self.highestVote = Array(repeating: nil, count: validators.count)
        self.bufferedPerSender = Array(repeating: 0, count: validators.count)
    }

    /// Sets who signs the height the next `.startHeight` begins, and the height after it (docs/governance.md: a
    /// change decided in block H signs from H+2, so the shell knows both sets from its committed state). The
    /// driver calls it only between heights, right before `.startHeight` (or `resume`) in the same step. Messages
    /// kept for the next height were bounded by `nextValidators`, which the `validators` given here equals;
    /// `beginHeight` drops any sender outside it.
    mutating func reconfigure(validators: ValidatorSet, next: ValidatorSet, me: Int?) {
        precondition(me.map { $0 >= 0 && $0 < validators.count } ?? true, "our validator index is not in the validator set")
        self.validators = validators
        self.nextValidators = next
        self.me = me
    }

    /// Processes one input and returns what the shell must do, in order. Never throws: anything unusable (old
    /// height, far-future round, wrong proposer, unknown validator) is dropped.
    public mutating func handle(_ input: ConsensusInput) -> [ConsensusOutput] {
        var out: [ConsensusOutput] = []
        switch input {
        case .startHeight(let h):
            startHeight(h, &out)
        case .proposal(let p, let isValid):
            receiveProposal(p, isValid: isValid, &out)
        case .vote(let v):
            receiveVote(v, &out)
        case .proposalValue(let h, let r, let hash):
            receiveValue(height: h, round: r, blockHash: hash, &out)
        case .timeout(let t):
            receiveTimeout(t, &out)
        }
        return out
    }

    // MARK: Snapshot for re-gossip

    /// Every vote held for the current height, by round, type (prevotes first) and validator.
    public var currentHeightVotes: [Vote] {
        rounds.keys.sorted().flatMap { r in rounds[r]!.prevotes.votes + rounds[r]!.precommits.votes }
    }

    /// Every proposal held for the current height, by round.
    public var currentHeightProposals: [Proposal] {
        rounds.keys.sorted().flatMap { rounds[$0]!.proposals }
    }

    /// The votes of one type held for `round` of the current height.
    public func voteSet(round: Int32, type: VoteType) -> VoteSet? { rounds[round]?[type] }

    /// Messages waiting for the next height.
    public var bufferedMessageCount: Int { nextHeightBuffer.count }

    /// Other validators' signed votes that justify where this validator is, which a restarted validator needs
    /// and may be the only one left to hold (`SignerRecord.justification`):
    /// - the votes that took it into its current round: the 2f+1 precommits of the round before (line 65's
    ///   timeout), or the highest votes of the f+1 validators that were ahead (line 55; a sender whose message of
    ///   that round was only a proposal is missing, but a round's proposer normally prevotes in it too);
    /// - the 2f+1 prevotes for validValue in validRound: without them nobody accepts its re-proposal (line 28).
    /// Our own votes are left out: the `SignerGuard` keeps those.
    public var justification: [Vote] {
        var votes = roundEntry.filter { $0.validator != me }
        if let v = validValue, let polka = rounds[validRound]?.prevotes.votes {
            let known = Set(votes)
            votes += polka.filter { $0.blockHash == v && $0.validator != me && !known.contains($0) }
        }
        return votes
    }

    /// Whether `p` is among the proposals kept for the current height.
    func holds(_ p: Proposal) -> Bool {
        p.height == height && rounds[p.round]?.proposals.contains { $0.blockHash == p.blockHash && $0.validRound == p.validRound } == true
    }

    // MARK: Intake

    private mutating func startHeight(_ h: UInt64, _ out: inout [ConsensusOutput]) {
        let replay = beginHeight(h)
        startRound(0, &out)
        for m in replay {
            switch m {
            case .proposal(let p, let isValid): receiveProposal(p, isValid: isValid, &out)
            case .vote(let v): receiveVote(v, &out)
            }
        }
        evaluate(&out)
    }

    /// Line 10's reset for height `h` (locks, valid value, message log); returns the buffered messages of `h`.
    mutating func beginHeight(_ h: UInt64) -> [BufferedMessage] {
        precondition(h > height, "startHeight(\(h)) must be above the current height \(height)")
        height = h
        lockedValue = nil
        lockedRound = -1
        validValue = nil
        validRound = -1
        decision = nil
        rounds = [:]
        validity = [:]
        highestRound = Array(repeating: -1, count: validators.count)
        highestVote = Array(repeating: nil, count: validators.count)
        roundEntry = []
        let replay = nextHeightBuffer.filter { $0.height == h && $0.sender < validators.count }
        nextHeightBuffer = []
        bufferedPerSender = Array(repeating: 0, count: nextValidators.count)
        return replay
    }

    /// Keeps a next-height message, at most `maxBufferedPerValidator` per sender.
    private mutating func buffer(_ m: BufferedMessage) {
        guard m.sender < bufferedPerSender.count, bufferedPerSender[m.sender] < limits.maxBufferedPerValidator else { return }
        bufferedPerSender[m.sender] += 1
        nextHeightBuffer.append(m)
    }

    /// Common checks for a message of the current height; notes the sender's round for the round skip.
    /// Returns false if the message is not to be stored.
    private mutating func admit(sender: Int, round r: Int32, _ out: inout [ConsensusOutput]) -> Bool {
        guard r >= 0 else { return false }
        if r > highestRound[sender] {
            highestRound[sender] = r
            skipRoundIfBehind(&out)
        }
        return r <= round + limits.maxRoundsAhead
    }

    private mutating func receiveProposal(_ p: Proposal, isValid: Bool, _ out: inout [ConsensusOutput]) {
        guard p.proposer >= 0, p.round >= 0, p.validRound >= -1 else { return }
        if p.height == height + 1 { buffer(.proposal(p, isValid: isValid)); return }
        guard p.height == height, height > 0, p.proposer < validators.count else { return }
        // Only proposer(h, r) may propose (lines 22, 28, 36, 49).
        guard p.proposer == validators.proposer(height: height, round: p.round) else { return }
        guard admit(sender: p.proposer, round: p.round, &out) else { return }
        var rm = rounds[p.round] ?? RoundMessages(height: height, round: p.round)
        if rm.proposals.contains(where: { $0.blockHash == p.blockHash && $0.validRound == p.validRound }) {
            return
        }
        if let first = rm.proposals.first, !rm.proposalEquivocationReported {
            rm.proposalEquivocationReported = true
            out.append(.conflictingProposals(first, p))
        }
        let supported = max(rm.prevotes.power(for: p.blockHash), rm.precommits.power(for: p.blockHash)) >= validators.oneThirdPlus
        guard rm.proposals.count < limits.maxProposalsPerRound || supported else { rounds[p.round] = rm; return }
        rm.proposals.append(p)
        rounds[p.round] = rm
        if validity[p.blockHash] == nil { validity[p.blockHash] = isValid }
        evaluate(&out)
    }

    private mutating func receiveVote(_ v: Vote, _ out: inout [ConsensusOutput]) {
        guard v.validator >= 0, v.round >= 0 else { return }
        if v.height == height + 1 { buffer(.vote(v)); return }
        guard v.height == height, height > 0, v.validator < validators.count else { return }
        if v.round > (highestVote[v.validator]?.round ?? -1) { highestVote[v.validator] = v }
        guard admit(sender: v.validator, round: v.round, &out) else { return }
        var rm = rounds[v.round] ?? RoundMessages(height: height, round: v.round)
        switch rm[v.type].add(v, power: validators[v.validator].power, conflictThreshold: validators.oneThirdPlus) {
        case .duplicate:
            return
        case .conflict(let existing, let counted):
            if rm[v.type].noteEquivocation(v.validator) { out.append(.evidence(existing, v)) }
            rounds[v.round] = rm
            guard counted else { return }
        case .added:
            rounds[v.round] = rm
        }
        if v.type == .precommit, let hash = v.blockHash { decideIfCommitted(round: v.round, blockHash: hash, &out) }
        evaluate(&out)
    }

    private mutating func receiveValue(height h: UInt64, round r: Int32, blockHash: Hash, _ out: inout [ConsensusOutput]) {
        guard awaitingValue, h == height, r == round, step == .propose else { return }
        awaitingValue = false
        proposeValue(blockHash, &out)
    }

    private mutating func receiveTimeout(_ t: Timeout, _ out: inout [ConsensusOutput]) {
        switch t.kind {
        case .propose: onTimeoutPropose(height: t.height, round: t.round, &out)
        case .prevote: onTimeoutPrevote(height: t.height, round: t.round, &out)
        case .precommit: onTimeoutPrecommit(height: t.height, round: t.round, &out)
        }
        evaluate(&out)
    }
}
