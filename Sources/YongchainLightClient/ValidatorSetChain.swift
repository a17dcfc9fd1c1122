import YongchainCore
import YongchainCrypto

/// The validator sets a light client trusts, followed from genesis with nothing but certified headers (cometbft
/// `light/verifier.go`, with no trust level to skip on): genesis's set signs from height 1; a header whose
/// `nextValidatorsHash` names a new set, certified by more than two thirds of the trusted set's power, makes the
/// new set trusted after it. A change is followed only in increasing height.
public struct ValidatorSetChain: Sendable {
    public let chain: Chain
    /// The set trusted for headers after `since`.
    public private(set) var trusted: ValidatorSet
    /// The height of the last change followed (0: none; genesis's set).
    public private(set) var since: UInt64 = 0

    public init(genesis: Genesis) {
        chain = genesis.chain
        trusted = genesis.validatorSet
    }

    /// A chain restored from a member node's own database (`MemberSync.Position(stored:genesis:)`): `trusted`
    /// after the change followed at `since`.
    init(chain: Chain, trusted: ValidatorSet, since: UInt64) {
        self.chain = chain
        self.trusted = trusted
        self.since = since
    }

    /// Checks that `header` is of this chain, after the last change followed, names the trusted set, and that
    /// `certificate` carries more than two thirds of that set's power for it. `what` names the header in the
    /// `ProofFailure` thrown.
    public func certify(_ header: BlockHeader, _ certificate: CommitCertificate, _ what: String) throws {
        let suite = chain.hashSuite
        guard header.chain == chain else { throw ProofFailure(.wrongChain, "\(what) is of chain \(header.chain), the genesis file's is \(chain)") }
        guard header.height > since else {
            throw ProofFailure(.wrongValidators, "\(what) is at height \(header.height), not after height \(since)")
        }
        guard header.validatorsHash == trusted.hash(suite) else {
            throw ProofFailure(.wrongValidators, "\(what) names validator set \(header.validatorsHash.short), the set trusted at its height is \(trusted.hash(suite).short)")
        }
        do {
            try certificate.verify(validators: trusted, chainID: chain.id, height: header.height, blockHash: header.hash)
        } catch {
            throw ProofFailure(.certificate, "\(what): \(error)")
        }
    }

    /// Follows a change: `header` is certified (`certify`) and names `next` as its `nextValidatorsHash`, a set other
    /// than the trusted one; `next` is trusted after it.
    public mutating func follow(_ header: BlockHeader, _ certificate: CommitCertificate, next: ValidatorSet, _ what: String) throws {
        try certify(header, certificate, what)
        let suite = chain.hashSuite
        guard header.nextValidatorsHash == next.hash(suite), next.hash(suite) != trusted.hash(suite) else {
            throw ProofFailure(.wrongValidators, "\(what) does not name its new set")
        }
        trusted = next
        since = header.height
    }
}
