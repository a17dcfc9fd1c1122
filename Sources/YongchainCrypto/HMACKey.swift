import COpenSSL

/// An HMAC-SHA256 key prepared once, for many codes under it (an API session's requests): the SHA-256 states after
/// the key's inner and outer pads (RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))) are kept, and each code copies them
/// onto the stack, hashes the message and the inner digest, and is done. Through libcrypto's EVP_MAC a code cost a
/// context copied, finished and freed, about 13,000 instructions, most of them not hashing.
///
/// The states are only ever copied, never changed, so any number of threads may use one key at once. Equal when the
/// keys are. `HMACSHA256.authenticationCode(key:message:)` (EVP_MAC) is the reference this is tested against.
public final class HMACKey: Sendable, Equatable {
    private let inner: SHA256_CTX
    private let outer: SHA256_CTX
    private let key: [UInt8]

    public init(_ key: [UInt8]) {
        self.key = key
        // K': a key longer than SHA-256's 64-byte block is hashed first; then zero-padded to the block.
        var block = [UInt8](repeating: 0, count: 64)
        if key.count > 64 {
            HashSuite.sha256.digest(key).withUnsafeBytes { block.replaceSubrange(0..<32, with: $0) }
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        func padded(_ pad: UInt8) -> SHA256_CTX {
            var ctx = SHA256_CTX()
            yc_SHA256_Init(&ctx)
            let xored = block.map { $0 ^ pad }
            xored.withUnsafeBytes { yc_SHA256_Update(&ctx, $0.baseAddress, $0.count) }
            return ctx
        }
        inner = padded(0x36)
        outer = padded(0x5c)
    }

    /// HMAC-SHA256 of `message` under this key: exactly `HMACSHA256.authenticationCode(key:message:)`.
    public func authenticationCode(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticationCode(raw: $0) }
    }

    /// The code of raw bytes.
    public func authenticationCode(raw message: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: HMACSHA256.byteCount) { out, count in
            var ctx = inner
            // A null base address (an empty message) with length 0 is what SHA256_Update accepts for no bytes.
            yc_SHA256_Update(&ctx, message.baseAddress, message.count)
            yc_SHA256_Final(out.baseAddress, &ctx)
            ctx = outer
            yc_SHA256_Update(&ctx, out.baseAddress, HMACSHA256.byteCount)
            yc_SHA256_Final(out.baseAddress, &ctx)
            count = HMACSHA256.byteCount
        }
    }

    /// True only if `mac` is this key's HMAC-SHA256 of `message`, compared in constant time.
    public func isValid(_ mac: [UInt8], message: [UInt8]) -> Bool {
        HMACSHA256.constantTimeEquals(mac, authenticationCode(message))
    }

    public static func == (a: HMACKey, b: HMACKey) -> Bool { HMACSHA256.constantTimeEquals(a.key, b.key) }
}
