import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

// One test per rule of Algorithm 1 (arXiv:1807.04938), in the paper's order. Four validators of power 1 unless
// said otherwise: f = 1, 2f+1 = 3, f+1 = 2. Proposers at height 1 are validators 1, 2, 3, 0 for rounds 0, 1, 2, 3.
// We are validator 0, so we do not propose in rounds 0-2.
@Suite("Tendermint paper rules")
struct TendermintPaperTests {
    let b = block("B"), c = block("C")

    /// Locks validator 0 on `value` in `round` (lines 22-27 then 36-43), starting from the round's propose step.
    func lock(_ h: inout Harness, on value: Hash, round: Int32) {
        h.propose(value, round: round)
        h.votes(.prevote, from: [0, 1, 2], round: round, value)
        #expect(h.core.lockedRound == round && h.core.lockedValue == value)
    }

    /// Moves from `round` to `round + 1` through 2f+1 nil precommits and timeoutPrecommit (lines 47-48, 65-67).
    func nextRound(_ h: inout Harness, from round: Int32) {
        h.votes(.precommit, from: [1, 2, 3], round: round, nil)
        h.fire(.precommit, round: round)
        #expect(h.core.round == round + 1 && h.core.step == .propose)
    }

    // MARK: StartRound, lines 11-21

    @Test("lines 14-19: a proposer without validValue asks the shell for a value, then proposes it with vr = -1")
    func proposerAsksForValue() {
        var h = Harness(me: 1)
        #expect(h.start() == [.requestValue(height: 1, round: 0),
                              .scheduleTimeout(Timeout(kind: .propose, height: 1, round: 0), afterMs: 300)])
        #expect(h.core.step == .propose)
        #expect(h.handle(.proposalValue(height: 1, round: 0, blockHash: b))
                == [.broadcastProposal(Proposal(height: 1, round: 0, blockHash: b, validRound: -1, proposer: 1))])
        // A second or late answer is ignored.
        #expect(h.handle(.proposalValue(height: 1, round: 0, blockHash: c)) == [])
    }

    @Test("lines 15-16, 19: a proposer holding validValue re-proposes it with validRound, without asking for a value")
    func proposerReproposesValidValue() {
        var h = Harness(me: 2)   // proposer of round 1
        h.start()
        h.propose(b, round: 0)
        h.votes(.prevote, from: [0, 1, 3], round: 0, b)
        #expect(h.core.validValue == b && h.core.validRound == 0)
        h.votes(.precommit, from: [0, 1, 3], round: 0, nil)
        let out = h.fire(.precommit, round: 0)
        #expect(out == [.broadcastProposal(Proposal(height: 1, round: 1, blockHash: b, validRound: 0, proposer: 2)),
                        .scheduleTimeout(Timeout(kind: .propose, height: 1, round: 1), afterMs: 330)])
    }

    @Test("line 21 (as CometBFT): the proposer schedules timeoutPropose too, so a lost own proposal cannot stall it")
    func proposerTimesOutWithoutOwnProposal() {
        var h = Harness(me: 1)
        h.start()
        #expect(h.fire(.propose, round: 0) == [prevote(1, 0, nil, by: 1)])
    }

    @Test("line 21: a non-proposer schedules timeoutPropose(round) = base + round * delta")
    func nonProposerSchedulesTimeoutPropose() {
        var h = Harness(me: 0)
        #expect(h.start() == [.scheduleTimeout(Timeout(kind: .propose, height: 1, round: 0), afterMs: 300)])
        h.votes(.precommit, from: [1, 2, 3], round: 0, nil)
        #expect(h.fire(.precommit, round: 0) == [.scheduleTimeout(Timeout(kind: .propose, height: 1, round: 1), afterMs: 330)])
    }

    // MARK: Lines 22-27

    @Test("lines 22-24: a valid proposal with vr = -1, not locked: prevote id(v)")
    func prevoteValidProposal() {
        var h = Harness(me: 0)
        h.start()
        #expect(h.propose(b, round: 0) == [prevote(1, 0, b, by: 0)])
        #expect(h.core.step == .prevote)
    }

    @Test("lines 23, 26: an invalid proposal gets a nil prevote")
    func prevoteNilForInvalidProposal() {
        var h = Harness(me: 0)
        h.start()
        #expect(h.propose(b, round: 0, valid: false) == [prevote(1, 0, nil, by: 0)])
        #expect(h.core.step == .prevote)
    }

    @Test("lines 23-26: locked on v, a proposal of another value with vr = -1 gets nil; of v itself gets id(v)")
    func lockedPrevotesOnlyLockedValue() {
        var h = Harness(me: 0)
        h.start()
        lock(&h, on: b, round: 0)
        nextRound(&h, from: 0)
        #expect(h.propose(c, round: 1) == [prevote(1, 1, nil, by: 0)])
        h.votes(.prevote, from: [1, 2, 3], round: 1, nil)
        nextRound(&h, from: 1)
        #expect(h.propose(b, round: 2) == [prevote(1, 2, b, by: 0)])
    }

    @Test("line 22: a proposal only counts in step propose; a second proposal later changes nothing")
    func proposalAfterProposeStepIgnored() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)
        #expect(h.core.step == .prevote)
        #expect(h.propose(b, round: 0) == [])
    }

    // MARK: Lines 28-33

    @Test("lines 28-30: proposal with vr and 2f+1 prevotes for it in vr, lockedRound ≤ vr: prevote id(v)")
    func prevoteReproposalWithPolka() {
        var h = Harness(me: 0)
        h.start()
        lock(&h, on: b, round: 0)              // lockedRound 0
        nextRound(&h, from: 0)
        h.propose(c, round: 1)                 // we prevote nil (locked on B)
        h.fire(.prevote, round: 1)             // and precommit nil, so the polka below does not move our lock
        h.votes(.prevote, from: [1, 2, 3], round: 1, c)
        #expect(h.core.lockedRound == 0 && h.core.validRound == 1)
        h.votes(.precommit, from: [1, 2, 3], round: 1, nil)
        h.fire(.precommit, round: 1)
        // Round 2: C re-proposed with vr = 1 ≥ lockedRound 0.
        #expect(h.propose(c, round: 2, validRound: 1) == [prevote(1, 2, c, by: 0)])
    }

    @Test("lines 28-32: locked in a round later than vr on another value: prevote nil")
    func prevoteNilWhenLockedAfterVR() {
        var h = Harness(me: 0)
        h.start()
        h.propose(c, round: 0)
        h.votes(.prevote, from: [1, 2, 3], round: 0, c)    // polka for C in round 0: we lock on C
        h.votes(.precommit, from: [1, 2, 3], round: 0, nil)
        h.fire(.precommit, round: 0)
        lock(&h, on: b, round: 1)                           // lockedRound 1 on B
        h.votes(.precommit, from: [1, 2, 3], round: 1, nil)
        h.fire(.precommit, round: 1)
        #expect(h.core.lockedRound == 1)
        #expect(h.propose(c, round: 2, validRound: 0) == [prevote(1, 2, nil, by: 0)])
    }

    @Test("line 28: a proposal with vr but without 2f+1 prevotes in vr waits; the polka arriving later triggers it")
    func reproposalWaitsForPolka() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.precommit, from: [1, 2, 3], round: 0, nil)
        h.fire(.precommit, round: 0)
        #expect(h.propose(b, round: 1, validRound: 0) == [])
        #expect(h.votes(.prevote, from: [1, 2], round: 0, b) == [])
        #expect(h.votes(.prevote, from: [3], round: 0, b) == [prevote(1, 1, b, by: 0)])
    }

    @Test("line 28: vr ≥ round is not a valid re-proposal")
    func validRoundNotBelowRoundIgnored() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.prevote, from: [1, 2, 3], round: 0, b)
        #expect(h.propose(b, round: 0, validRound: 0) == [])
        #expect(h.core.step == .propose)
    }

    // MARK: Lines 34-35

    @Test("lines 34-35: 2f+1 prevotes for anything in step prevote schedule timeoutPrevote once")
    func anyPrevoteQuorumSchedulesTimeoutOnce() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)
        h.votes(.prevote, from: [1], round: 0, b)
        #expect(h.votes(.prevote, from: [2], round: 0, c) == [])
        #expect(h.votes(.prevote, from: [3], round: 0, nil) == [.scheduleTimeout(Timeout(kind: .prevote, height: 1, round: 0), afterMs: 100)])
        #expect(h.votes(.prevote, from: [0], round: 0, nil) == [])
    }

    @Test("line 34: 2f+1 prevotes seen during propose schedule timeoutPrevote on entering prevote")
    func prevoteQuorumBeforePrevoteStep() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.prevote, from: [1, 2, 3], round: 0, c)
        let out = h.fire(.propose, round: 0)
        #expect(out == [prevote(1, 0, nil, by: 0), .scheduleTimeout(Timeout(kind: .prevote, height: 1, round: 0), afterMs: 100)])
    }

    // MARK: Lines 36-43

    @Test("lines 36-41: a proposal and 2f+1 prevotes for it in step prevote: lock, precommit id(v)")
    func lockAndPrecommitOnPolka() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0)
        h.votes(.prevote, from: [0, 1], round: 0, b)
        let out = h.votes(.prevote, from: [2], round: 0, b)
        #expect(out.contains(precommit(1, 0, b, by: 0)))
        #expect(h.core.step == .precommit)
        #expect(h.core.lockedValue == b && h.core.lockedRound == 0)
        #expect(h.core.validValue == b && h.core.validRound == 0)
    }

    @Test("lines 36-43: proposal seen after precommitting nil, polka for it: validValue set, no lock, no vote")
    func validValueWithoutLock() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)                 // we prevote nil
        h.votes(.prevote, from: [1, 2, 3], round: 0, b)
        h.fire(.prevote, round: 0)                 // no proposal yet: the polka is for an unknown value → nil
        #expect(h.core.step == .precommit && h.core.validRound == -1)
        let out = h.propose(b, round: 0)
        #expect(!out.contains { if case .broadcastVote = $0 { return true } else { return false } })
        #expect(h.core.validValue == b && h.core.validRound == 0)
        #expect(h.core.lockedValue == nil && h.core.lockedRound == -1)
    }

    @Test("line 36: a polka for an invalid value is not locked")
    func noLockOnInvalidValue() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0, valid: false)
        h.votes(.prevote, from: [1, 2, 3], round: 0, b)
        #expect(h.core.lockedRound == -1 && h.core.validRound == -1)
        #expect(h.core.step == .prevote)
    }

    // MARK: Lines 44-46

    @Test("lines 44-46: 2f+1 nil prevotes in step prevote: precommit nil")
    func precommitNilOnNilPolka() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)
        h.votes(.prevote, from: [1, 2], round: 0, nil)
        let out = h.votes(.prevote, from: [3], round: 0, nil)
        #expect(out.contains(precommit(1, 0, nil, by: 0)))
        #expect(h.core.step == .precommit)
    }

    // MARK: Lines 47-48

    @Test("lines 47-48: 2f+1 precommits for anything schedule timeoutPrecommit once, in any step")
    func anyPrecommitQuorumSchedulesTimeoutOnce() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.precommit, from: [1], round: 0, b)
        h.votes(.precommit, from: [2], round: 0, nil)
        let t = ConsensusOutput.scheduleTimeout(Timeout(kind: .precommit, height: 1, round: 0), afterMs: 100)
        #expect(h.votes(.precommit, from: [3], round: 0, c) == [t])
        #expect(h.core.step == .propose)
        #expect(h.votes(.precommit, from: [0], round: 0, nil) == [])
    }

    // MARK: Lines 49-54

    @Test("lines 49-51: a proposal and 2f+1 precommits for it decide, with a certificate of those precommits")
    func decideOnPrecommitQuorum() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0)
        h.votes(.precommit, from: [1, 3], round: 0, b)
        h.votes(.precommit, from: [2], round: 0, nil)
        let out = h.votes(.precommit, from: [0], round: 0, b)
        let cert = CommitCertificate(height: 1, round: 0, blockHash: b, signatures: [
            .init(validator: 0, signature: [0]), .init(validator: 1, signature: [1]), .init(validator: 3, signature: [3]),
        ])
        #expect(out == [.decide(height: 1, round: 0, blockHash: b, commit: cert)])
        #expect(h.core.step == .decided)
        #expect(h.core.decision?.blockHash == b)
        // Nothing more happens at this height.
        #expect(h.votes(.precommit, from: [2], round: 0, nil) == [])
        #expect(h.fire(.propose, round: 0) == [])
    }

    @Test("line 49: a decision in an earlier round, even without having seen the proposal")
    func decideWithoutProposalInOtherRound() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.precommit, from: [1, 2, 3], round: 0, nil)
        h.fire(.precommit, round: 0)
        #expect(h.core.round == 1)
        let out = h.votes(.precommit, from: [1, 2, 3], round: 0, b)   // conflicting with their nil: not counted
        #expect(out.allSatisfy { $0.decided == nil })
        let decided = h.votes(.precommit, from: [0, 1, 2], round: 1, c)
        #expect(decided.compactMap(\.decided) == [c])
    }

    @Test("line 49: 2f precommits for a value do not decide")
    func noDecisionWithTwoF() {
        var h = Harness(powers: [1, 1, 1, 1, 1, 1, 1], me: 0)   // f = 2, 2f+1 = 5
        h.start()
        h.propose(b, round: 0)
        let out = h.votes(.precommit, from: [1, 2, 3, 4], round: 0, b)
        #expect(out.allSatisfy { $0.decided == nil })
        #expect(h.core.step != .decided)
        #expect(h.votes(.precommit, from: [5], round: 0, b).compactMap(\.decided) == [b])
    }

    @Test("line 50: a value we saw and judged invalid is not decided")
    func noDecisionForKnownInvalidValue() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0, valid: false)
        #expect(h.votes(.precommit, from: [1, 2, 3], round: 0, b).allSatisfy { $0.decided == nil })
    }

    @Test("line 53: the next height starts with no lock, no valid value and an empty log")
    func startHeightResets() {
        var h = Harness(me: 0)
        h.start()
        lock(&h, on: b, round: 0)
        h.votes(.precommit, from: [0, 1, 2], round: 0, b)
        #expect(h.core.step == .decided)
        h.start(2)
        #expect(h.core.height == 2 && h.core.round == 0 && h.core.step == .propose)
        #expect(h.core.lockedRound == -1 && h.core.lockedValue == nil && h.core.validRound == -1 && h.core.validValue == nil)
        #expect(h.core.currentHeightVotes.isEmpty)
    }

    // MARK: Lines 55-56

    @Test("lines 55-56: f+1 messages for a higher round skip to it; f do not")
    func roundSkipOnFPlusOne() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.prevote, from: [1], round: 3, b)
        #expect(h.core.round == 0)
        let out = h.votes(.precommit, from: [2], round: 3, nil)
        #expect(h.core.round == 3)
        // Round 3 is ours to propose.
        #expect(out.contains(.requestValue(height: 1, round: 3)))
    }

    @Test("line 55: a proposal counts as a message of its round")
    func roundSkipCountsProposals() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 2)                     // from validator 3
        h.votes(.prevote, from: [1], round: 2, nil)
        #expect(h.core.round == 2)
        #expect(h.core.step == .prevote)           // and the stored proposal is acted on at once (line 22)
    }

    @Test("line 55: f+1 counted by power, and far-future rounds still count toward the skip")
    func roundSkipFarAheadByPower() {
        var h = Harness(powers: [1, 1, 1, 3], me: 0)   // total 6, f+1 = 3
        h.start()
        h.votes(.prevote, from: [3], round: 50, nil)
        #expect(h.core.round == 50)
    }

    // MARK: Lines 57-67

    @Test("lines 57-60: timeoutPropose in step propose prevotes nil")
    func timeoutProposePrevotesNil() {
        var h = Harness(me: 0)
        h.start()
        #expect(h.fire(.propose, round: 0) == [prevote(1, 0, nil, by: 0)])
        #expect(h.core.step == .prevote)
    }

    @Test("lines 61-64: timeoutPrevote in step prevote precommits nil")
    func timeoutPrevotePrecommitsNil() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)
        #expect(h.fire(.prevote, round: 0) == [precommit(1, 0, nil, by: 0)])
        #expect(h.core.step == .precommit)
    }

    @Test("lines 65-67: timeoutPrecommit at the current height and round starts the next round")
    func timeoutPrecommitStartsNextRound() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.precommit, round: 0)
        #expect(h.core.round == 1 && h.core.step == .propose)
    }

    @Test("lines 58, 62, 66: timeouts fire only for the current height, round and step")
    func staleTimeoutsIgnored() {
        var h = Harness(me: 0)
        h.start()
        #expect(h.fire(.prevote, round: 0) == [])          // wrong step
        #expect(h.fire(.propose, round: 1) == [])          // wrong round
        #expect(h.fire(.propose, round: 0, height: 2) == [])
        #expect(h.fire(.precommit, round: 0, height: 2) == [])
        h.fire(.precommit, round: 0)                       // now round 1
        #expect(h.fire(.propose, round: 0) == [])
        #expect(h.fire(.precommit, round: 0) == [])
        #expect(h.core.round == 1 && h.core.step == .propose)
        h.fire(.propose, round: 1)
        #expect(h.fire(.propose, round: 1) == [])          // step is prevote now
        #expect(h.core.step == .prevote)
    }

    // MARK: Who may send what

    @Test("lines 22, 28, 36: a proposal from anyone but proposer(h, r) is ignored")
    func proposalFromNonProposerIgnored() {
        var h = Harness(me: 0)
        h.start()
        let forged = Proposal(height: 1, round: 0, blockHash: b, validRound: -1, proposer: 2)
        #expect(h.handle(.proposal(forged, isValid: true)) == [])
        #expect(h.core.step == .propose && h.core.currentHeightProposals.isEmpty)
    }

    @Test("equivocation: a conflicting vote is reported once and never counted; an identical one is ignored")
    func equivocationDetected() {
        var h = Harness(me: 0)
        h.start()
        h.fire(.propose, round: 0)
        #expect(h.votes(.prevote, from: [1], round: 0, b) == [])
        #expect(h.votes(.prevote, from: [1], round: 0, b) == [])       // duplicate
        let out = h.votes(.prevote, from: [1], round: 0, c)
        #expect(out == [.evidence(Vote(type: .prevote, height: 1, round: 0, blockHash: b, validator: 1, signature: [1]),
                                  Vote(type: .prevote, height: 1, round: 0, blockHash: c, validator: 1, signature: [1]))])
        #expect(h.votes(.prevote, from: [1], round: 0, nil) == [])      // reported once
        #expect(h.core.voteSet(round: 0, type: .prevote)?.totalPower == 1)
        // Two honest votes for C plus the equivocator's are not a polka for C.
        h.propose(c, round: 0)
        h.votes(.prevote, from: [2, 3], round: 0, c)
        #expect(h.core.voteSet(round: 0, type: .prevote)?.power(for: c) == 2)
        #expect(h.core.lockedRound == -1)
    }

    @Test("equivocation: as in the paper, an equivocator counts for each value it voted for, but totals count it once")
    func equivocatorCountsPerValue() {
        var h = Harness(me: 0)
        h.start()
        h.propose(c, round: 0)                      // we prevote C
        h.votes(.prevote, from: [0, 2], round: 0, c)
        h.votes(.prevote, from: [3], round: 0, nil)
        #expect(h.core.step == .prevote && h.core.lockedRound == -1)
        let out = h.votes(.prevote, from: [3], round: 0, c)   // 3 also prevotes C: C has 3 of 4
        #expect(out.contains { if case .evidence = $0 { return true } else { return false } })
        #expect(out.contains(precommit(1, 0, c, by: 0)))
        #expect(h.core.voteSet(round: 0, type: .prevote)?.totalPower == 3)
    }

    @Test("equivocation: two proposals from one proposer are reported once")
    func conflictingProposalsReported() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0)
        #expect(h.propose(b, round: 0) == [])
        let out = h.propose(c, round: 0)
        #expect(out == [.conflictingProposals(Proposal(height: 1, round: 0, blockHash: b, validRound: -1, proposer: 1),
                                              Proposal(height: 1, round: 0, blockHash: c, validRound: -1, proposer: 1))])
        #expect(h.propose(block("D"), round: 0) == [])
    }

    @Test("observers follow the protocol and decide but never propose or vote")
    func observerNeverVotes() {
        var h = Harness(me: nil)
        var all = h.start()
        all += h.propose(b, round: 0)
        all += h.fire(.propose, round: 0)
        all += h.votes(.prevote, from: [0, 1, 2], round: 0, b)
        all += h.fire(.prevote, round: 0)
        all += h.votes(.precommit, from: [0, 1], round: 0, b)
        all += h.votes(.precommit, from: [2], round: 0, nil)
        all += h.fire(.precommit, round: 0)
        for r: Int32 in 1...4 { all += h.fire(.propose, round: r); all += h.votes(.precommit, from: [0, 1, 2], round: r, nil); all += h.fire(.precommit, round: r) }
        all += h.votes(.precommit, from: [0, 1, 2], round: 5, b)
        #expect(!all.contains { $0.isBroadcast })
        #expect(all.compactMap(\.decided) == [b])
    }

    @Test("quorum is by power, not by count")
    func weightedQuorum() {
        // Powers 5,1,1,1: total 8, 2f+1 = 6, f+1 = 3.
        var h = Harness(powers: [5, 1, 1, 1], me: 1)
        h.start()
        let p = h.proposer(0)
        h.handle(.proposal(Proposal(height: 1, round: 0, blockHash: b, validRound: -1, proposer: p), isValid: true))
        // Three validators of power 1 are a majority by count but hold 3 of 8.
        h.votes(.prevote, from: [1, 2, 3], round: 0, b)
        #expect(h.core.lockedRound == -1)
        #expect(h.votes(.precommit, from: [1, 2, 3], round: 0, b).allSatisfy { $0.decided == nil })
        // The heavy validator alone with one other is a quorum.
        var w = Harness(powers: [5, 1, 1, 1], me: 1)
        w.start()
        w.handle(.proposal(Proposal(height: 1, round: 0, blockHash: b, validRound: -1, proposer: p), isValid: true))
        w.votes(.prevote, from: [0, 1], round: 0, b)
        #expect(w.core.lockedRound == 0)
        #expect(w.votes(.precommit, from: [0, 1], round: 0, b).compactMap(\.decided) == [b])
    }
}
