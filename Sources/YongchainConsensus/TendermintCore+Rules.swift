import YongchainCore
import YongchainCrypto

// The paper's Algorithm 1, rule by rule. Line numbers refer to arXiv:1807.04938v3, Algorithm 1.
extension TendermintCore {
    var quorum: UInt64 { validators.quorum }           // 2f+1 by power
    var oneThird: UInt64 { validators.oneThirdPlus }   // f+1 by power
    var running: Bool { height > 0 && step != .decided }

    /// Lines 11-21, StartRound(round): enter `r` at step propose. Our round: propose validValue with validRound
    /// if we have one (lines 15-16), else ask the shell for a value (line 18, answered by `.proposalValue`).
    /// Then schedule OnTimeoutPropose (line 21).
    ///
    /// Deviation, as in CometBFT: the proposer schedules timeoutPropose too. In the paper its own proposal
    /// always reaches it; here the shell may fail to build a block, or its SignerGuard may refuse the proposal
    /// after a crash (it had already signed this round's prevote), and a proposer waiting in step propose forever
    /// can stall a network with no spare validators. Once its proposal comes back it is in step prevote and the
    /// timeout does nothing.
    mutating func startRound(_ r: Int32, _ out: inout [ConsensusOutput]) {
        round = r                                   // line 12
        step = .propose                             // line 13
        prevoteTimeoutScheduled = false
        polkaHandled = false
        precommitTimeoutScheduled = false
        awaitingValue = false
        if let me, validators.proposer(height: height, round: r) == me {   // line 14
            if let validValue {                     // lines 15-16
                proposeValue(validValue, &out)
            } else {                                // line 18
                awaitingValue = true
                out.append(.requestValue(height: height, round: r))
            }
        }
        schedule(.propose, &out)                    // line 21
    }

    /// Line 19: broadcast ⟨PROPOSAL, h, round, proposal, validRound⟩.
    mutating func proposeValue(_ value: Hash, _ out: inout [ConsensusOutput]) {
        guard let me else { return }
        out.append(.broadcastProposal(Proposal(height: height, round: round, blockHash: value, validRound: validRound, proposer: me)))
    }

    /// Applies every rule whose condition holds until none does. The paper's "upon" rules fire whenever their
    /// condition becomes true; conditions depend on the message log and on step/round, so after any change all
    /// are re-checked. Every rule changes step or sets a once-flag, so this terminates.
    mutating func evaluate(_ out: inout [ConsensusOutput]) {
        while running {
            if uponProposalInPropose(&out) { continue }
            if uponProposalWithPolkaInPropose(&out) { continue }
            if uponAnyPrevoteQuorum(&out) { continue }
            if uponPolkaForProposal(&out) { continue }
            if uponNilPolka(&out) { continue }
            if uponAnyPrecommitQuorum(&out) { continue }
            break
        }
    }

    /// Lines 22-27: upon ⟨PROPOSAL, h, round, v, −1⟩ from proposer(h, round) while step = propose:
    /// prevote id(v) if valid(v) ∧ (lockedRound = −1 ∨ lockedValue = v), else nil; step ← prevote.
    mutating func uponProposalInPropose(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .propose, let p = rounds[round]?.proposals.first(where: { $0.validRound == -1 }) else { return false }
        let v = p.blockHash
        if isValid(v) && (lockedRound == -1 || lockedValue == v) {   // line 23
            vote(.prevote, v, &out)                                    // line 24
        } else {
            vote(.prevote, nil, &out)                                  // line 26
        }
        step = .prevote                                                // line 27
        return true
    }

    /// Lines 28-33: upon ⟨PROPOSAL, h, round, v, vr⟩ from proposer(h, round) AND 2f+1 ⟨PREVOTE, h, vr, id(v)⟩
    /// while step = propose ∧ 0 ≤ vr < round: prevote id(v) if valid(v) ∧ (lockedRound ≤ vr ∨ lockedValue = v),
    /// else nil; step ← prevote.
    mutating func uponProposalWithPolkaInPropose(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .propose, let proposals = rounds[round]?.proposals else { return false }
        let found = proposals.first { p in
            p.validRound >= 0 && p.validRound < round
                && (rounds[p.validRound]?.prevotes.power(for: p.blockHash) ?? 0) >= quorum
        }
        guard let p = found else { return false }
        let v = p.blockHash
        if isValid(v) && (lockedRound <= p.validRound || lockedValue == v) {   // line 29
            vote(.prevote, v, &out)                                              // line 30
        } else {
            vote(.prevote, nil, &out)                                            // line 32
        }
        step = .prevote                                                          // line 33
        return true
    }

    /// Lines 34-35: upon 2f+1 ⟨PREVOTE, h, round, ∗⟩ while step = prevote for the first time:
    /// schedule OnTimeoutPrevote(h, round) after timeoutPrevote(round).
    mutating func uponAnyPrevoteQuorum(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, !prevoteTimeoutScheduled,
              (rounds[round]?.prevotes.totalPower ?? 0) >= quorum else { return false }
        prevoteTimeoutScheduled = true
        schedule(.prevote, &out)
        return true
    }

    /// Lines 36-43: upon ⟨PROPOSAL, h, round, v, ∗⟩ from proposer(h, round) AND 2f+1 ⟨PREVOTE, h, round, id(v)⟩
    /// while valid(v) ∧ step ≥ prevote for the first time: if step = prevote, lock on v, precommit id(v) and
    /// step ← precommit (lines 37-41); in any case validValue ← v, validRound ← round (lines 42-43).
    mutating func uponPolkaForProposal(_ out: inout [ConsensusOutput]) -> Bool {
        guard !polkaHandled, step == .prevote || step == .precommit, let rm = rounds[round] else { return false }
        guard let p = rm.proposals.first(where: { isValid($0.blockHash) && rm.prevotes.power(for: $0.blockHash) >= quorum })
        else { return false }
        polkaHandled = true
        let v = p.blockHash
        if step == .prevote {              // line 37
            lockedValue = v                // line 38
            lockedRound = round            // line 39
            vote(.precommit, v, &out)      // line 40
            step = .precommit              // line 41
        }
        validValue = v                     // line 42
        validRound = round                 // line 43
        return true
    }

    /// Lines 44-46: upon 2f+1 ⟨PREVOTE, h, round, nil⟩ while step = prevote: precommit nil; step ← precommit.
    mutating func uponNilPolka(_ out: inout [ConsensusOutput]) -> Bool {
        guard step == .prevote, (rounds[round]?.prevotes.power(for: nil) ?? 0) >= quorum else { return false }
        vote(.precommit, nil, &out)        // line 45
        step = .precommit                  // line 46
        return true
    }

    /// Lines 47-48: upon 2f+1 ⟨PRECOMMIT, h, round, ∗⟩ for the first time: schedule OnTimeoutPrecommit(h, round)
    /// after timeoutPrecommit(round).
    mutating func uponAnyPrecommitQuorum(_ out: inout [ConsensusOutput]) -> Bool {
        guard !precommitTimeoutScheduled, (rounds[round]?.precommits.totalPower ?? 0) >= quorum else { return false }
        precommitTimeoutScheduled = true
        schedule(.precommit, &out)
        return true
    }

    /// Lines 49-54: upon 2f+1 ⟨PRECOMMIT, h, r, id(v)⟩ (any round r) while decision[h] = nil: decide v.
    /// Called whenever a precommit for `blockHash` in round `r` is added.
    ///
    /// Deviation, as in CometBFT: the paper also requires ⟨PROPOSAL, h, r, v, ∗⟩ and valid(v) (line 50). We decide
    /// without the proposal: 2f+1 precommits mean at least f+1 correct validators judged v valid, and the shell
    /// fetches the block. If we did see v and judged it invalid we do not decide (the shell's valid() must be
    /// deterministic, so that means more than f validators are faulty). Instead of line 52-54's h ← h+1 and
    /// StartRound(0) we stop at step `decided`; the shell commits the block and calls `.startHeight(h+1)`,
    /// which resets the locked and valid values and the message log (line 53).
    mutating func decideIfCommitted(round r: Int32, blockHash v: Hash, _ out: inout [ConsensusOutput]) {
        guard running, decision == nil, let precommits = rounds[r]?.precommits,
              precommits.power(for: v) >= quorum, validity[v] != false else { return }
        decision = (r, v)                                                                // line 51
        step = .decided
        let signatures = precommits.votes.filter { $0.blockHash == v }
            .map { CommitCertificate.Signature(validator: $0.validator, signature: $0.signature) }
        out.append(.decide(height: height, round: r, blockHash: v,
                           commit: CommitCertificate(height: height, round: r, blockHash: v, signatures: signatures)))
    }

    /// Lines 55-56: upon f+1 ⟨∗, h, round, ∗, ∗⟩ with round > round_p: StartRound(round).
    ///
    /// Counted per validator by the highest round it sent anything for, so that messages beyond the stored
    /// window (`ConsensusLimits.maxRoundsAhead`) still count: we skip to the highest round R such that validators
    /// with f+1 power have each sent a message for a round ≥ R. When f+1 sent messages for exactly one round this
    /// is the paper's rule; otherwise it still only moves to a round that a correct validator has reached.
    mutating func skipRoundIfBehind(_ out: inout [ConsensusOutput]) {
        guard running else { return }
        let ranked = highestRound.indices.filter { highestRound[$0] > round }.sorted { highestRound[$0] > highestRound[$1] }
        var power: UInt64 = 0
        for (k, i) in ranked.enumerated() {
            power += validators[i].power
            if power >= oneThird {
                let target = highestRound[i]
                roundEntry = ranked[...k].compactMap { highestVote[$0] }.filter { $0.round >= target }
                startRound(target, &out)
                evaluate(&out)
                return
            }
        }
    }

    /// Lines 57-60: OnTimeoutPropose(height, round): if still at (height, round) in step propose, prevote nil
    /// and step ← prevote.
    mutating func onTimeoutPropose(height h: UInt64, round r: Int32, _ out: inout [ConsensusOutput]) {
        guard running, h == height, r == round, step == .propose else { return }
        vote(.prevote, nil, &out)
        step = .prevote
    }

    /// Lines 61-64: OnTimeoutPrevote(height, round): if still at (height, round) in step prevote, precommit nil
    /// and step ← precommit.
    mutating func onTimeoutPrevote(height h: UInt64, round r: Int32, _ out: inout [ConsensusOutput]) {
        guard running, h == height, r == round, step == .prevote else { return }
        vote(.precommit, nil, &out)
        step = .precommit
    }

    /// Lines 65-67: OnTimeoutPrecommit(height, round): if still at (height, round), StartRound(round + 1).
    mutating func onTimeoutPrecommit(height h: UInt64, round r: Int32, _ out: inout [ConsensusOutput]) {
        guard running, h == height, r == round, round < Int32.max else { return }
        roundEntry = rounds[round]?.precommits.votes ?? []
        startRound(round + 1, &out)
    }

    // MARK: Helpers

    /// valid(v) as judged by the shell when v was proposed; unknown counts as not valid.
    func isValid(_ v: Hash) -> Bool { validity[v] == true }

    /// The paper's broadcast of our vote; an observer only moves its step.
    func vote(_ type: VoteType, _ value: Hash?, _ out: inout [ConsensusOutput]) {
        guard let me else { return }
        out.append(.broadcastVote(Vote(type: type, height: height, round: round, blockHash: value, validator: me)))
    }

    func schedule(_ kind: TimeoutKind, _ out: inout [ConsensusOutput]) {
        out.append(.scheduleTimeout(Timeout(kind: kind, height: height, round: round),
                                    afterMs: timeouts.duration(kind, round: round)))
    }
}
