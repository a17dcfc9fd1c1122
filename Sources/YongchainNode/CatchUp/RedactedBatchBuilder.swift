import YongchainCore
import YongchainCrypto
import YongchainStorage

/// What a full node serves a member node instead of full blocks (docs/confidentiality.md, "Serving a member node"):
/// from one read snapshot, the blocks from `from`, each redacted to the member's own transactions (the `parties`
/// the executor stored with the block), and, when the batch reaches the snapshot's tip, the member's party log
/// proven against the tip's state root. State proofs are made at the tip only, so a batch that stops short of it
/// carries no party proof: the member takes it as provisional until a batch that reaches the tip proves its log
/// (`MemberSync`).
struct RedactedBatchBuilder {
    let store: ChainStore
    let application: Application
    let chain: Chain

    /// The batch for `member` from height `from`, at most `limit` blocks (and `RedactedBatch.maxBlocks`), and no
    /// further block once it holds about `maxBytes` (at least one block: a member's own transactions can be large,
    /// and an answer past the member's response limit would stall it); an empty batch when `from` is past the tip.
    func batch(member: String, from: UInt64, limit: Int, maxBytes: Int = 8 << 20) throws -> RedactedBatch {
        try store.read { try batch(member: member, from: from, limit: limit, maxBytes: maxBytes, in: $0) }
    }

    /// The same, from the snapshot `v`.
    func batch(member: String, from: UInt64, limit: Int, maxBytes: Int = 8 << 20, in v: ReadView) throws -> RedactedBatch {
        let tip = try v.tip()
        guard from >= 1, from <= tip.height, limit > 0 else { return RedactedBatch(blocks: [], party: nil) }
        let count = UInt64(min(limit, RedactedBatch.maxBlocks))
        let to = min(tip.height, from + count - 1)
        var sets: [ValidatorSet]?
        var blocks: [RedactedBatch.RedactedBlock] = []
        var last = from - 1, bytes = 0
        for h in from...to {
            if bytes >= maxBytes { break }
            guard let (block, certificate) = try v.committedBlock(at: h) else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "block \(h) below the tip \(tip.height) is missing")
            }
            let codes = try block.transactions.map { tx -> String in
                guard let r = try v.transaction(tx.hash(on: chain)) else {
                    throw StorageError(code: "STORAGE_CORRUPT", message: "a transaction of block \(h) has no result")
                }
                return r.result.code
            }
            var next: ValidatorSet?
            if block.header.nextValidatorsHash != block.header.validatorsHash {
                if sets == nil { sets = try application.validatorSetHistory(state: v).map(\.set) }
                next = sets?.first { $0.hash(chain.hashSuite) == block.header.nextValidatorsHash }
            }
            let own = try v.parties(member: member, height: h)
            guard own.allSatisfy({ block.transactions.indices.contains($0) }) else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "the parties of block \(h) name a transaction it does not hold")
            }
            blocks.append(RedactedBatch.redact(block, certificate: certificate, codes: codes, own: own, nextValidators: next, chain: chain))
            // Header and certificate, then each own transaction whole with its two paths (an estimate, on the high side).
            bytes += 2048 + own.reduce(0) { $0 + block.transactions[$1].body.count + 1024 }
            last = h
        }
        guard last == tip.height else { return RedactedBatch(blocks: blocks, party: nil) }
        let (value, proof) = try v.stateProof(key: PartyLog.stateKey(member), tip: tip)
        let log = try value.map { try PartyLog(canonical: $0) }
        return RedactedBatch(blocks: blocks, party: .init(log: log, proof: proof))
    }
}
