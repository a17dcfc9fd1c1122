import YongchainCore
import YongchainCrypto

/// What the core asks for, in order. `ConsensusDriver` carries these out for a shell (it asks the `SignerGuard`,
/// hands out messages to sign, loops our own messages back) and turns them into a `Ready`.
public enum ConsensusOutput: Sendable, Equatable {
    /// We propose in (height, round) and hold no valid value: build a block and answer with `.proposalValue`.
    case requestValue(height: UInt64, round: Int32)
    /// Unsigned. Checked against the `SignerGuard`, signed, persisted, sent, and fed back as
    /// `.proposal(_, isValid:)`; only for a block the shell holds (it built it or received it with a proposal).
    case broadcastProposal(Proposal)
    /// Unsigned. Same contract as `broadcastProposal`; fed back as `.vote`.
    case broadcastVote(Vote)
    /// Deliver `.timeout(timeout)` after `afterMs` milliseconds.
    case scheduleTimeout(Timeout, afterMs: Int)
    /// `blockHash` is final at `height`, proven by `commit`. The core may never have seen the proposal: the shell
    /// fetches the block if it lacks it, commits it, then calls `.startHeight(height + 1)`.
    case decide(height: UInt64, round: Int32, blockHash: Hash, commit: CommitCertificate)
    /// Two different signed votes from one validator for the same (height, round, type). Reported once.
    case evidence(Vote, Vote)
    /// Two different signed proposals from one round's proposer. Reported once per round.
    case conflictingProposals(Proposal, Proposal)
}

/// Where the core is within a height.
public enum Step: String, Sendable, Hashable {
    case propose, prevote, precommit
    /// Not running a height: before the first `startHeight`, or after `.decide` until the next `startHeight`.
    case decided
}
