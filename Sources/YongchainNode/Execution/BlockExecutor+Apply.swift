import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Committing a block (cometbft `BlockExecutor.ApplyBlock`): check it, execute it against committed state, and
/// store block, certificate, results, state writes and the new state hash in one SQLite transaction.
///
/// `apply` throws `BlockInvalid` or `CommitError` for a block or certificate that does not verify, `StateDiverged`
/// for a certified block that verifies but does not execute here as its header says, and the store's error when
/// storage fails — in which case nothing of the block was committed (one transaction) and no result computed from
/// a failed read was kept (`StateReader.checkReads`).
extension BlockExecutor {
    /// How much of a block is still to be checked.
    enum Checks {
        /// Everything: the certificate against the validator set, then the block against the tip (links, roots,
        /// the previous block's certificate, no transaction already committed, every transaction's signature),
        /// then its execution against the header's results hash and state root. For `verify chain`, which checks
        /// what the node did by doing all of it again.
        case full
        /// As `full`, but transactions' signatures are trusted once the certificate verifies: the header's
        /// transaction root binds every signature, and no honest validator prevotes a block with a bad one, so
        /// more than two thirds of the power vouching for the header vouches for them (catch-up).
        case certified
        /// Nothing more: this node's core decided it, having judged the proposal valid (the same checks and the
        /// execution, when it arrived) and counted the precommits of the certificate, each verified on receipt.
        case decidedHere
    }

    /// Checks (as `checks` says), executes and commits `block`, which MUST be the block after the store's tip.
    /// `executed` is this block's execution against the current tip when the node already ran it (judging the
    /// proposal, or proposing it); it is used instead of running the block again. Returns what was committed.
    @discardableResult
    func apply(_ block: Block, certificate: CommitCertificate, checks: Checks, executed: BlockExecution? = nil) throws -> BlockExecution {
        let tip = store.tip
        guard block.height == tip.height + 1 else {
            throw BlockInvalid("height \(block.height) does not follow the tip \(tip.height)")
        }
        var hashes: [Hash]?
        if checks != .decidedHere {
            // The certificate first (cheap: a few signatures), against the set the committed state says signs
            // this height; then everything else.
            let rules = try self.rules()
            guard let signers = rules.validators(at: block.height) else { throw BlockInvalid("no validator set for height \(block.height)") }
            if let signatures {
                try certificate.verify(validators: signers, chainID: chain.id, height: block.height, blockHash: block.hash,
                                       verifier: signatures.verify)
            } else {
                try certificate.verify(validators: signers, chainID: chain.id, height: block.height, blockHash: block.hash)
            }
            let trusted = checks == .certified
            hashes = try validate(block, tip: tip, rules: rules, isCommitted: { try store.isCommitted($0) },
                                  isVerified: { _ in trusted }, maxTime: nil)
        }
        let exec = try executed ?? store.committedSnapshot { try execute(block, on: $0, tree: $1, tip: tip, hashes: hashes) }
        // Everything a peer could have altered was checked above (or, decided here, when the proposal was judged):
        // a header certified by more than two thirds of the power whose roots this node's execution does not give
        // means this node's state or code differs from theirs.
        if let why = exec.mismatch(block.header) { throw StateDiverged(height: block.height, reason: why) }
        try store.commit(block: block, certificate: certificate, writes: exec.writes,
                         results: exec.results.map { ($0.hash, $0.result) }, parties: exec.parties, tree: exec.tree)
        return exec
    }
}

/// A block the validators certified, whose transactions are the ones its header binds, gives here other results
/// or another state root than its header says: this node's state or code differs from the certifying majority's.
/// Nothing a peer sends can cause it, so it is nobody's fault but this node's: it stops (fail-stop, as CometBFT
/// panics there) rather than blame its peers or vote on a state the others do not have.
struct StateDiverged: Error, CustomStringConvertible {
    let height: UInt64
    let reason: String
    var code: String { NodeCode.stateDiverged }
    var description: String {
        "\(code): block \(height), certified by the validators, does not execute here as its header says (\(reason)); this node's state or code differs from theirs"
    }
}
