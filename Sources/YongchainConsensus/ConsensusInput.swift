import YongchainCore
import YongchainCrypto

/// What the core is fed (by `ConsensusDriver`, or by a test). Signatures are already verified and validator
/// indices known; the core checks only what the algorithm needs (heights, rounds, the round's proposer).
public enum ConsensusInput: Sendable {
    /// The shell committed height-1 (or booted after committing it): begin `height` at round 0. Must be greater
    /// than the current height.
    case startHeight(UInt64)
    /// A signed proposal; `isValid` is the paper's valid(v), judged by the shell (block well formed, links to the
    /// committed chain, transactions acceptable). The shell's judgement of a block must be deterministic.
    case proposal(Proposal, isValid: Bool)
    /// A signed prevote or precommit, including our own looped back.
    case vote(Vote)
    /// The shell's answer to `.requestValue`: the hash of the block it built (the paper's getValue()).
    case proposalValue(height: UInt64, round: Int32, blockHash: Hash)
    /// A timeout the core scheduled has expired.
    case timeout(Timeout)
}
