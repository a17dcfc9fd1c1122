import COpenSSL

/// Unpredictable bytes from libcrypto's CSPRNG (RAND_bytes), for identifiers an attacker must not guess.
public enum SecureRandom {
    /// - Throws: `CryptoError` `RANDOM_FAILED` when libcrypto's generator cannot produce them (not seeded).
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&out, Int32(count)) == 1 else {
            ERR_clear_error()
            throw CryptoError(code: "RANDOM_FAILED", message: "libcrypto's random generator failed (is it seeded?)")
        }
        return out
    }
}
