import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

@Suite("SignerGuard")
struct SignerGuardTests {
    let b = block("B"), c = block("C")

    func vote(_ type: VoteType, _ h: UInt64, _ r: Int32, _ value: Hash?) -> Vote {
        Vote(type: type, height: h, round: r, blockHash: value, validator: 0)
    }

    @Test("a fresh guard signs anything; afterwards only strictly later (height, round, step) messages")
    func strictOrder() {
        var g = SignerGuard()
        #expect(g.check(vote(.prevote, 5, 2, b)) == .sign)
        g.record(.init(vote(.prevote, 5, 2, b)), signature: [1])
        #expect(g.check(vote(.precommit, 5, 2, nil)) == .sign)
        #expect(g.check(vote(.prevote, 5, 3, c)) == .sign)
        #expect(g.check(vote(.prevote, 6, 0, c)) == .sign)
        #expect(g.check(Proposal(height: 5, round: 3, blockHash: c, validRound: -1, proposer: 0)) == .sign)
        if case .refuse = g.check(Proposal(height: 5, round: 2, blockHash: b, validRound: -1, proposer: 0)) {} else {
            Issue.record("a proposal after the prevote of the same round must be refused")
        }
        if case .refuse = g.check(vote(.precommit, 5, 1, b)) {} else { Issue.record("an earlier round must be refused") }
        if case .refuse = g.check(vote(.precommit, 4, 9, b)) {} else { Issue.record("an earlier height must be refused") }
    }

    @Test("the same message again is re-sent with the stored signature; a different one for the same step is refused")
    func sameOrConflicting() {
        var g = SignerGuard()
        g.record(.init(vote(.precommit, 7, 1, b)), signature: [9, 9])
        #expect(g.check(vote(.precommit, 7, 1, b)) == .resend(signature: [9, 9]))
        guard case .refuse(let reason) = g.check(vote(.precommit, 7, 1, nil)) else {
            Issue.record("a conflicting precommit must be refused")
            return
        }
        #expect(reason.contains("already signed"))
        g.record(.init(Proposal(height: 8, round: 0, blockHash: b, validRound: -1, proposer: 0)), signature: [1])
        if case .refuse = g.check(Proposal(height: 8, round: 0, blockHash: b, validRound: 3, proposer: 0)) {} else {
            Issue.record("the same block with another valid round is a different message")
        }
    }

    @Test("round-trips through its canonical encoding, so a restarted validator keeps its promises")
    func persistence() throws {
        var g = SignerGuard()
        #expect(try SignerGuard(canonical: g.canonicalBytes) == g)
        g.record(.init(height: 3, round: 4, step: .prevote, blockHash: nil), signature: [7])
        let restored = try SignerGuard(canonical: g.canonicalBytes)
        #expect(restored == g)
        #expect(restored.check(vote(.prevote, 3, 4, b)) != .sign)
        #expect(restored.check(vote(.prevote, 3, 4, nil)) == .resend(signature: [7]))
        g.record(.init(height: 3, round: 5, step: .proposal, blockHash: b, validRound: 2), signature: [8])
        #expect(try SignerGuard(canonical: g.canonicalBytes) == g)
        #expect(throws: EncodingError.self) { try SignerGuard(canonical: [1, 0, 0]) }
    }

    @Test("keeps the messages of the latest height, bounded, so a restarted validator can re-send its votes")
    func historyForRestart() throws {
        var g = SignerGuard()
        g.record(.init(height: 4, round: 0, step: .prevote, blockHash: b), signature: [1])
        g.record(.init(height: 5, round: 0, step: .proposal, blockHash: b, validRound: -1), signature: [2])
        g.record(.init(height: 5, round: 0, step: .prevote, blockHash: b), signature: [3])
        g.record(.init(height: 5, round: 0, step: .precommit, blockHash: nil), signature: [4])
        #expect(g.restoredProposals(proposer: 2) == [Proposal(height: 5, round: 0, blockHash: b, validRound: -1, proposer: 2, signature: [2])])
        #expect(g.restoredVotes(validator: 2) == [
            Vote(type: .prevote, height: 5, round: 0, blockHash: b, validator: 2, signature: [3]),
            Vote(type: .precommit, height: 5, round: 0, blockHash: nil, validator: 2, signature: [4]),
        ])
        #expect(try SignerGuard(canonical: g.canonicalBytes) == g)
        for r: Int32 in 1...100 { g.record(.init(height: 5, round: r, step: .prevote, blockHash: nil), signature: [5]) }
        #expect(g.history.count == SignerGuard.historyLimit)
        #expect(g.last?.round == 100)
    }
}
