import YongchainCore
import YongchainCrypto

/// A proposal or a vote: what a validator signs and gossips.
public enum ConsensusMessage: Sendable, Hashable {
    case proposal(Proposal)
    case vote(Vote)

    public var height: UInt64 {
        switch self {
        case .proposal(let p): return p.height
        case .vote(let v): return v.height
        }
    }

    public var round: Int32 {
        switch self {
        case .proposal(let p): return p.round
        case .vote(let v): return v.round
        }
    }

    /// The index of the validator that signs it, in the set of its height.
    public var signer: Int {
        switch self {
        case .proposal(let p): return p.proposer
        case .vote(let v): return v.validator
        }
    }

    /// The bytes a validator's key signs (domain tag, chain id, message).
    public func signingBytes(chainID: String) -> [UInt8] {
        switch self {
        case .proposal(let p): return p.signingBytes(chainID: chainID)
        case .vote(let v): return v.signingBytes(chainID: chainID)
        }
    }

    /// The same message carrying `signature`.
    func signed(_ signature: [UInt8]) -> ConsensusMessage {
        switch self {
        case .proposal(var p): p.signature = signature; return .proposal(p)
        case .vote(var v): v.signature = signature; return .vote(v)
        }
    }

    /// What the `SignerGuard` orders and remembers.
    var guardMessage: SignerGuard.Message {
        switch self {
        case .proposal(let p): return SignerGuard.Message(p)
        case .vote(let v): return SignerGuard.Message(v)
        }
    }
}
