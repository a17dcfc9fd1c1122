import COpenSSL
import Glibc

/// The private key of an ECVRF-P256-SHA256-TAI key pair: a scalar x with 0 < x < q, held by libcrypto. On disk
/// it is a P-256 key in PKCS#8 PEM (`KeyFile.write(_:to:)`, mode 0600), which Java's and Python's libraries
/// read. Immutable once made, so it is safe to share between threads.
public final class VRFPrivateKey: @unchecked Sendable {
    public let publicKey: VRFPublicKey
    private let scalar: BigNum

    /// Takes `scalar`, which MUST be in 1..<q.
    private init(scalar: BigNum) {
        precondition(scalar.isScalar, "VRFPrivateKey: a scalar outside 1..<q")
        scalar.markSecret()
        self.scalar = scalar
        publicKey = P256.withContext { VRFPublicKey(unchecked: ECPoint.product(scalar, nil, context: $0).compressed(context: $0)) }
    }

    /// A fresh key: x uniform in 1..<q from libcrypto's CSPRNG.
    public static func generate() throws -> VRFPrivateKey {
        let x = BigNum()
        x.markSecret()
        repeat {
            guard BN_priv_rand_range(x.pointer, P256.order) == 1 else {
                ERR_clear_error()
                throw CryptoError(code: "KEYGEN_FAILED", message: "libcrypto's random generator failed (is it seeded?)")
            }
        } while !x.isScalar
        return VRFPrivateKey(scalar: x)
    }

    /// The key whose scalar is these 32 big-endian bytes. For test vectors only: a real key comes from
    /// `generate`.
    ///
    /// - Throws: `CryptoError` `KEY_INVALID` unless exactly 32 bytes encoding a number in 1..<q.
    public static func fromRaw(_ raw: [UInt8]) throws -> VRFPrivateKey {
        let x = BigNum(bytes: raw)
        guard raw.count == P256.scalarLength, x.isScalar else {
            throw CryptoError(code: "KEY_INVALID", message: "a P-256 private scalar is 32 bytes, not zero and below the group order")
        }
        return VRFPrivateKey(scalar: x)
    }

    /// Parses a PKCS#8 PEM private key ("BEGIN PRIVATE KEY") on the curve P-256.
    ///
    /// - Throws: `CryptoError` `KEY_INVALID` (not PKCS#8 PEM, or a scalar out of range), `KEY_UNSUPPORTED`
    ///   (another algorithm or curve, e.g. a member's Ed25519 signing key).
    public convenience init(pem: String) throws {
        let pkey = try PKCS8PEM.parse(pem)
        defer { EVP_PKEY_free(pkey) }
        var group = [CChar](repeating: 0, count: 64)
        var groupLength = 0
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC,
              EVP_PKEY_get_utf8_string_param(pkey, Self.groupParameter, &group, group.count, &groupLength) == 1,
              String(decoding: group.prefix(groupLength).map { UInt8(bitPattern: $0) }, as: UTF8.self) == Self.groupName else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_UNSUPPORTED", message: "a VRF key is an EC key on P-256 (prime256v1); this is another kind of key")
        }
        var raw: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, Self.privateParameter, &raw) == 1, let got = raw else {
            ERR_clear_error()
            throw CryptoError(code: "KEY_INVALID", message: "the P-256 key has no private scalar")
        }
        let x = BigNum(owning: got)
        guard x.isScalar else {
            throw CryptoError(code: "KEY_INVALID", message: "the P-256 private scalar is zero or not below the group order")
        }
        self.init(scalar: x)
    }

    /// The key as PKCS#8 PEM, unencrypted: the file holding it MUST be readable by its owner only.
    public func pemPKCS8() -> String {
        // OSSL_PARAM's BIGNUM is in native byte order.
        var priv = [UInt8](repeating: 0, count: P256.scalarLength)
        var pub = publicKey.bytes
        defer { priv.withUnsafeMutableBytes { _ = memset($0.baseAddress!, 0, $0.count) } }
        guard BN_bn2nativepad(scalar.pointer, &priv, Int32(priv.count)) == Int32(priv.count),
              let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            fatalError("libcrypto: cannot make an EC key context (out of memory)")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        let made = priv.withUnsafeMutableBufferPointer { privBytes in
            pub.withUnsafeMutableBufferPointer { pubBytes in
                var params = [
                    OSSL_PARAM_construct_utf8_string(Self.groupParameter, Self.groupNameC, 0),
                    OSSL_PARAM_construct_BN(Self.privateParameter, privBytes.baseAddress, privBytes.count),
                    OSSL_PARAM_construct_octet_string(Self.publicParameter, pubBytes.baseAddress, pubBytes.count),
                    OSSL_PARAM_construct_end(),
                ]
                return EVP_PKEY_fromdata_init(ctx) == 1
                    && EVP_PKEY_fromdata(ctx, &pkey, Self.keyPairSelection, &params) == 1
            }
        }
        guard made, let key = pkey else { fatalError("libcrypto: EVP_PKEY_fromdata refused a P-256 key pair it should take") }
        defer { EVP_PKEY_free(key) }
        return PKCS8PEM.encode(key)
    }

    /// ECVRF_prove (RFC 9381 §5.1): the proof pi for `alpha`; its `output` is beta.
    ///
    /// - Throws: `CryptoError` `VRF_ENCODE_FAILED` in the case of probability 2⁻²⁵⁶ that `alpha` maps to no point.
    public func prove(_ alpha: [UInt8]) throws -> VRFProof {
        try ECVRF.prove(x: scalar, y: publicKey.bytes, alpha: alpha)
    }

    // libcrypto's parameter names (OSSL_PKEY_PARAM_*) and EVP_PKEY_KEYPAIR, which are macros Swift cannot
    // import; OSSL_PARAM keeps the pointers, so they live as long as the process.
    nonisolated(unsafe) private static let groupParameter = strdup("group")!
    nonisolated(unsafe) private static let privateParameter = strdup("priv")!
    nonisolated(unsafe) private static let publicParameter = strdup("pub")!
    nonisolated(unsafe) private static let groupNameC = strdup(groupName)!
    private static let groupName = "prime256v1"
    private static let keyPairSelection = Int32(OSSL_KEYMGMT_SELECT_PRIVATE_KEY | OSSL_KEYMGMT_SELECT_PUBLIC_KEY
        | OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS | OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS)
}
