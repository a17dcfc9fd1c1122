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
        let rules = rules.withLock { $0 }
        for m in env.messages {
            switch m {
            case .proposal(let p, let b):
                guard let (signer, forward) = signer(at: p.height, index: p.proposer, rules),
                      signatures.verify(signer.publicKey, p.signature, p.signingBytes(chainID: chainID)),
                      b.hash == p.blockHash else { rejected += 1; continue }
                noteSigned(signer, height: p.height)
                if forward { forConsensus.append(m) }
            case .vote(let v):
                guard let (signer, forward) = signer(at: v.height, index: v.validator, rules),
                      signatures.verify(signer.publicKey, v.signature, v.signingBytes(chainID: chainID)) else {
                    rejected += 1; continue
                }
                noteSigned(signer, height: v.height)
                if forward { forConsensus.append(m) }
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

    /// Who signed a message of `height` as validator `index`, and whether consensus can use it. The rules at the
    /// tip know the sets of the tip and the two heights after it: those messages are checked exactly and the
    /// current and next heights' go to consensus. A message from further ahead is checked against the newest set
    /// known — a hint that this node is behind (`CatchUpStatus`), never an input to consensus; older ones are
    /// ignored. Nil when the index is not in that set.
    func signer(at height: UInt64, index: Int, _ rules: ChainRules) -> (Validator, forward: Bool)? {
        guard height >= rules.tip, index >= 0 else { return nil }
        let exact = rules.validators(at: height)
        let set = exact ?? rules.schedule.current
        guard index < set.count else { return nil }
        return (set[index], exact != nil && height > rules.tip)
    }

    /// A verified signature of `validator` at `height`: that validator committed `height − 1` — if it is
    /// correct. A signature proves who makes a claim, not that it is true, so it counts toward the peer's reported
    /// height only up to `Gossip.signedHeightWindow` above this node's tip; beyond, only certified blocks the peer
    /// serves count (`CatchUpStatus` weighs signatures by power on its own).
    func noteSigned(_ validator: Validator, height: UInt64) {
        catchUp.signed(key: validator.publicKey, height: height)
        guard height > 0 else { return }
        let committed = height - 1, tip = committedHeight.load(ordering: .acquiring)
        if committed <= tip || committed - tip <= Gossip.signedHeightWindow { gossip?.noteVerified(name: validator.name, height: committed) }
    }
}
