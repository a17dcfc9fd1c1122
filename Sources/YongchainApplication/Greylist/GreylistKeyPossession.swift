import YongchainCore
import YongchainCrypto

/// The proof of possession `greylist.addVrfKey` carries (docs/greylist.md, "The VRF: bytes and test vectors"): a VRF
/// proof by the key being admitted, over
///
///     alpha = str("yongchain/greylist/key-possession/v1") ‖ str(chainId) ‖ Y (the key, 33 bytes)
///
/// so only the key's holder can have it proposed, and a proof made for one chain is refused on another.
public enum GreylistKeyPossession {
    public static let alphaTag = "yongchain/greylist/key-possession/v1"

    public static func alpha(chainID: String, key: [UInt8]) -> [UInt8] {
        var w = CanonicalWriter()
        w.string(alphaTag)
        w.string(chainID)
        w.raw(key)
        return w.bytes
    }

    /// The action that admits `key` on `chainID`, with the proof only its holder can make.
    public static func action(_ key: VRFPrivateKey, chainID: String) throws -> GovernanceAction {
        .addVRFKey(key.publicKey.bytes, proof: try key.prove(alpha(chainID: chainID, key: key.publicKey.bytes)).bytes)
    }

    /// Nil when `proof` is `key`'s over this chain's alpha; else VRF_PROOF_INVALID (missing, another key's, another
    /// chain's, altered) or VRF_PROOF_MALFORMED (not 81 well-formed bytes).
    static func refusal(key: VRFPublicKey, proof: [UInt8], chainID: String) -> TxResult? {
        guard !proof.isEmpty else {
            return .reject(Codes.Greylist.vrfProofInvalid, "action.proof: missing; the key's holder proves it (yongchain governance propose greylist-add-key)")
        }
        do { _ = try key.verify(proof: proof, alpha: alpha(chainID: chainID, key: key.bytes)) } catch let e as CryptoError {
            return .reject(e.code, "action.proof: \(e.message); it must be the key's proof over this chain's key-possession input")
        } catch {
            return .reject(Codes.Greylist.vrfProofInvalid, "action.proof: \(error)")
        }
        return nil
    }
}
