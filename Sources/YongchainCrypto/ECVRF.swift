import COpenSSL

/// ECVRF-P256-SHA256-TAI, the verifiable random function of RFC 9381 (§5, the suite of §5.5), composed from
/// libcrypto's P-256 operations (`P256.swift`), SHA-256 (`Hash`) and HMAC-SHA256 (`HMACSHA256`, for RFC 6979's
/// nonce). The numbered steps below are the RFC's.
///
/// Only the holder of the private key x computes beta = VRF(x, alpha); anyone holding the public key Y checks,
/// from the 81-byte proof pi, that beta is the one output for alpha under Y. docs/greylist.md, "The VRF",
/// gives the byte formats and the RFC's test vectors for other implementations.
enum ECVRF {
    /// suite_string (RFC 9381 §5.5).
    static let suite: UInt8 = 0x01
    /// cLen: the challenge is the first 16 bytes of a SHA-256.
    static let challengeLength = 16
    /// try_and_increment's counter is one byte.
    static let maxCounter = 255

    /// ECVRF_prove (§5.1) with secret scalar `x` and its public key `y` (compressed).
    static func prove(x: BigNum, y: [UInt8], alpha: [UInt8]) throws -> VRFProof {
        try P256.withContext { ctx in
            // 1. x is the secret scalar, Y = x·B (`y`).
            // 2-3. H = encode_to_curve(Y, alpha); h_string = point_to_string(H).
            let (h, hString) = try encodeToCurve(salt: y, alpha: alpha, context: ctx)
            // 4. Gamma = x·H.
            let gamma = ECPoint.product(x, h, context: ctx)
            // 5. k = nonce_generation(SK, h_string).
            let k = nonce(secret: x, hString: hString, context: ctx)
            // 6. c = challenge_generation(Y, H, Gamma, U = k·B, V = k·H).
            let gammaString = gamma.compressed(context: ctx)
            let c = challenge([y, hString, gammaString,
                               ECPoint.product(k, nil, context: ctx).compressed(context: ctx),
                               ECPoint.product(k, h, context: ctx).compressed(context: ctx)])
            // 7. s = (k + c·x) mod q.
            let cx = BigNum(), s = BigNum(), cNumber = BigNum(bytes: c)
            s.markSecret()
            guard BN_mod_mul(cx.pointer, cNumber.pointer, x.pointer, P256.order, ctx) == 1,
                  BN_mod_add(s.pointer, k.pointer, cx.pointer, P256.order, ctx) == 1,
                  let sString = s.bytes(count: P256.scalarLength) else {
                fatalError("libcrypto: BN_mod_mul/BN_mod_add failed (out of memory)")
            }
            // 8. pi = point_to_string(Gamma) || int_to_string(c, cLen) || int_to_string(s, qLen).
            return VRFProof(unchecked: gammaString + c + sString)
        }
    }

    /// ECVRF_verify (§5.3) with `validate_key` (§5.4.5: the key is a point other than the identity, which
    /// `VRFPublicKey` guarantees). Returns beta.
    ///
    /// - Throws: `CryptoError` `VRF_PROOF_INVALID` when pi is well formed but not a proof of `alpha` under `key`.
    static func verify(key: VRFPublicKey, proof: VRFProof, alpha: [UInt8]) throws -> Hash {
        try P256.withContext { ctx in
            // 1-3. Y = string_to_point(PK_string), checked when `key` was made.
            guard let y = ECPoint(compressed: key.bytes, context: ctx) else {
                fatalError("ECVRF: a VRFPublicKey that does not decode")
            }
            // 4-5. (Gamma, c, s) = decode_proof(pi), whose checks `VRFProof` made.
            guard let gamma = ECPoint(compressed: proof.gammaString, context: ctx) else {
                fatalError("ECVRF: a VRFProof whose Gamma does not decode")
            }
            let c = BigNum(bytes: proof.cString), s = BigNum(bytes: proof.sString)
            // 6. H = encode_to_curve(Y, alpha).
            let (h, hString) = try encodeToCurve(salt: key.bytes, alpha: alpha, context: ctx)
            // 7. U = s·B − c·Y.  8. V = s·H − c·Gamma.
            let u = ECPoint.difference(s, nil, c, y, context: ctx)
            let v = ECPoint.difference(s, h, c, gamma, context: ctx)
            // 9. c' = challenge_generation(Y, H, Gamma, U, V).
            let cPrime = challenge([key.bytes, hString, Array(proof.gammaString),
                                    u.compressed(context: ctx), v.compressed(context: ctx)])
            // 10. Valid only if c = c'.
            guard cPrime.elementsEqual(proof.cString) else {
                throw CryptoError(code: "VRF_PROOF_INVALID",
                                  message: "the VRF proof is not a proof of this input under key \(key.text)")
            }
            return proofToHash(gammaString: proof.gammaString)
        }
    }

    /// ECVRF_proof_to_hash (§5.2): beta = SHA-256(suite ‖ 0x03 ‖ point_to_string(cofactor·Gamma) ‖ 0x00),
    /// cofactor 1.
    static func proofToHash<G: Collection>(gammaString: G) -> Hash where G.Element == UInt8 {
        HashSuite.sha256.digest(parts: [[suite, 0x03], Array(gammaString), [0x00]])
    }

    /// ECVRF_encode_to_curve_try_and_increment (§5.4.1.1), with encode_to_curve_salt = PK_string (§5.5) and
    /// interpret_hash_value_as_a_point(s) = string_to_point(0x02 ‖ s). Returns H and point_to_string(H).
    ///
    /// - Throws: `VRF_ENCODE_FAILED` if no counter 0...255 gives a point (each fails with probability about ½,
    ///   so never in practice, but not a trap).
    static func encodeToCurve(salt: [UInt8], alpha: [UInt8], context ctx: OpaquePointer) throws -> (ECPoint, [UInt8]) {
        // 1-4. ctr = 0, front 0x01, back 0x00.
        for ctr in 0...maxCounter {
            // 5a-b. hash_string = Hash(suite ‖ 0x01 ‖ salt ‖ alpha ‖ int_to_string(ctr, 1) ‖ 0x00).
            let hashString = HashSuite.sha256.digest(parts: [[suite, 0x01], salt, alpha, [UInt8(ctr), 0x00]]).bytes
            // 5c. H = string_to_point(0x02 ‖ hash_string); 5d: cofactor 1, nothing to clear.
            if let h = ECPoint(compressed: [0x02] + hashString, context: ctx) {
                return (h, h.compressed(context: ctx))
            }
        }
        throw CryptoError(code: "VRF_ENCODE_FAILED", message: "no counter from 0 to 255 maps this VRF input to a point")
    }

    /// ECVRF_challenge_generation (§5.4.3): the first cLen bytes of
    /// SHA-256(suite ‖ 0x02 ‖ point_to_string(P1) ‖ … ‖ point_to_string(P5) ‖ 0x00).
    static func challenge(_ points: [[UInt8]]) -> [UInt8] {
        Array(HashSuite.sha256.digest(parts: [[suite, 0x02]] + points + [[0x00]]).bytes.prefix(challengeLength))
    }

    /// ECVRF_nonce_generation_RFC6979 (§5.4.2.1): RFC 6979 §3.2 with m = h_string, the secret scalar x, SHA-256
    /// and q the order of P-256 (qlen = hlen = 256 bits, so bits2int is OS2IP and one HMAC block fills T).
    static func nonce(secret x: BigNum, hString: [UInt8], context ctx: OpaquePointer) -> BigNum {
        func hmac(_ key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
            HMACSHA256.authenticationCode(key: key, message: parts.flatMap { $0 })
        }
        // a. h1 = H(m).  bits2octets(h1) = int2octets(bits2int(h1) mod q).
        let h1 = BigNum(bytes: HashSuite.sha256.digest(hString).bytes)
        guard BN_nnmod(h1.pointer, h1.pointer, P256.order, ctx) == 1,
              let h1Octets = h1.bytes(count: P256.scalarLength),
              let xOctets = x.bytes(count: P256.scalarLength) else {
            fatalError("libcrypto: BN_nnmod failed (out of memory)")
        }
        // b-c. V = 0x01 × 32, K = 0x00 × 32.
        var v = [UInt8](repeating: 0x01, count: 32)
        var k = [UInt8](repeating: 0x00, count: 32)
        // d-g.
        k = hmac(k, v, [0x00], xOctets, h1Octets)
        v = hmac(k, v)
        k = hmac(k, v, [0x01], xOctets, h1Octets)
        v = hmac(k, v)
        // h. Until 1 ≤ k < q: V = HMAC_K(V), candidate = bits2int(V); else K = HMAC_K(V ‖ 0x00), V = HMAC_K(V).
        while true {
            v = hmac(k, v)
            let candidate = BigNum(bytes: v)
            if candidate.isScalar {
                candidate.markSecret()
                return candidate
            }
            k = hmac(k, v, [0x00])
            v = hmac(k, v)
        }
    }
}
