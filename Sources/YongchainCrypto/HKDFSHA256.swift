import COpenSSL

/// HKDF with SHA-256 (RFC 5869), extract then expand, computed by libcrypto.
public enum HKDFSHA256 {
    /// `length` bytes of key derived from `secret` (the input keying material), `salt` and `info`.
    ///
    /// Callers MUST put in `info` everything the key is for (protocol label, chain, both parties' keys), so that a
    /// key derived for one purpose or one pair of parties is never the key of another.
    /// - Throws: `CryptoError` `KDF_FAILED` when `length` is outside 1...8160 (255 × 32, RFC 5869 §2.3), or libcrypto fails.
    public static func deriveKey(secret: [UInt8], salt: [UInt8], info: [UInt8], length: Int = 32) throws -> [UInt8] {
        guard (1...255 * 32).contains(length) else {
            throw CryptoError(code: "KDF_FAILED", message: "HKDF-SHA256 derives 1 to 8160 bytes, not \(length)")
        }
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            throw CryptoError(code: "KDF_FAILED", message: "libcrypto has no HKDF")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: length)
        var outLen = length
        let ok = EVP_PKEY_derive_init(ctx) == 1
            && EVP_PKEY_CTX_set_hkdf_mode(ctx, EVP_PKEY_HKDEF_MODE_EXTRACT_AND_EXPAND) == 1
            && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
            // No salt at all is HashLen zero bytes (RFC 5869 §2.2), which is what libcrypto uses when none is set.
            && (salt.isEmpty || salt.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_salt(ctx, $0.baseAddress, Int32($0.count)) } == 1)
            && secret.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_key(ctx, $0.baseAddress, Int32($0.count)) } == 1
            && (info.isEmpty || info.withUnsafeBufferPointer { EVP_PKEY_CTX_add1_hkdf_info(ctx, $0.baseAddress, Int32($0.count)) } == 1)
            && EVP_PKEY_derive(ctx, &out, &outLen) == 1
        guard ok, outLen == length else {
            ERR_clear_error()
            throw CryptoError(code: "KDF_FAILED", message: "libcrypto failed to derive \(length) bytes with HKDF-SHA256")
        }
        return out
    }
}
