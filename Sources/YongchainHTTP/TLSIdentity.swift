import COpenSSL

/// What a TLS endpoint presents: a private key and a certificate over its public key (plus any intermediate
/// certificates an operator's CA issued it with).
///
/// Yongchain nodes need no certificate authority: each node makes a self-signed X.509 certificate over its own
/// node key at start-up (`selfSigned`), and peers accept it by the key alone (`OpenSSLTransport`'s peer policy),
/// so a certificate is never stored, renewed or revoked; rotating the node key rotates it.
public final class TLSIdentity: @unchecked Sendable {  // immutable after init; OpenSSL objects are only read
    let privateKey: OpaquePointer
    let certificate: OpaquePointer
    let chain: [OpaquePointer]
    /// The raw 32-byte Ed25519 public key the certificate carries (what a bank pins); empty for another key type.
    public let publicKey: [UInt8]

    private init(privateKey: OpaquePointer, certificate: OpaquePointer, chain: [OpaquePointer] = [], publicKey: [UInt8]) {
        self.privateKey = privateKey
        self.certificate = certificate
        self.chain = chain
        self.publicKey = publicKey
    }

    deinit {
        for c in chain { X509_free(c) }
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    /// Whether the key is Ed25519 (a node identity) rather than ECDSA or RSA (a certificate for browsers).
    public var isEd25519: Bool { !publicKey.isEmpty }

    /// An operator's certificate and key (PEM: the leaf first, then any intermediates; the key unencrypted), for
    /// clients that cannot use Ed25519 (browsers). The key must match the certificate.
    ///
    /// - Throws: `HTTPError` `TLS_SETUP_FAILED` naming what is wrong.
    public static func load(certificatePEM: String, privateKeyPEM: String) throws -> TLSIdentity {
        let pkey = try readPrivateKey(privateKeyPEM)
        var certs: [OpaquePointer] = []
        Array(certificatePEM.utf8).withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            while let cert = PEM_read_bio_X509(bio, nil, nil, nil) { certs.append(cert) }
        }
        ERR_clear_error()  // reading past the last certificate leaves an error behind
        guard let leaf = certs.first else {
            EVP_PKEY_free(pkey)
            throw setupFailed("the certificate file holds no PEM certificate")
        }
        guard X509_check_private_key(leaf, pkey) == 1 else {
            for c in certs { X509_free(c) }
            EVP_PKEY_free(pkey)
            ERR_clear_error()
            throw setupFailed("the private key does not match the certificate")
        }
        return TLSIdentity(privateKey: pkey, certificate: leaf, chain: Array(certs.dropFirst()),
                           publicKey: ed25519PublicKey(pkey) ?? [])
    }

    /// A fresh self-signed ECDSA P-256 certificate for browsers, which do not accept Ed25519 certificates: they
    /// warn about it (no CA), but can open the status page. An operator's certificate (`load`) avoids the warning.
    public static func selfSignedECDSA(commonName: String) throws -> TLSIdentity {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw setupFailed("cannot make an EC key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) == 1,
              EVP_PKEY_keygen(ctx, &pkey) == 1, let pkey
        else { throw setupFailed("cannot make an ECDSA P-256 key: \(openSSLReason())") }
        let cert = try selfSign(pkey, commonName: commonName, digest: EVP_sha256())
        return TLSIdentity(privateKey: pkey, certificate: cert, publicKey: [])
    }

    /// A fresh self-signed certificate over the Ed25519 key in `privateKeyPEM` (PKCS#8 PEM, as `node.key`'s key
    /// gives it): subject and issuer `CN=commonName`, valid from an hour ago for ten years, signed with the key
    /// itself (Ed25519 takes no digest). `binding`, if given, is carried in a non-critical extension (`bindingOID`)
    /// that peers read as `PeerCertificate.binding`: a node whose own key TLS 1.3 cannot use (SM2) vouches there
    /// for this certificate's key.
    ///
    /// - Throws: `HTTPError` `TLS_SETUP_FAILED` if the key is not an Ed25519 private key or OpenSSL fails.
    public static func selfSigned(privateKeyPEM: String, commonName: String, binding: [UInt8]? = nil) throws -> TLSIdentity {
        let pkey = try readPrivateKey(privateKeyPEM)
        guard let publicKey = ed25519PublicKey(pkey) else {
            EVP_PKEY_free(pkey)
            throw setupFailed("the node key is not an Ed25519 key")
        }
        do {
            let cert = try selfSign(pkey, commonName: commonName, digest: nil, binding: binding)  // Ed25519 takes no digest
            return TLSIdentity(privateKey: pkey, certificate: cert, publicKey: publicKey)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
    }

    /// A certificate over `pkey`'s public key signed by `pkey` itself; the caller owns the result.
    private static func selfSign(_ pkey: OpaquePointer, commonName: String, digest: OpaquePointer?, binding: [UInt8]? = nil) throws -> OpaquePointer {
        guard let cert = X509_new() else { throw setupFailed("cannot allocate a certificate") }
        var serial = [UInt8](repeating: 0, count: 8)
        let ok = RAND_bytes(&serial, 8) == 1
            && X509_set_version(cert, 2) == 1
            && ASN1_INTEGER_set(X509_get_serialNumber(cert),
                                Int(serial.withUnsafeBytes { $0.load(as: UInt64.self) } >> 2)) == 1
            && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nil
            && X509_gmtime_adj(X509_getm_notAfter(cert), 10 * 366 * 24 * 3600) != nil
            && X509_set_pubkey(cert, pkey) == 1
            && X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", yc_MBSTRING_ASC, commonName, -1, -1, 0) == 1
            && X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1
            && (binding.map { addBinding($0, to: cert) } ?? true)
            && X509_sign(cert, pkey, digest) > 0
        guard ok else {
            let reason = openSSLReason()
            X509_free(cert)
            throw setupFailed("cannot make the self-signed certificate: \(reason)")
        }
        return cert
    }

    /// The key-binding extension's OID: 2.25 and a UUID (ITU-T X.667 names an OID by any UUID, unregistered).
    static let bindingOID = "2.25.234551744887591370978233867621062093231"
    /// The longest binding a certificate may carry (a key and a signature are a few hundred bytes).
    public static let maxBindingBytes = 1024

    private static func addBinding(_ binding: [UInt8], to cert: OpaquePointer) -> Bool {
        guard binding.count <= maxBindingBytes, let oid = OBJ_txt2obj(bindingOID, 1) else { return false }
        defer { ASN1_OBJECT_free(oid) }
        guard let data = ASN1_OCTET_STRING_new() else { return false }
        defer { ASN1_OCTET_STRING_free(data) }
        guard ASN1_OCTET_STRING_set(data, binding, Int32(binding.count)) == 1,
              let ext = X509_EXTENSION_create_by_OBJ(nil, oid, 0, data) else { return false }
        defer { X509_EXTENSION_free(ext) }
        return X509_add_ext(cert, ext, -1) == 1
    }

    /// The certificate in PEM, e.g. for a client that trusts it as its own CA file instead of pinning the key.
    public var certificatePEM: String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, certificate) == 1 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = yc_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    private static func readPrivateKey(_ pem: String) throws -> OpaquePointer {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw setupFailed("cannot read the private key: \(openSSLReason())") }
        return key
    }

    static func setupFailed(_ message: String) -> HTTPError {
        HTTPError(code: "TLS_SETUP_FAILED", message: message)
    }
}

/// The raw public key of an Ed25519 `EVP_PKEY`, or nil for any other key type.
func ed25519PublicKey(_ pkey: OpaquePointer) -> [UInt8]? {
    guard EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 else { return nil }
    var out = [UInt8](repeating: 0, count: 32)
    var length = 32
    guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1, length == 32 else { return nil }
    return out
}

/// The Ed25519 public key a certificate carries, or nil.
func ed25519PublicKey(certificate: OpaquePointer) -> [UInt8]? {
    guard let pkey = X509_get0_pubkey(certificate) else { return nil }
    return ed25519PublicKey(pkey)
}

/// The reason of the newest error on this thread's OpenSSL error queue (which it then clears).
func openSSLReason() -> String {
    let code = ERR_peek_last_error()
    defer { ERR_clear_error() }
    guard code != 0 else { return "unknown OpenSSL error" }
    if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
    return "OpenSSL error \(code)"
}

/// The key binding a certificate carries (`TLSIdentity.bindingOID`), or nil: none, or longer than allowed.
func keyBinding(certificate: OpaquePointer) -> [UInt8]? {
    guard let oid = OBJ_txt2obj(TLSIdentity.bindingOID, 1) else { return nil }
    defer { ASN1_OBJECT_free(oid) }
    let i = X509_get_ext_by_OBJ(certificate, oid, -1)
    guard i >= 0, let ext = X509_get_ext(certificate, i), let data = X509_EXTENSION_get_data(ext) else { return nil }
    let n = Int(ASN1_STRING_length(data))
    guard n > 0, n <= TLSIdentity.maxBindingBytes, let bytes = ASN1_STRING_get0_data(data) else { return nil }
    return Array(UnsafeBufferPointer(start: bytes, count: n))
}
