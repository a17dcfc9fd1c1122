import COpenSSL

/// An HMAC-SHA256 key keyed into libcrypto once, for many codes under it (an API session's requests): each code
/// copies the keyed context, where `HMACSHA256.authenticationCode(key:message:)` keys a fresh one every time
/// (the inner and outer pads hashed again, about a third of a session request's MAC).
///
/// The keyed context is only ever copied, which libcrypto allows from many threads at once. It holds the key's
/// pads in a few hundred bytes of libcrypto's memory until this value is released. Equal when the keys are.
public final class HMACKey: @unchecked Sendable, Equatable {
    private let keyed: OpaquePointer
    private let key: [UInt8]

    public init(_ key: [UInt8]) {
        self.key = key
        keyed = HMACSHA256.keyedContext(key)
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    /// HMAC-SHA256 of `message` under this key: exactly `HMACSHA256.authenticationCode(key:message:)`.
    public func authenticationCode(_ message: [UInt8]) -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_dup(keyed) else { fatalError("libcrypto: out of memory for HMAC") }
        defer { EVP_MAC_CTX_free(ctx) }
        return HMACSHA256.finish(ctx, message)
    }

    /// True only if `mac` is this key's HMAC-SHA256 of `message`, compared in constant time.
    public func isValid(_ mac: [UInt8], message: [UInt8]) -> Bool {
        HMACSHA256.constantTimeEquals(mac, authenticationCode(message))
    }

    public static func == (a: HMACKey, b: HMACKey) -> Bool { HMACSHA256.constantTimeEquals(a.key, b.key) }
}
