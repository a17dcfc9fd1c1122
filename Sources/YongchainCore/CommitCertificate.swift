import YongchainCrypto

/// Proof that a block is final: precommits for it in one round from validators holding more than two thirds of
/// the voting power. Anyone holding the validator set can check it.
public struct CommitCertificate: Sendable, Equatable, CanonicalCodable {
    public struct Signature: Sendable, Equatable {
        public let validator: Int
        public let signature: [UInt8]
        public init(validator: Int, signature: [UInt8]) {
            self.validator = validator
            self.signature = signature
        }
    }

    public let height: UInt64
    public let round: Int32
    public let blockHash: Hash
    /// Sorted by validator index, at most one per validator.
    public let signatures: [Signature]

    public init(height: UInt64, round: Int32, blockHash: Hash, signatures: [Signature]) {
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.signatures = signatures.sorted { $0.validator < $1.validator }
    }

    /// The precommit that signature `s` signs.
    public func vote(for s: Signature) -> Vote {
        Vote(type: .precommit, height: height, round: round, blockHash: blockHash, validator: s.validator, signature: s.signature)
    }

    /// Checks the certificate for `blockHash` at `height` against `validators`: indices known and unique, every
    /// signature valid, and signers' power a quorum. Throws `CommitError` naming the first failure.
    /// `verifier` checks one signature; a node passes one that remembers signatures it already checked.
    public func verify(validators: ValidatorSet, chainID: String, height expectedHeight: UInt64, blockHash expected: Hash,
                       verifier: (PublicKey, [UInt8], [UInt8]) -> Bool = { $0.verify(signature: $1, message: $2) }) throws {
        guard height == expectedHeight else { throw CommitError("commit is for height \(height), expected \(expectedHeight)") }
        guard blockHash == expected else { throw CommitError("commit is for block \(blockHash.short), expected \(expected.short)") }
        var seen = Set<Int>()
        var power: UInt64 = 0
        for s in signatures {
            guard s.validator >= 0, s.validator < validators.count else { throw CommitError("unknown validator index \(s.validator)") }
            guard seen.insert(s.validator).inserted else { throw CommitError("validator \(s.validator) signed twice") }
            let v = validators[s.validator]
            guard verifier(v.publicKey, s.signature, vote(for: s).signingBytes(chainID: chainID)) else {
                throw CommitError("bad signature from validator \(s.validator) (\(v.name))")
            }
            power += v.power
        }
        guard power >= validators.quorum else {
            throw CommitError("signers hold \(power) of \(validators.totalPower) power; a quorum is \(validators.quorum)")
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(height)
        w.u32(UInt32(bitPattern: round))
        w.hash(blockHash)
        w.list(signatures) { w, s in w.u16(UInt16(s.validator)); w.bytes(s.signature) }
    }

    public init(from r: inout CanonicalReader) throws {
        height = try r.u64("commit.height")
        round = Int32(bitPattern: try r.u32("commit.round"))
        blockHash = try r.hash("commit.blockHash")
        signatures = try r.list("commit.signatures", max: 10_000) { r in
            Signature(validator: Int(try r.u16("commit.validator")), signature: try r.bytes("commit.signature", max: 256))
        }
    }
}

public struct CommitError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var code: String { "COMMIT_INVALID" }
    public var description: String { "\(code): \(message)" }
}
