import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// A peer that is down or reads slowly holds a bounded part of this node's memory: its outbound queue is bounded by
/// weight (transactions), not by messages, so a flood's large batches cannot pile up behind it.
@Suite struct GossipQueueTests {
    @Test func aPeersQueueIsBoundedByTheTransactionsItHolds() throws {
        // Not started: nothing is sent, so the queues only grow.
        let gossip = Gossip(peers: [PeerInfo(name: "slow", url: "http://127.0.0.1:9", host: "127.0.0.1", port: 9)], chainID: "c", me: "me",
                            client: HTTPClient(), logger: Logger(level: .error), height: { 0 })
        let key = try PrivateKey.generate()
        let batch = (0..<1_000).map { Transaction.signed(type: "t", body: [UInt8($0 % 256)], nonce: UInt64($0), key: key, chainID: "c") }
        // 200 batches of 1,000: 200 messages (which a bound of 20,000 messages let through whole), 200,000 transactions.
        for _ in 0..<200 { gossip.broadcast(.transactions(batch)) }
        let held = gossip.queuedWeights.first?.weight ?? -1
        #expect(held > 0 && held <= gossip.maxQueuedWeight, "\(held)")
        #expect(gossip.queued(url: "http://127.0.0.1:9") == held / 1_000)
        #expect(gossip.dropped > 0)
        // The newest message is kept: a vote broadcast after the flood is in the queue, weighing one.
        gossip.broadcast(.vote(Vote(type: .prevote, height: 9, round: 0, blockHash: nil, validator: 0)))
        #expect(gossip.queuedWeights.first?.weight == held + 1)
    }

    /// The proposer re-sends its proposal (with its whole block) and the votes it holds every second while a height is
    /// undecided: behind a slow peer, a copy still waiting is enough, so a re-send adds nothing and weighs nothing.
    @Test func aResendOfAProposalOrVoteStillQueuedIsNotQueuedAgain() throws {
        let url = "http://127.0.0.1:9"
        let gossip = Gossip(peers: [PeerInfo(name: "slow", url: url, host: "127.0.0.1", port: 9)], chainID: "c", me: "me",
                            client: HTTPClient(), logger: Logger(level: .error), height: { 0 })
        let key = try PrivateKey.generate()
        let txs = (0..<1_000).map { Transaction.signed(type: "t", body: [UInt8($0 % 256)], nonce: UInt64($0), key: key, chainID: "c") }
        let chain = Chain(id: "c", hashSuite: .sha256)
        let header = BlockHeader(chain: chain, height: 9, time: 1, previousBlockHash: .zero, lastCommitHash: .zero, txRoot: Block.txRoot(txs, chain: chain),
                                 resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: key.publicKey)
        let block = Block(header: header, transactions: txs, lastCommit: nil)
        let proposal = Proposal(height: 9, round: 0, blockHash: block.hash, validRound: -1, proposer: 0, signature: [1])
        let vote = Vote(type: .prevote, height: 9, round: 0, blockHash: block.hash, validator: 1, signature: [2])
        for _ in 0..<5 {
            gossip.broadcast(.proposal(proposal, block))
            gossip.broadcast(.vote(vote))
        }
        #expect(gossip.queued(url: url) == 2)
        #expect(gossip.queuedWeights.first?.weight == 1_001 + 1)
        // Another message is queued: the next round's proposal, another validator's vote.
        let nextRound = Proposal(height: 9, round: 1, blockHash: block.hash, validRound: -1, proposer: 1, signature: [3])
        gossip.broadcast(.proposal(nextRound, block))
        gossip.broadcast(.vote(Vote(type: .prevote, height: 9, round: 0, blockHash: block.hash, validator: 2, signature: [4])))
        #expect(gossip.queued(url: url) == 4)
        #expect(gossip.queuedWeights.first?.weight == 2 * 1_001 + 2)
        // Once the waiting copy is gone (a flood pushed it out of the bound), the re-send is queued again.
        for _ in 0..<150 { gossip.broadcast(.transactions(txs)) }
        let held = gossip.queuedWeights.first?.weight ?? -1
        gossip.broadcast(.vote(vote))
        #expect(gossip.queuedWeights.first?.weight == held + 1)
        gossip.broadcast(.vote(vote))
        #expect(gossip.queuedWeights.first?.weight == held + 1)
    }
}
