import YongchainCore
import YongchainCrypto

/// A member node's view of the chain, advanced one redacted batch at a time (docs/confidentiality.md): the
/// validator set it trusts, the last header it accepted, and its party log as recomputed from the transactions it
/// holds; and the same at the last height where a party-log proof confirmed that log (`proven`). Pure: what to
/// store, and whom to ask next, is the caller's.
public struct MemberSync: Sendable {
    /// Where the member stands.
    public struct Position: Sendable {
        public internal(set) var sets: ValidatorSetChain
        /// The last accepted header's height and hash (0 and zero at genesis: block 1's `previousBlockHash`).
        public internal(set) var height: UInt64 = 0
        public internal(set) var blockHash: Hash = .zero
        /// The party log recomputed from every own transaction accepted up to `height`.
        public internal(set) var log: PartyLog = .empty
    }

    public let member: String
    public internal(set) var current: Position
    /// The last position whose log a party-log proof confirmed: everything the member holds up to it is complete.
    public internal(set) var proven: Position

    public var height: UInt64 { current.height }
    public var blockHash: Hash { current.blockHash }
    public var log: PartyLog { current.log }

    public init(genesis: Genesis, member: String) {
        self.member = member
        current = Position(sets: ValidatorSetChain(genesis: genesis))
        proven = current
    }

    /// What an accepted batch gives the member to store.
    public struct Accepted: Sendable {
        public let headers: [(header: BlockHeader, certificate: CommitCertificate, txCount: UInt32)]
        public let own: [(height: UInt64, transaction: RedactedBatch.OwnTransaction)]
        /// Whether the batch proved the party log: false for a batch that stopped short of its full node's tip,
        /// which is taken provisionally until a later batch proves the log.
        public let proven: Bool
    }

    /// Checks `batch` as the blocks after the last accepted one, and on success advances to its last block.
    /// On any failure it throws `SyncFailure` and changes nothing.
    ///  1. Each header is of this chain, at the next height, names the previous header's hash, and the set trusted
    ///     at its height.
    ///  2. Its certificate commits it with more than two thirds of that set's power.
    ///  3. Each own transaction's leaf is at its index in `txRoot`, and its code's leaf in `resultsHash`, both of
    ///     `txCount` leaves; a block whose next set differs carries it, and the set trusted after it is that one.
    ///  4. The party log proven at the last header equals the log recomputed from the own transactions in
    ///     (height, index) order — those of this batch and of every provisional one since the last proof.
    /// A batch without a party proof (it stopped short of its full node's tip) passes 1 to 3 and is taken
    /// provisionally. If step 4 fails, the member goes back to `proven`, and the caller MUST drop what it stored
    /// above `proven.height` (provisional batches included) and ask another full node from there.
    public mutating func accept(_ batch: RedactedBatch) throws -> Accepted {
        var next = current
        let suite = next.sets.chain.hashSuite
        var headers: [(header: BlockHeader, certificate: CommitCertificate, txCount: UInt32)] = []
        var own: [(height: UInt64, transaction: RedactedBatch.OwnTransaction)] = []
        for b in batch.blocks {
            let h = b.header
            let what = "the header of height \(h.height)"
            // 1 and 2.
            guard h.chain == next.sets.chain else { throw SyncFailure(.badHeader, "\(what) is of chain \(h.chain)") }
            guard h.height == next.height + 1, h.previousBlockHash == next.blockHash else {
                throw SyncFailure(.badHeader, "\(what) does not follow height \(next.height) (\(next.blockHash.short))")
            }
            do {
                try next.sets.certify(h, b.certificate, what)
            } catch let f as ProofFailure {
                throw SyncFailure(f.reason == .certificate ? .badCertificate : .badHeader, f.message)
            }
            // 3.
            var lastIndex: Int64 = -1
            for o in b.own {
                let tx = o.transaction, hash = tx.hash(on: next.sets.chain)
                guard Int64(o.index) > lastIndex, o.index < b.txCount else {
                    throw SyncFailure(.badInclusion, "\(what): own transaction index \(o.index) out of order or range")
                }
                lastIndex = Int64(o.index)
                let txProof = MerkleProof(index: Int(o.index), count: Int(b.txCount), path: o.txPath)
                guard txProof.verify(leaf: Block.txLeaf(hash: hash, signature: tx.signature, suite: suite), root: h.txRoot, suite: suite) else {
                    throw SyncFailure(.badInclusion, "\(what): transaction \(hash.short) is not at index \(o.index) of its transaction root")
                }
                let resultProof = MerkleProof(index: Int(o.index), count: Int(b.txCount), path: o.resultPath)
                guard resultProof.verify(leaf: Block.resultLeaf(hash: hash, code: o.code, suite: suite), root: h.resultsHash, suite: suite) else {
                    throw SyncFailure(.badInclusion, "\(what): result \(o.code) of \(hash.short) is not in its results hash")
                }
                next.log = next.log.appending(height: h.height, txIndex: o.index, txHash: hash, code: o.code, suite: suite)
                own.append((h.height, o))
            }
            if h.nextValidatorsHash != h.validatorsHash {
                guard let set = b.nextValidators else { throw SyncFailure(.badInclusion, "\(what) changes the validator set but the batch does not carry it") }
                do {
                    try next.sets.follow(h, b.certificate, next: set, what)
                } catch let f as ProofFailure {
                    throw SyncFailure(.badInclusion, f.message)
                }
            } else if b.nextValidators != nil {
                throw SyncFailure(.badInclusion, "\(what) keeps its validator set but the batch carries another")
            }
            next.height = h.height
            next.blockHash = h.hash
            headers.append((h, b.certificate, b.txCount))
        }
        // 4.
        if let last = batch.blocks.last?.header {
            guard let party = batch.party else {
                current = next
                return Accepted(headers: headers, own: own, proven: false)
            }
            do {
                try party.proof.verify(root: last.stateRoot, key: PartyLog.stateKey(member), value: party.log?.canonicalBytes, suite: suite)
            } catch {
                current = proven
                throw SyncFailure(.incomplete, "the party log's proof does not lead to the state root of height \(last.height): \(error)")
            }
            let provenLog = party.log ?? .empty
            if provenLog != next.log {
                current = proven
                if provenLog.count < next.log.count {
                    throw SyncFailure(.overshared, "the party log at height \(last.height) counts \(provenLog.count), the transactions served give \(next.log.count)")
                }
                throw SyncFailure(.incomplete, "the party log at height \(last.height) counts \(provenLog.count), the transactions served give \(next.log.count)")
            }
        } else {
            if batch.party != nil { throw SyncFailure(.badHeader, "a batch without blocks carries a party proof") }
            // Nothing after the member's height: it proves nothing, so a provisional position stays provisional
            // (else a full node could withhold a transaction in a short batch and then "prove" it by an empty one).
            return Accepted(headers: [], own: [], proven: current.height == proven.height)
        }
        current = next
        proven = next
        return Accepted(headers: headers, own: own, proven: true)
    }
}
