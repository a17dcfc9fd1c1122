import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// A proposer re-sends its proposal, with its whole block, every second while a height is undecided. A receiver
/// decodes a block once: a copy whose signed proposal and block bytes are exactly those it decoded before is not
/// decoded again (`ReceivedProposals`); any other copy is decoded and handled as before. Sent through the node's real
/// `POST /v1/gossip` route in this process, counted in /metrics.
@Suite(.serialized) struct ProposalResendTests {
    typealias Fixture = HostileInputTests.Fixture

    /// A block of height 1 on the fixture's chain with `count` transactions, and the registry's (validator 0's)
    /// signed proposal of it for `round`.
    func proposal(_ f: Fixture, round: Int32 = 0, count: Int = 50, body: UInt8 = 1) -> (Proposal, Block) {
        let chain = Chain(id: f.chain, hashSuite: .sha256)
        let txs = (0..<count).map { Transaction.signed(type: "t", body: [body, UInt8($0 % 256)], nonce: UInt64($0), key: f.bank, chainID: f.chain) }
        let header = BlockHeader(chain: chain, height: 1, time: 1_700_000_001_000, previousBlockHash: .zero, lastCommitHash: .zero,
                                 txRoot: Block.txRoot(txs, chain: chain), resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero,
                                 nextValidatorsHash: .zero, proposer: f.registry.publicKey)
        let block = Block(header: header, transactions: txs, lastCommit: nil)
        var p = Proposal(height: 1, round: round, blockHash: block.hash, validRound: -1, proposer: 0)
        p.signature = f.registry.sign(p.signingBytes(chainID: f.chain))
        return (p, block)
    }

    func send(_ f: Fixture, _ messages: [GossipMessage]) {
        let body = GossipEnvelope(chainID: f.chain, sender: "registry", senderHeight: 0, messages: messages).canonicalBytes
        #expect(f.send("POST", "/v1/gossip", body: body).0 == 200)
    }

    /// /metrics' `yongchain_p2p_proposals_total` by result.
    func counts(_ f: Fixture) throws -> (decoded: Int, alreadyHeld: Int) {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /metrics HTTP/1.1\r\nHost: node\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { throw CancellationError() }
        let text = String(decoding: f.api.handle(req).body, as: UTF8.self)
        func value(_ result: String) -> Int {
            let prefix = "yongchain_p2p_proposals_total{result=\"\(result)\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? -1
        }
        return (value("decoded"), value("already_held"))
    }

    @Test func aResentProposalIsDecodedOnce() throws {
        let f = try Fixture()
        let (p, b) = proposal(f)
        for _ in 0..<3 { send(f, [.proposal(p, b)]) }
        #expect(try counts(f) == (1, 2))
        // Twice in one envelope, beside a vote: the block's bytes are skipped exactly, the vote after them read.
        let v = Vote(type: .prevote, height: 1, round: 0, blockHash: b.hash, validator: 0, signature: f.registry.sign(
            Vote(type: .prevote, height: 1, round: 0, blockHash: b.hash, validator: 0).signingBytes(chainID: f.chain)))
        send(f, [.proposal(p, b), .vote(v), .proposal(p, b)])
        #expect(try counts(f) == (1, 4))
    }

    /// A block is taken from what was kept only for the same signed proposal and the same bytes: another body under
    /// the same header hash, another round's proposal of the same block, or a proposal whose signature does not
    /// verify is decoded as before; and only a verified proposal's block is kept.
    @Test func anyOtherCopyIsDecodedAsBefore() throws {
        let f = try Fixture()
        let (p, b) = proposal(f)
        let altered = Block(header: b.header, transactions: proposal(f, body: 2).1.transactions, lastCommit: nil)
        #expect(altered.hash == b.hash && altered != b)
        send(f, [.proposal(p, b)])
        send(f, [.proposal(p, altered)])
        #expect(try counts(f) == (2, 0))

        var forged = p
        forged.signature = f.bank.sign(p.signingBytes(chainID: f.chain))
        send(f, [.proposal(forged, b)])
        send(f, [.proposal(forged, b)])
        #expect(try counts(f) == (4, 0), "an unverified proposal's block is not kept")

        let (later, sameBlock) = proposal(f, round: 1)
        send(f, [.proposal(later, sameBlock)])
        send(f, [.proposal(later, sameBlock)])
        #expect(try counts(f) == (5, 1))
    }

    /// What is kept is bounded: each proposer's latest two, nothing at or below the tip.
    @Test func keptProposalsAreBoundedPerProposerAndByTheTip() throws {
        let received = ReceivedProposals()
        let block = Block(header: BlockHeader(chain: Chain(id: "c", hashSuite: .sha256), height: 5, time: 1, previousBlockHash: .zero, lastCommitHash: .zero,
                                              txRoot: .zero, resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero, nextValidatorsHash: .zero,
                                              proposer: try PrivateKey.generate().publicKey), transactions: [], lastCommit: nil)
        func p(_ height: UInt64, _ round: Int32, by proposer: Int) -> Proposal {
            Proposal(height: height, round: round, blockHash: block.hash, validRound: -1, proposer: proposer, signature: [UInt8(round)])
        }
        for round in 0..<5 { received.keep(p(5, Int32(round), by: 1), bytes: [1], block: block, tip: 4) }
        received.keep(p(5, 0, by: 2), bytes: [1], block: block, tip: 4)
        #expect(received.count == 3)
        #expect(received.kept(p(5, 4, by: 1)) != nil && received.kept(p(5, 3, by: 1)) != nil && received.kept(p(5, 2, by: 1)) == nil)
        received.keep(p(6, 0, by: 3), bytes: [1], block: block, tip: 5)
        #expect(received.count == 1, "those at the tip go")
    }

    /// Whether `body` holds `bytes` at an offset: exactly, never past its end.
    @Test func theByteComparisonStaysInsideTheBody() {
        let body: [UInt8] = [1, 2, 3, 4]
        #expect(GossipEnvelope.bytes(body, at: 1, equal: [2, 3, 4]))
        #expect(!GossipEnvelope.bytes(body, at: 2, equal: [3, 4, 5]))
        #expect(!GossipEnvelope.bytes(body, at: 3, equal: [4, 5]))
        #expect(!GossipEnvelope.bytes(body, at: 5, equal: [1]))
        #expect(!GossipEnvelope.bytes(body, at: 0, equal: []))
    }
}
