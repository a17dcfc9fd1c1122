import YongchainCore
import YongchainCrypto

/// The blocks of the current and next height the consensus shell holds — its own values and the proposals it
/// received — with what executing them against the tip gave (immediate execution: a block is executed before
/// this node proposes or prevotes for it), so a decided block is not executed twice.
///
/// Thread rule: the consensus queue's (a value inside `ConsensusShell`).
struct HeldBlocks {
    /// Blocks held at once; a byzantine proposer may sign many.
    static let capacity = 256

    private(set) var blocks: [Hash: Block] = [:]
    private(set) var executions: [Hash: BlockExecution] = [:]
    /// Blocks this node found valid against the tip (`ConsensusShell.isValid`). Nothing a block's validity reads
    /// changes until the next commit (the tip, its rules and committed transactions; the time bound only grows),
    /// so a block judged again, as a proposal of a later round or re-asked by the driver, is not checked again.
    private(set) var valid: Set<Hash> = []

    subscript(_ hash: Hash) -> Block? { blocks[hash] }

    /// Holds `block` (and its execution, when known); false when full and it is new. A held block this node built
    /// or found valid is kept when another with the same hash comes without an execution: a header's hash covers
    /// the transaction root, not the transactions, so a copy of a signed proposal with its body altered (by any
    /// peer that relays it) would otherwise replace the body that was checked and executed, and be committed.
    /// Before a verdict, given `chain`, a held body that matches its header stays against a different one (which
    /// then cannot match it): a relayed altered copy cannot displace the proposer's body and cost the round.
    @discardableResult
    mutating func hold(_ block: Block, execution: BlockExecution? = nil, chain: Chain? = nil) -> Bool {
        let hash = block.hash
        if execution == nil, let current = blocks[hash] {
            if valid.contains(hash) || executions[hash] != nil { return true }
            if let chain, current != block, current.integrityProblem(chain: chain) == nil { return true }
        }
        if blocks[hash] == nil, blocks.count >= Self.capacity { return false }
        blocks[hash] = block
        if let execution { executions[hash] = execution }
        return true
    }

    mutating func remember(_ execution: BlockExecution, of hash: Hash) { executions[hash] = execution }

    /// `hash`'s block passed every check against the tip, its execution included (which `remember` keeps).
    mutating func rememberValid(_ hash: Hash) { valid.insert(hash) }

    /// `height` is committed: blocks of later heights stay; executions and verdicts, made against the old tip, go.
    mutating func committed(_ height: UInt64) {
        blocks = blocks.filter { $0.value.height > height }
        executions.removeAll()
        valid.removeAll()
    }
}
