import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

@Suite("Message intake and bounds")
struct MessageBoundsTests {
    let b = block("B")

    @Test("messages for the next height are buffered and replayed on startHeight")
    func nextHeightReplayed() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.precommit, from: [1, 2, 3], round: 0, b, height: 2)
        #expect(h.core.bufferedMessageCount == 3)
        h.votes(.precommit, from: [0, 1, 2], round: 0, block("A"))
        let out = h.start(2)
        #expect(out.compactMap(\.decided) == [b])
        #expect(h.core.bufferedMessageCount == 0)
    }

    @Test("messages for the next height are kept before the first startHeight too")
    func bufferedBeforeBoot() {
        var h = Harness(me: 0)
        h.votes(.prevote, from: [1, 2, 3], round: 0, nil)
        #expect(h.core.bufferedMessageCount == 3)
        h.start()
        #expect(h.core.voteSet(round: 0, type: .prevote)?.power(for: nil) == 3)
    }

    @Test("the next-height buffer is bounded per sender, so one validator cannot crowd out the others")
    func bufferBoundedPerSender() {
        var h = Harness(me: 0, limits: ConsensusLimits(maxBufferedPerValidator: 3))
        h.start()
        for r: Int32 in 0..<10 { h.votes(.prevote, from: [3], round: r, block("x\(r)"), height: 2) }
        #expect(h.core.bufferedMessageCount == 3)
        h.votes(.prevote, from: [1], round: 0, b, height: 2)
        #expect(h.core.bufferedMessageCount == 4)
    }

    @Test("older heights and heights beyond the next are dropped")
    func otherHeightsDropped() {
        var h = Harness(me: 0)
        h.start()
        h.votes(.precommit, from: [0, 1, 2], round: 0, b)
        h.start(2)
        #expect(h.votes(.precommit, from: [0, 1, 2], round: 0, b, height: 1) == [])
        h.votes(.prevote, from: [1], round: 0, b, height: 4)
        #expect(h.core.bufferedMessageCount == 0 && h.core.currentHeightVotes.isEmpty)
    }

    @Test("rounds beyond round + maxRoundsAhead are not stored; rounds within are")
    func roundWindow() {
        var h = Harness(me: 0, limits: ConsensusLimits(maxRoundsAhead: 5))
        h.start()
        h.votes(.prevote, from: [1], round: 5, b)
        h.votes(.prevote, from: [2], round: 6, b)
        #expect(h.core.round == 5)   // the round skip still sees both (f+1 at rounds ≥ 5)
        #expect(h.core.voteSet(round: 5, type: .prevote)?.totalPower == 1)
        #expect(h.core.voteSet(round: 6, type: .prevote)?.totalPower == 1)   // within 5 + 5 after the skip
        h.votes(.prevote, from: [3], round: 12, b)
        #expect(h.core.round == 6)   // f+1 have reached round 6: validators 2 and 3
        #expect(h.core.voteSet(round: 12, type: .prevote) == nil)
    }

    @Test("votes from unknown validator indices and negative rounds are dropped")
    func malformedDropped() {
        var h = Harness(me: 0)
        h.start()
        #expect(h.votes(.prevote, from: [4, 99, -1], round: 0, b) == [])
        #expect(h.votes(.prevote, from: [1], round: -3, b) == [])
        #expect(h.core.currentHeightVotes.isEmpty)
    }

    @Test("the snapshot for re-gossip holds every vote and proposal of the current height")
    func snapshot() {
        var h = Harness(me: 0)
        h.start()
        h.propose(b, round: 0)
        h.votes(.prevote, from: [0, 1], round: 0, b)
        h.votes(.precommit, from: [2], round: 1, nil)
        #expect(h.core.currentHeightVotes.map(\.validator) == [0, 1, 2])
        #expect(h.core.currentHeightProposals.map(\.blockHash) == [b])
    }

    @Test("timeouts grow linearly with the round and saturate instead of overflowing")
    func timeoutDurations() {
        #expect(testTimeouts.duration(.propose, round: 0) == 300)
        #expect(testTimeouts.duration(.prevote, round: 4) == 140)
        #expect(TimeoutParameters(proposeMs: 1, proposeDeltaMs: Int.max, prevoteMs: 0, prevoteDeltaMs: 0,
                                  precommitMs: 0, precommitDeltaMs: 0).duration(.propose, round: 2) == Int.max)
    }
}
