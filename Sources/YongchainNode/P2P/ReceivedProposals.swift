import Foundation
import YongchainCore

/// Proposals this node received in gossip, each with its block and the exact bytes that block was decoded from, so
/// that a re-sent copy (a proposer re-sends its proposal every second while the height is undecided) is recognised by
/// those bytes and its block not decoded again (`GossipEnvelope.init(canonical:hashSuite:received:found:)`).
///
/// A copy is taken from here only when its signed proposal is the one kept (signature included) and its block's bytes
/// are byte for byte the ones kept: decoding them again would give the same block, so nothing changes but the work.
/// Any other copy (another body under the same header hash, another block under the same height and round) is
/// decoded and handled as before. Kept only after the proposal's signature verified and its block hashed to the hash
/// it names, at a height consensus takes (above the tip).
///
/// Bounded: the latest `perProposer` of each proposer index, `capacity` in all; those at or below the tip go when
/// the next one is kept. A proposer that signs many blocks evicts only its own.
///
/// Thread rule: any thread (HTTP workers); everything under `lock`.
final class ReceivedProposals: @unchecked Sendable {
    struct Entry {
        let proposal: Proposal
        let bytes: [UInt8]
        let block: Block
    }

    static let perProposer = 2
    static let capacity = 64

    private let lock = NSLock()
    /// Oldest first.
    private var entries: [Entry] = []

    var count: Int { lock.withLock { entries.count } }

    /// The block kept for exactly `proposal`, with the bytes it was decoded from.
    func kept(_ proposal: Proposal) -> Entry? {
        lock.withLock { entries.last { $0.proposal == proposal } }
    }

    /// Keeps `block`, decoded from `bytes`, as `proposal`'s, in place of what was kept for that proposal; drops what
    /// is at or below `tip` and, past the bounds, the proposer's oldest, then the oldest of all.
    func keep(_ proposal: Proposal, bytes: [UInt8], block: Block, tip: UInt64) {
        lock.withLock {
            entries.removeAll { $0.proposal.height <= tip || $0.proposal == proposal }
            let mine = entries.indices.filter { entries[$0].proposal.proposer == proposal.proposer }
            if mine.count >= Self.perProposer { entries.remove(at: mine[0]) }
            if entries.count >= Self.capacity { entries.removeFirst() }
            entries.append(Entry(proposal: proposal, bytes: bytes, block: block))
        }
    }
}
