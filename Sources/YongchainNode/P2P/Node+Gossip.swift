import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Inbound gossip: signatures are verified on the HTTP thread that received them, in parallel; only what
/// verifies reaches the consensus queue.
extension Node {
    // MARK: - Inbound gossip (HTTP threads)

    /// Verifies signatures here, on the caller's thread, then queues what is valid for consensus.
    func receiveGossip(_ env: GossipEnvelope) -> Int {
        var rejected = 0
        var forConsensus: [GossipMessage] = []
        for m in env.messages {
            switch m {
            case .proposal(let p, let b):
                guard p.proposer >= 0, p.proposer < validators.count,
                      signatures.verify(validators[p.proposer].publicKey, p.signature, p.signingBytes(chainID: chainID)),
                      b.hash == p.blockHash else { rejected += 1; continue }
                noteSigned(validator: p.proposer, height: p.height)
                forConsensus.append(m)
            case .vote(let v):
                guard v.validator >= 0, v.validator < validators.count,
                      signatures.verify(validators[v.validator].publicKey, v.signature, v.signingBytes(chainID: chainID)) else {
                    rejected += 1; continue
                }
                noteSigned(validator: v.validator, height: v.height)
                forConsensus.append(m)
            case .transactions(let txs):
                rejected += admit(txs, relay: false).filter { if case .failure = $0 { return true }; return false }.count
            }
        }
        if rejected > 0 { metrics.count("gossip_invalid_total", by: rejected) }
        if !forConsensus.isEmpty {
            let batch = forConsensus
            queue.async { [self] in
                for m in batch {
                    switch m {
                    case .proposal(let p, let b): receive(proposal: p, block: b)
                    case .vote(let v): feed(.vote(v))
                    case .transactions: break
                    }
                }
            }
        }
        return rejected
    }

    /// A verified signature of `validator` at `height`: that validator committed `height − 1`.
    func noteSigned(validator: Int, height: UInt64) {
        catchUp.signed(validator: validator, height: height)
        if height > 0 { gossip?.noteVerified(name: validators[validator].name, height: height - 1) }
    }
}
