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
}
