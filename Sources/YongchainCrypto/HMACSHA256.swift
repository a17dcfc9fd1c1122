import COpenSSL
import Glibc

/// HMAC-SHA256 (RFC 2104) computed by libcrypto, and the constant-time comparison its checks need.
public enum HMACSHA256 {
    public static let byteCount = 32

    /// An HMAC context with SHA-256 chosen, copied for each code: `HMAC()` looked the MAC and the digest up in
    /// libcrypto's provider tables on every call, which was most of its cost on a session request. The
    /// template is only ever copied, which libcrypto allows from many threads at once.
    nonisolated(unsafe) private static let template: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil), let ctx = EVP_MAC_CTX_new(mac) else {
            fatalError("libcrypto: HMAC is not available")
        }
        EVP_MAC_free(mac)
        // OSSL_PARAM keeps these pointers; they live as long as the process.
        var params = [OSSL_PARAM_construct_utf8_string(strdup("digest"), strdup("SHA256"), 0), OSSL_PARAM_construct_end()]
        // Keyed (with an empty key) before it is ever copied: OpenSSL 3.0.0 cannot copy an unkeyed HMAC context.
        let empty: [UInt8] = [0]
        guard EVP_MAC_CTX_set_params(ctx, &params) == 1,
              empty.withUnsafeBufferPointer({ EVP_MAC_init(ctx, $0.baseAddress, 0, nil) }) == 1 else {
            fatalError("libcrypto: HMAC-SHA256 is not available")
        }
        return ctx
    }()

    /// HMAC-SHA256 of `message` under `key` (any length; RFC 2104 hashes keys longer than 64 bytes).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let ctx = keyedContext(key)
        defer { EVP_MAC_CTX_free(ctx) }
        return finish(ctx, message)
    }

    /// A copy of the template keyed with `key`; the caller frees it.
    static func keyedContext(_ key: [UInt8]) -> OpaquePointer {
        guard let ctx = EVP_MAC_CTX_dup(template) else { fatalError("libcrypto: out of memory for HMAC") }
        // A non-null pointer even for an empty key: a null one would mean "keep the previous key".
        let keyBytes = key.isEmpty ? [0] : key
        guard keyBytes.withUnsafeBufferPointer({ EVP_MAC_init(ctx, $0.baseAddress, key.count, nil) }) == 1 else {
            fatalError("libcrypto: HMAC-SHA256 failed on valid input")
        }
        return ctx
    }

    /// The code of `message` from `ctx`, a keyed context nothing was fed to yet (used up by this).
    static func finish(_ ctx: OpaquePointer, _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var len = 0
        let ok = message.withUnsafeBufferPointer { m in
            EVP_MAC_update(ctx, m.baseAddress, m.count) == 1 && EVP_MAC_final(ctx, &out, &len, byteCount) == 1
        }
        guard ok, len == byteCount else { fatalError("libcrypto: HMAC-SHA256 failed on valid input") }
        return out
    }

    /// True only if `mac` is `key`'s HMAC-SHA256 of `message`. Compares in constant time (CRYPTO_memcmp), so the
    /// time taken says nothing about how many leading bytes of a forged code were right.
    public static func isValid(_ mac: [UInt8], key: [UInt8], message: [UInt8]) -> Bool {
        constantTimeEquals(mac, authenticationCode(key: key, message: message))
    }

    /// Equal length and equal bytes, in time that depends only on the length.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 } }
    }
}
