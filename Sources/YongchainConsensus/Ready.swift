import YongchainCore
import YongchainCrypto

/// Everything the shell must do after one `ConsensusDriver.step(_:)` or `signed(_:)`, in the order of the
/// fields (etcd raft's `Ready`): persist, send, sign, then the rest, and apply last.
public struct Ready: Sendable, Equatable {
    /// A block is final at `height`, proven by `certificate`.
    public struct Decision: Sendable, Equatable {
        public let height: UInt64
        public let round: Int32
        public let blockHash: Hash
        public let certificate: CommitCertificate
    }

    /// Deliver `.timeout(timeout)` after `afterMs` milliseconds.
    public struct Scheduled: Sendable, Equatable {
        public let timeout: Timeout
        public let afterMs: Int
    }

    /// getValue(): build a block for (height, round) and answer with `.value`.
    public struct ValueRequest: Sendable, Equatable {
        public let height: UInt64
        public let round: Int32
    }

    /// Proof that a validator signed two different messages for one (height, round, step).
    public enum Evidence: Sendable, Equatable {
        case votes(Vote, Vote)
        case proposals(Proposal, Proposal)
    }

    /// A message the core wanted to sign and the driver did not: the `SignerGuard` refused it (signed before a
    /// crash, or earlier than what was), or the shell does not hold the proposal's block. For the log.
    public struct Refusal: Sendable, Equatable {
        public let message: ConsensusMessage
        public let reason: String
    }

    /// Store durably (fsync) before sending anything of this Ready. Set whenever the driver recorded a new
    /// signature; nil when nothing changed.
    public var persist: SignerRecord?
    /// Signed messages to broadcast to every peer (a proposal with its block).
    public var send: [ConsensusMessage] = []
    /// Unsigned messages the guard allows. Sign each, in order, and hand the signatures to `signed(_:)` before
    /// any other input.
    public var sign: [ConsensusMessage] = []
    public var schedule: [Scheduled] = []
    public var requestValue: ValueRequest?
    /// Proposals of the height just started that arrived before it did: judge each and feed it back as
    /// `.proposal(p, isValid:)`.
    public var judge: [Proposal] = []
    public var evidence: [Evidence] = []
    public var refused: [Refusal] = []
    /// Decided, and the shell holds the block: commit it with the certificate, then `.startHeight(height + 1)`.
    public var apply: Decision?
    /// Decided, but the shell never handed the driver this block: fetch it from a peer, commit it with the
    /// certificate, then `.startHeight(height + 1)`. If a proposal carrying it arrives first, that input's Ready
    /// says `apply`.
    public var fetch: Decision?

    public init() {}

    /// Nothing to do.
    public var isEmpty: Bool { self == Ready() }
}
