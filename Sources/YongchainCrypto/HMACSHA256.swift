import COpenSSL

/// HMAC-SHA256 (RFC 2104) computed by libcrypto, and the constant-time comparison its checks need.
public enum HMACSHA256 {
    public static let byteCount = 32

    /// HMAC-SHA256 of `message` under `key` (any length; RFC 2104 hashes keys longer than 64 bytes).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var len: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &len) != nil
            }
        }
        guard ok, len == UInt32(byteCount) else { fatalError("libcrypto: HMAC-SHA256 failed on valid input") }
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
