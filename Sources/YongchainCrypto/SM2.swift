import COpenSSL

/// SM2 signatures (GB/T 32918.2-2016) as Yongchain uses them, every primitive in libcrypto:
///
/// - the curve is the standard's recommended one (`SM2`, GB/T 32918.5);
/// - a public key is the uncompressed point `04 ‖ x ‖ y` (65 bytes, x and y 32 bytes big-endian); compressed
///   and hybrid forms are refused, and so is a point not on the curve;
/// - the signed digest is SM3 over `Z ‖ message`, Z computed with the default distinguishing identifier
///   `1234567812345678` (GM/T 0009-2012), so the message is the signing bytes themselves, never pre-hashed;
/// - a signature is raw `r ‖ s` (64 bytes, each 32 bytes big-endian), both in [1, n-1]; DER (libcrypto's own
///   form) is converted at this edge and refused on the wire, so a signature has one encoding and a fixed size.
enum SM2 {
    static let publicKeyLength = 65
    static let signatureLength = 64
    /// GM/T 0009-2012's default distinguishing identifier (the signer's ID that Z covers).
    static let distinguishingID: [UInt8] = Array("1234567812345678".utf8)
    /// The order n of the curve's base point, big-endian.
    static let order: [UInt8] = Hex.decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123")!

    /// Why `bytes` cannot be an SM2 public key, or nil: 65 bytes, 0x04 first, and a point on the curve.
    static func publicKeyProblem(_ bytes: [UInt8]) -> String? {
        guard bytes.count == publicKeyLength else { return "an SM2 public key is 65 bytes (04 ‖ x ‖ y), not \(bytes.count)" }
        guard bytes[0] == 0x04 else { return "an SM2 public key is an uncompressed point (first byte 04)" }
        guard let pkey = parsePublicKey(bytes) else { return "the point is not on the SM2 curve" }
        EVP_PKEY_free(pkey)
        return nil
    }

    /// libcrypto's key for an uncompressed point, or nil if it is not a point of the curve. The caller frees it.
    static func parsePublicKey(_ bytes: [UInt8]) -> OpaquePointer? {
        guard bytes.count == publicKeyLength, bytes[0] == 0x04,
              let ctx = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var point = bytes
        var group = Array("SM2".utf8CString)
        var pkey: OpaquePointer?
        let ok = OSSL_PKEY_PARAM_GROUP_NAME.withCString { groupName in
            OSSL_PKEY_PARAM_PUB_KEY.withCString { pubName in
                group.withUnsafeMutableBufferPointer { g in
                    point.withUnsafeMutableBytes { p in
                        var params = [
                            OSSL_PARAM_construct_utf8_string(groupName, g.baseAddress, 0),
                            OSSL_PARAM_construct_octet_string(pubName, p.baseAddress, p.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        return EVP_PKEY_fromdata_init(ctx) == 1
                            && EVP_PKEY_fromdata(ctx, &pkey, yc_EVP_PKEY_PUBLIC_KEY, &params) == 1
                    }
                }
            }
        }
        ERR_clear_error()
        return ok ? pkey : nil
    }

    /// The uncompressed public point of an SM2 key libcrypto holds.
    static func publicKeyBytes(_ pkey: OpaquePointer) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: publicKeyLength)
        var len = 0
        guard EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &out, out.count, &len) == 1,
              len == publicKeyLength, out[0] == 0x04 else { ERR_clear_error(); return nil }
        return out
    }

    /// A fresh key from libcrypto's CSPRNG; nil if libcrypto cannot make one.
    static func generate() -> OpaquePointer? {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &pkey) == 1 else { return nil }
        return pkey
    }

    /// Why `signature` is not a well-formed raw SM2 signature, or nil: 64 bytes, r and s each in [1, n-1].
    static func signatureProblem(_ signature: [UInt8]) -> String? {
        guard signature.count == signatureLength else {
            return "an SM2 signature is 64 bytes (r ‖ s), not \(signature.count) (DER is not accepted)"
        }
        for (name, half) in [("r", signature[0..<32]), ("s", signature[32..<64])] {
            guard half.contains(where: { $0 != 0 }), half.lexicographicallyPrecedes(order) else {
                return "\(name) is not between 1 and n-1"
            }
        }
        return nil
    }

    /// Signs `message` with SM3 and the default distinguishing identifier; the raw `r ‖ s`.
    static func sign(_ pkey: OpaquePointer, _ message: [UInt8]) -> [UInt8]? {
        guard let ctx = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(ctx) }
        var der = [UInt8](repeating: 0, count: 80)
        var len = der.count
        var pctx: OpaquePointer?
        let ok = EVP_DigestSignInit_ex(ctx, &pctx, "SM3", nil, nil, pkey, nil) == 1 && setDistinguishingID(pctx)
            && EVP_DigestSign(ctx, &der, &len, message, message.count) == 1
        guard ok else { ERR_clear_error(); return nil }
        return rawSignature(der: Array(der.prefix(len)))
    }

    /// True only if `signature` (raw `r ‖ s`) is `pkey`'s signature of `message`.
    static func verify(_ pkey: OpaquePointer, signature: [UInt8], message: [UInt8]) -> Bool {
        guard signatureProblem(signature) == nil, let der = derSignature(raw: signature),
              let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        let ok = EVP_DigestVerifyInit_ex(ctx, &pctx, "SM3", nil, nil, pkey, nil) == 1 && setDistinguishingID(pctx)
            && EVP_DigestVerify(ctx, der, der.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }

    /// Sets the distinguishing identifier on a signing or verifying context after its init and before any data:
    /// OpenSSL 3.0 refuses it as an init parameter, and uses an empty identifier when none is set.
    private static func setDistinguishingID(_ pctx: OpaquePointer?) -> Bool {
        guard let pctx else { return false }
        return distinguishingID.withUnsafeBytes { EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count)) } == 1
    }

    /// libcrypto's DER `SEQUENCE { r INTEGER, s INTEGER }` as raw `r ‖ s`.
    static func rawSignature(der: [UInt8]) -> [UInt8]? {
        var cursor: UnsafePointer<UInt8>?
        let sig: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            cursor = buf.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buf.count)
        }
        guard let sig else { ERR_clear_error(); return nil }
        defer { ECDSA_SIG_free(sig) }
        var r: OpaquePointer?, s: OpaquePointer?
        ECDSA_SIG_get0(sig, &r, &s)
        var out = [UInt8](repeating: 0, count: signatureLength)
        let ok = out.withUnsafeMutableBufferPointer { o in
            BN_bn2binpad(r, o.baseAddress, 32) == 32 && BN_bn2binpad(s, o.baseAddress! + 32, 32) == 32
        }
        return ok ? out : nil
    }

    /// Raw `r ‖ s` as the DER libcrypto verifies.
    static func derSignature(raw: [UInt8]) -> [UInt8]? {
        guard raw.count == signatureLength, let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard let r, let s, ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var out: UnsafeMutablePointer<UInt8>?
        let len = i2d_ECDSA_SIG(sig, &out)
        guard len > 0, let out else { return nil }
        defer { CRYPTO_free(out, nil, 0) }
        return Array(UnsafeBufferPointer(start: out, count: Int(len)))
    }
}
