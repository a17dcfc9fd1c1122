import COpenSSL

/// Private keys as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), through libcrypto: signing keys (`PrivateKey`)
/// and the VRF key alike.
enum PKCS8PEM {
    /// The key in `pem`. The caller owns the result and MUST free it (EVP_PKEY_free).
    ///
    /// - Throws: `CryptoError` `KEY_INVALID` when the text is not a PKCS#8 PEM private key.
    static func parse(_ pem: String) throws -> OpaquePointer {
        let bytes = Array(pem.utf8)
        guard let bio = bytes.withUnsafeBufferPointer({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw CryptoError(code: "KEY_INVALID", message: "could not read the PEM text")
        }
        defer { BIO_free(bio) }
        // PKCS8_PRIV_KEY_INFO, then EVP_PKCS82PKEY: this path works in minimal images whose libcrypto cannot
        // decode PEM keys through the generic decoder (seen in a debootstrapped bookworm with OpenSSL 3.0.20).
        guard let p8 = PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, nil, nil, nil) else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_INVALID", message: "not a PKCS#8 PEM private key")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(p8) }
        guard let pkey = EVP_PKCS82PKEY(p8) else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_INVALID", message: "not a PKCS#8 PEM private key")
        }
        return pkey
    }

    /// `pkey` as PKCS#8 PEM, unencrypted: the file holding it MUST be readable by its owner only.
    static func encode(_ pkey: OpaquePointer) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("libcrypto: BIO_new failed (out of memory)") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            fatalError("libcrypto: PEM_write_bio_PrivateKey failed for a key it made")
        }
        var ptr: UnsafeMutablePointer<CChar>?
        let len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &ptr)
        guard let p = ptr, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }
}
