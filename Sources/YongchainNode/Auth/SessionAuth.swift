import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// API sessions (docs/api-auth.md, "Sessions"): one handshake signed like any request, then an HMAC-SHA256 per
/// request instead of an Ed25519 signature. What client (`APISession`) and node (`SessionVerifier`) must agree on.
public enum SessionAuth {
    /// Where sessions are opened: `POST`, signed with the caller's key (RequestAuth), body `{"clientPublicKey"}`.
    public static let path = "/v1/auth/sessions"
    public static let sessionHeader = "X-Yongchain-Session"
    public static let seqHeader = "X-Yongchain-Seq"
    public static let macHeader = "X-Yongchain-Mac"

    /// The canonical message a request's MAC covers: `str(METHOD) ‖ str(target) ‖ u64(seq) ‖ SHA-256(body)`, with
    /// the encodings of the signed scheme. `target` is the request target exactly as sent. SHA-256 on every chain:
    /// the session is transport (HKDF-SHA256, HMAC-SHA256 over TLS), not a chain hash or a key's signature.
    public static func message(method: String, target: String, seq: UInt64, body: [UInt8]) -> [UInt8] {
        var w = CanonicalWriter(capacity: 96 + target.utf8.count)
        // A method of ASCII capitals (every method a client sends) is its own upper case; `uppercased()` made it
        // again on every request.
        w.string(method.utf8.allSatisfy { $0 < 0x80 && !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ? method : method.uppercased())
        w.string(target)
        w.u64(seq)
        w.hash(body.isEmpty ? emptyBodyDigest : HashSuite.sha256.digest(body))
        return w.bytes
    }

    /// SHA-256 of no bytes: a GET's body, computed once.
    private static let emptyBodyDigest = HashSuite.sha256.digest([])

    /// HMAC-SHA256 of `message(...)` under the session key.
    public static func mac(key: [UInt8], method: String, target: String, seq: UInt64, body: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(key: key, message: message(method: method, target: target, seq: seq, body: body))
    }

    /// The HKDF info of a session key: `str("yongchain/api-session/v1") ‖ str(chainID) ‖ publicKey(caller) ‖
    /// bytes(client X25519) ‖ bytes(server X25519)`. It binds the key to this chain, this caller and this exchange.
    static func keyInfo(chainID: String, caller: PublicKey, client: X25519PublicKey, server: X25519PublicKey) -> [UInt8] {
        var w = CanonicalWriter(capacity: 128)
        w.publicKey(caller)
        w.bytes(client.bytes)
        w.bytes(server.bytes)
        return Domain.apiSession.signingBytes(chainID: chainID, message: w.bytes)
    }

    /// The 32-byte session key: HKDF-SHA256(shared secret, salt = session id, info = `keyInfo`).
    static func sessionKey(sharedSecret: [UInt8], sessionID: [UInt8], chainID: String, caller: PublicKey,
                           client: X25519PublicKey, server: X25519PublicKey) throws -> [UInt8] {
        try HKDFSHA256.deriveKey(secret: sharedSecret, salt: sessionID,
                                 info: keyInfo(chainID: chainID, caller: caller, client: client, server: server), length: 32)
    }

    /// What the node signs in its handshake answer: `str("yongchain/api-session/v1") ‖ str(chainID) ‖
    /// bytes(session id) ‖ publicKey(caller) ‖ bytes(client X25519) ‖ bytes(server X25519) ‖ i64(expiresAt)`.
    static func handshakeMessage(chainID: String, sessionID: [UInt8], caller: PublicKey, client: X25519PublicKey,
                                 server: X25519PublicKey, expiresAtMs: Int64) -> [UInt8] {
        var w = CanonicalWriter(capacity: 160)
        w.bytes(sessionID)
        w.publicKey(caller)
        w.bytes(client.bytes)
        w.bytes(server.bytes)
        w.i64(expiresAtMs)
        return Domain.apiSession.signingBytes(chainID: chainID, message: w.bytes)
    }
}

/// Limits of API sessions.
public struct SessionLimits: Sendable, Equatable {
    /// How long a session lives from its handshake (default 1 hour). Not extended by use: a session key is
    /// thrown away at least this often, and a caller removed from the consortium loses nothing it still needs.
    public var lifetimeMs: Int64 = 3_600_000
    /// Live sessions on the node (default 20,000; each takes well under 1 KiB). When full of unexpired sessions, handshakes
    /// are refused with 503 `AUTH_BUSY`; no caller's session is evicted for another's.
    public var maxSessions: Int = 20_000
    /// Live sessions per caller key (default 16: a few per application server). One more evicts that key's oldest.
    public var maxSessionsPerKey: Int = 16

    public init(lifetimeMs: Int64 = 3_600_000, maxSessions: Int = 20_000, maxSessionsPerKey: Int = 16) {
        self.lifetimeMs = lifetimeMs
        self.maxSessions = maxSessions
        self.maxSessionsPerKey = maxSessionsPerKey
    }
}
