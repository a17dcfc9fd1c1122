/// An ECVRF-P256-SHA256-TAI proof pi (RFC 9381 §5.1 step 8): point_to_string(Gamma) (33 bytes) ‖ c (16 bytes)
/// ‖ s (32 bytes), integers big-endian. Decoded on creation, so a value of this type is well formed; whether it
/// proves anything is `VRFPublicKey.verify`'s question.
public struct VRFProof: Hashable, Sendable {
    public static let byteCount = P256.pointLength + ECVRF.challengeLength + P256.scalarLength

    /// The 81 bytes of pi.
    public let bytes: [UInt8]

    /// ECVRF_decode_proof (§5.4.4): exactly 81 bytes; Gamma a point of P-256 in compressed form; s < q.
    ///
    /// - Throws: `CryptoError` `VRF_PROOF_MALFORMED`, naming which part is wrong.
    public init(bytes: [UInt8]) throws {
        func malformed(_ why: String) -> CryptoError {
            CryptoError(code: "VRF_PROOF_MALFORMED", message: "not an ECVRF-P256-SHA256-TAI proof: \(why)")
        }
        guard bytes.count == Self.byteCount else {
            throw malformed("it is \(bytes.count) bytes, not \(Self.byteCount)")
        }
        self.bytes = bytes
        let valid: (gamma: Bool, s: Bool) = P256.withContext { ctx in
            (ECPoint(compressed: gammaString, context: ctx) != nil, BigNum(bytes: sString).isBelowOrder)
        }
        // 4-5. Gamma = string_to_point(gamma_string), or INVALID.
        guard valid.gamma else { throw malformed("its first 33 bytes (Gamma) are not a compressed point of P-256") }
        // 8. s < q (s = 0 is allowed: the RFC refuses only s ≥ q).
        guard valid.s else { throw malformed("its last 32 bytes (s) are not below the group order") }
    }

    /// A proof this module just made.
    init(unchecked bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "ECVRF: a proof of \(bytes.count) bytes")
        self.bytes = bytes
    }

    var gammaString: ArraySlice<UInt8> { bytes[0..<P256.pointLength] }
    var cString: ArraySlice<UInt8> { bytes[P256.pointLength..<(P256.pointLength + ECVRF.challengeLength)] }
    var sString: ArraySlice<UInt8> { bytes[(P256.pointLength + ECVRF.challengeLength)...] }

    /// beta = ECVRF_proof_to_hash(pi) (§5.2), 32 bytes. Callers MUST take it only from a proof that verified
    /// (`VRFPublicKey.verify` returns it) or that they made: from an unchecked proof it means nothing.
    public var output: Hash { ECVRF.proofToHash(gammaString: gammaString) }
}
