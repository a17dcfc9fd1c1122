import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Why a proposed or fetched block is not valid (the paper's valid(v) is false).
struct BlockInvalid: Error, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var code: String { NodeCode.blockInvalid }
    var description: String { "\(code): \(reason)" }
}

/// The checks every node makes before prevoting for a block or applying a fetched one: the paper's valid(v),
/// the other side of `createProposalBlock`.
extension BlockExecutor {
    /// `rules` are those of the committed state at `tip` (who signs the tip, this block and the next; the block
    /// size limit). `isVerified` says whether a transaction's signature was already checked (e.g. it is in the
    /// mempool). Returns the transactions' hashes, in order, for `execute`.
    @discardableResult
    func validate(_ block: Block, tip: ChainTip, rules: ChainRules, isCommitted: (Hash) throws -> Bool,
                  isVerified: (Hash) -> Bool, maxTime: Int64?) throws -> [Hash] {
        let h = block.header
        guard h.chain == chain else { throw BlockInvalid("chain \(h.chain)") }
        guard h.height == tip.height + 1 else { throw BlockInvalid("height \(h.height), expected \(tip.height + 1)") }
        guard rules.tip == tip.height, let validators = rules.validators(at: h.height), let next = rules.validators(at: h.height + 1) else {
            throw BlockInvalid("the rules read at height \(rules.tip) do not cover height \(h.height)")
        }
        guard h.previousBlockHash == tip.blockHash else { throw BlockInvalid("previous block hash does not match the tip") }
        let suite = chain.hashSuite
        guard h.validatorsHash == validators.hash(suite) else { throw BlockInvalid("validators hash \(h.validatorsHash.short) is not the set that signs height \(h.height), \(validators.hash(suite).short)") }
        guard h.nextValidatorsHash == next.hash(suite) else { throw BlockInvalid("next validators hash \(h.nextValidatorsHash.short) is not the set that signs height \(h.height + 1), \(next.hash(suite).short)") }
        guard validators.index(of: h.proposer) != nil else { throw BlockInvalid("proposer is not a validator") }
        guard h.time > tip.time else { throw BlockInvalid("time \(h.time) is not after the previous block's \(tip.time)") }
        if let maxTime, h.time > maxTime { throw BlockInvalid("time \(h.time) is too far in the future") }
        guard block.transactions.count <= rules.parameters.maxBlockTransactions else {
            throw BlockInvalid("\(block.transactions.count) transactions, more than \(rules.parameters.maxBlockTransactions)")
        }
        guard h.lastCommitHash == Block.commitHash(block.lastCommit, suite: suite) else { throw BlockInvalid("last commit hash") }
        if tip.height == 0 {
            guard block.lastCommit == nil else { throw BlockInvalid("the first block carries no last commit") }
        } else {
            guard let c = block.lastCommit, let signers = rules.validators(at: tip.height) else { throw BlockInvalid("missing last commit") }
            do {
                if let signatures {
                    try c.verify(validators: signers, chainID: chain.id, height: tip.height, blockHash: tip.blockHash, verifier: signatures.verify)
                } else {
                    try c.verify(validators: signers, chainID: chain.id, height: tip.height, blockHash: tip.blockHash)
                }
            } catch { throw BlockInvalid("\(error)") }
        }
        var seen = Set<Hash>()
        var leaves: [Hash] = [], hashes: [Hash] = []
        leaves.reserveCapacity(block.transactions.count)
        hashes.reserveCapacity(block.transactions.count)
        for tx in block.transactions {
            let th = tx.hash(on: chain)
            guard seen.insert(th).inserted else { throw BlockInvalid("transaction \(th.short) appears twice") }
            guard try !isCommitted(th) else { throw BlockInvalid("transaction \(th.short) is already committed") }
            if !isVerified(th) {
                let ok = signatures?.verify(tx, hash: th) ?? tx.verifySignature(chainID: chain.id)
                guard ok else { throw BlockInvalid("bad signature on transaction \(th.short)") }
            }
            leaves.append(Block.txLeaf(hash: th, signature: tx.signature, suite: suite))
            hashes.append(th)
        }
        guard Merkle.root(leaves: leaves, suite: suite) == h.txRoot else { throw BlockInvalid("transaction root") }
        return hashes
    }
}
