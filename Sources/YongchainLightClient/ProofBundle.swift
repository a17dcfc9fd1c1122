import YongchainCore
import YongchainCrypto

/// Everything a client needs to check a node's answer offline with only the genesis file (docs/proofs.md):
/// the state entries the answer was computed from, each with a membership or absence proof against the state
/// root of `header`; `certificate`, the precommits that committed `header`; and the validator-set changes from
/// genesis up to that header, each certified by the set before it.
///
/// Execution is immediate, so header H's `stateRoot` is the state after block H, and certificate H commits it:
/// the bundle carries exactly the header and certificate of the height the answer names.
public struct ProofBundle: Sendable, Equatable, CanonicalCodable {
    public static let version: UInt8 = 1
    /// Bounds on a decoded bundle (a bundle comes from a node that may lie).
    public static let maxEntries = 10_000
    public static let maxKeyBytes = 1_024
    public static let maxValueBytes = 1 << 20
    public static let maxChanges = 100_000

    /// One state key, its value (nil: absent) and the proof of it.
    public struct Entry: Sendable, Equatable {
        public let key: [UInt8]
        public let value: [UInt8]?
        public let proof: StateProof

        public init(key: [UInt8], value: [UInt8]?, proof: StateProof) {
            self.key = key
            self.value = value
            self.proof = proof
        }
    }

    /// A height where the validator set changes: its header names the new set as `nextValidatorsHash`, and is
    /// certified by the set before the change.
    public struct ValidatorSetChange: Sendable, Equatable {
        public let header: BlockHeader
        public let certificate: CommitCertificate
        public let next: ValidatorSet

        public init(header: BlockHeader, certificate: CommitCertificate, next: ValidatorSet) {
            self.header = header
            self.certificate = certificate
            self.next = next
        }
    }

    public var changes: [ValidatorSetChange]
    public var header: BlockHeader
    public var certificate: CommitCertificate
    public var entries: [Entry]

    public init(changes: [ValidatorSetChange], header: BlockHeader, certificate: CommitCertificate, entries: [Entry]) {
        self.changes = changes
        self.header = header
        self.certificate = certificate
        self.entries = entries
    }

    /// What a verified bundle establishes.
    public struct Verified {
        public let height: UInt64
        /// Block time of `height`, milliseconds since the Unix epoch.
        public let time: Int64
        public let blockHash: Hash
        public let stateRoot: Hash
        /// The set that certified the header.
        public let validators: ValidatorSet
        /// The proven entries, for re-running the query.
        public let state: ProvenState
    }

    /// Checks the bundle against `genesis` alone, every step, with no trust level to skip on:
    /// 1. The set trusted at height 1 is genesis's.
    /// 2. Each validator-set change, in increasing height: its header is of this chain and names the trusted set;
    ///    its certificate carries more than two thirds of the trusted power for that header; its
    ///    `nextValidatorsHash` is the new set's hash, which is trusted from the next height on.
    /// 3. The header: this chain, after the last change, names the trusted set, and its certificate carries more
    ///    than two thirds of that set's power.
    /// 4. Every entry's proof leads to the header's state root; no key appears twice.
    /// Throws `ProofFailure` naming the first step that fails.
    public func verify(genesis: Genesis) throws -> Verified {
        let suite = genesis.chain.hashSuite
        var sets = ValidatorSetChain(genesis: genesis)
        for (i, change) in changes.enumerated() {
            try sets.follow(change.header, change.certificate, next: change.next,
                            "validator-set change \(i + 1) (height \(change.header.height))")
        }
        try sets.certify(header, certificate, "the header of height \(header.height)")
        var proven: [[UInt8]: [UInt8]?] = [:]
        for e in entries {
            guard proven[e.key] == nil else { throw ProofFailure(.state, "key \(ProvenState.show(e.key)) appears twice") }
            do {
                try e.proof.verify(root: header.stateRoot, key: e.key, value: e.value, suite: suite)
            } catch let failure as StateProofError {
                throw ProofFailure(.state, "key \(ProvenState.show(e.key)): \(failure)")
            }
            proven[e.key] = .some(e.value)
        }
        return Verified(height: header.height, time: header.time, blockHash: header.hash, stateRoot: header.stateRoot,
                        validators: sets.trusted, state: ProvenState(entries: proven))
    }

    public func encode(to w: inout CanonicalWriter) {
        Self.encodeHead(changes: changes, header: header, certificate: certificate, to: &w)
        Self.encodeEntries(entries, to: &w)
    }

    /// The bytes of a bundle before its entries (version, validator-set changes, header, certificate): the same in
    /// every bundle of one height, so a node encodes them once a height (its `ProofBase`).
    public static func head(changes: [ValidatorSetChange], header: BlockHeader, certificate: CommitCertificate) -> [UInt8] {
        var w = CanonicalWriter(capacity: 1_024)
        encodeHead(changes: changes, header: header, certificate: certificate, to: &w)
        return w.bytes
    }

    /// The bundle's entries as they follow its head (the list's count, then each entry).
    public static func encodeEntries(_ entries: [Entry], to w: inout CanonicalWriter) {
        w.list(entries) { w, e in
            w.bytes(e.key)
            if let v = e.value { w.u8(1); w.bytes(v) } else { w.u8(0) }
            w.item(e.proof)
        }
    }

    private static func encodeHead(changes: [ValidatorSetChange], header: BlockHeader, certificate: CommitCertificate,
                                   to w: inout CanonicalWriter) {
        w.u8(ProofBundle.version)
        w.list(changes) { w, c in w.item(c.header); w.item(c.certificate); w.item(c.next) }
        w.item(header)
        w.item(certificate)
    }

    public init(from r: inout CanonicalReader) throws {
        let version = try r.u8("bundle.version")
        guard version == ProofBundle.version else { throw EncodingError.invalid("bundle.version", "\(version) is not \(ProofBundle.version)") }
        changes = try r.list("bundle.changes", max: ProofBundle.maxChanges) { r in
            ValidatorSetChange(header: try r.item(), certificate: try r.item(), next: try r.item())
        }
        header = try r.item()
        certificate = try r.item()
        entries = try r.list("bundle.entries", max: ProofBundle.maxEntries) { r in
            let key = try r.bytes("entry.key", max: ProofBundle.maxKeyBytes)
            let value = try r.bool("entry.present") ? try r.bytes("entry.value", max: ProofBundle.maxValueBytes) : nil
            return Entry(key: key, value: value, proof: try r.item())
        }
    }

    /// Decodes bundle bytes of a chain whose hashes are `suite`'s, turning any decoding error into `PROOF_MALFORMED`.
    public static func decode(_ bytes: [UInt8], suite: HashSuite) throws -> ProofBundle {
        do { return try ProofBundle(canonical: bytes, hashSuite: suite) } catch { throw ProofFailure(.malformed, "\(error)") }
    }
}
