import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage
import YongchainTestSupport
@testable import YongchainNode

/// Gossip as peers send it, built from the structure up: a real envelope header around real messages (votes and
/// proposals signed by the validator for heights the node has already committed, forged ones, and transaction
/// batches), with the header fields drawn from edge values. Byte mutations of the encoding come on top.
enum GossipSeeds {
    /// A small chain of real blocks, independent of any node (for decoder seeds).
    static let blocks: [(block: Block, certificate: CommitCertificate)] = {
        var out: [(Block, CommitCertificate)] = []
        var tip = ChainTip(height: 0, blockHash: .zero, stateRoot: FuzzWorld.digest("state"), time: 1_700_000_000_000)
        var last: CommitCertificate?
        for h in 1...3 {
            let txs = (0..<h - 1).map { FuzzWorld.transaction("fuzz.note", [UInt8(h), UInt8($0)], by: FuzzWorld.bankA, nonce: UInt64(h * 10 + $0)) }
            let b = FuzzWorld.block(after: tip, time: tip.time + 1000, txs: txs, lastCommit: last)
            let c = FuzzWorld.certificate(for: b)
            out.append((b, c))
            tip = ChainTip(height: b.height, blockHash: b.hash, stateRoot: tip.stateRoot, time: b.header.time)
            last = c
        }
        return out
    }()

    static let senders = ["bank-a", "bank-b", "registry", "http://127.0.0.1:9", "stranger", ""]

    /// Messages a peer might send; signed ones only for heights at or below `committed`.
    static func message(_ rng: inout SplitMix64, committed: UInt64, stored: [(block: Block, certificate: CommitCertificate)]) -> GossipMessage {
        let old = UInt64(rng.int(1...Int(max(1, min(committed, 1_000_000)))))
        switch rng.int(0...7) {
        case 0, 1: return .vote(FuzzWorld.signedVote(height: old, hash: rng.chance(0.8) ? FuzzWorld.digest("\(old)") : nil,
                                                     type: rng.chance(0.5) ? .prevote : .precommit))
        case 2:  // a forged vote for a live height: an edge height, index or signature
            let v = Vote(type: .precommit, height: rng.chance(0.5) ? Edge.integer(&rng) : committed + 1, round: Int32(truncatingIfNeeded: Edge.integer(&rng)),
                         blockHash: FuzzWorld.digest("forged"), validator: rng.pick([0, 1, 65535]),
                         signature: rng.chance(0.5) ? [] : FuzzWorld.stranger.sign([1, 2, 3]))
            return .vote(v)
        case 3, 4:
            let e = rng.pick(stored.isEmpty ? blocks : stored)
            return .proposal(FuzzWorld.signedProposal(for: e.block), e.block)
        case 5:
            let e = rng.pick(stored.isEmpty ? blocks : stored)
            let p = Proposal(height: committed + 1, round: 0, blockHash: e.block.hash, validRound: Int32(truncatingIfNeeded: Edge.integer(&rng)),
                             proposer: rng.pick([0, 3, 65535]), signature: Array(repeating: 7, count: 64))
            return .proposal(p, e.block)
        default:
            let payloads = FuzzWorld.payloads
            return .transactions((0..<rng.int(0...3)).map { _ in
                let p = rng.pick(payloads)
                return FuzzWorld.transaction(p.type, p.body, by: p.signer, nonce: rng.next())
            })
        }
    }

    /// An envelope: mostly this chain, a known peer's name and an edge or nearby height.
    static func envelope(_ rng: inout SplitMix64, committed: UInt64, stored: [(block: Block, certificate: CommitCertificate)] = []) -> GossipEnvelope {
        let chain = rng.chance(0.8) ? FuzzWorld.chainID : String(decoding: Edge.string(&rng), as: UTF8.self)
        let sender = rng.chance(0.85) ? rng.pick(senders) : String(decoding: Edge.string(&rng), as: UTF8.self)
        let height: UInt64
        switch rng.int(0...9) {
        case 0...3: height = Edge.integer(&rng)
        case 4...6: height = UInt64(max(0, Int64(committed) + Int64(rng.pick([-5, -1, 0, 1, 2, 100]))))
        default: height = rng.next()
        }
        let messages = (0..<rng.int(0...3)).map { _ in message(&rng, committed: committed, stored: stored) }
        return GossipEnvelope(chainID: chain, sender: sender, senderHeight: height, messages: messages)
    }
}
