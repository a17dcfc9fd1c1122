import YongchainCore
import YongchainCrypto

/// A pseudonym as the supervisor's node gives it (`POST /v1/greylist/pseudonyms`): the VRF output and its proof pi
/// (81 bytes, 162 hex digits) under one key version. The bank keeps the proof; it never goes on chain.
public struct GreylistPseudonym: Codable, Sendable, Equatable {
    public let keyVersion: UInt32
    public let pseudonym: Hash
    public let proof: String

    public init(keyVersion: UInt32, pseudonym: Hash, proof: String) {
        self.keyVersion = keyVersion
        self.pseudonym = pseudonym
        self.proof = proof
    }

    /// `identity`'s pseudonym under `key` (version `version`): what the supervisor's node computes.
    public static func make(_ identity: GreylistIdentity, key: VRFPrivateKey, version: UInt32, chainID: String) throws -> GreylistPseudonym {
        let proof = try key.prove(identity.alpha(chainID: chainID))
        return GreylistPseudonym(keyVersion: version, pseudonym: proof.output, proof: Hex.encode(proof.bytes))
    }

    public var subject: GreylistSubject { GreylistSubject(keyVersion: keyVersion, pseudonym: pseudonym) }
}
