import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// The client side of API sessions (docs/api-auth.md, "Sessions"): one handshake signed with the caller's key,
/// then an HMAC-SHA256 per request, which costs microseconds where an Ed25519 signature and its check cost far more.
///
/// Thread-safe: any number of threads may send through one session at once, over as many connections as they
/// like; each request takes the next sequence number. The session opens on first use. `send` opens a new one
/// and resends once when the node no longer knows the session (it restarted, the session expired or was evicted),
/// and resends with a new number (up to `maxRenumbered` times) when a request's number fell behind the node's
/// replay window.
public final class APISession: Sendable {
    /// The node's base URL, e.g. `http://127.0.0.1:26601`.
    public let baseURL: String
    public let key: PrivateKey
    public let chainID: String
    /// When set, a handshake answer MUST carry this node key's valid signature over the session's parameters.
    public let nodeKey: PublicKey?
    private let client: HTTPClient

    private struct Live: Sendable {
        let id: String
        let key: [UInt8]
        let expiresAtMs: Int64
        var lastSeq: UInt64 = 0
    }
    private let live = Mutex<Live?>(nil)
    /// Held while a handshake is under way, so that threads finding no session wait for one handshake, not make many.
    private let handshaking = NSLock()

    public init(baseURL: String, key: PrivateKey, chainID: String, nodeKey: PublicKey? = nil, client: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL
        self.key = key
        self.chainID = chainID
        self.nodeKey = nodeKey
        self.client = client
    }

    /// The current session's id, if one is open.
    public var sessionID: String? { live.withLock { $0?.id } }
    /// When the current session expires by the node's clock (ms since the epoch), if one is open.
    public var expiresAtMs: Int64? { live.withLock { $0?.expiresAtMs } }

    /// Opens a new session now, replacing any current one.
    ///
    /// - Throws: `NodeError` (`HANDSHAKE_REFUSED` with the node's code, `HANDSHAKE_INVALID`,
    ///   `NODE_SIGNATURE_INVALID`), `HTTPError` from the transport, or `CryptoError`.
    public func handshake() throws {
        let clientKey = try X25519PrivateKey.generate()
        let body = Array(#"{"clientPublicKey":"\#(clientKey.publicKey.text)"}"#.utf8)
        let headers = RequestAuth.headers(method: "POST", target: SessionAuth.path, body: body, key: key, chainID: chainID)
        let r = try client.send("POST", url: baseURL + SessionAuth.path, headers: headers + [("Content-Type", "application/json")], body: body)
        guard r.status == 201 else {
            let (code, message) = APISession.errorCode(r.body)
            throw NodeError(code: NodeCode.handshakeRefused, message: "\(baseURL) refused the session handshake: \(r.status) \(code ?? "") \(message ?? "")")
        }
        struct Answer: Decodable { let sessionId: String; let serverPublicKey: String; let expiresAt: Int64; let signature: String?; let nodeKey: String? }
        guard let a = try? JSONDecoder().decode(Answer.self, from: Data(r.body)), let id = SessionID(hex: a.sessionId),
              let server = X25519PublicKey(text: a.serverPublicKey) else {
            throw NodeError(code: NodeCode.handshakeInvalid, message: "\(baseURL) answered the handshake without a session id, server key and expiry")
        }
        if let nodeKey {
            let message = SessionAuth.handshakeMessage(chainID: chainID, sessionID: id.bytes, caller: key.publicKey, client: clientKey.publicKey,
                                                       server: server, expiresAtMs: a.expiresAt)
            guard a.nodeKey == nodeKey.text, let sig = a.signature.flatMap(Hex.decode), nodeKey.verify(signature: sig, message: message) else {
                throw NodeError(code: NodeCode.nodeSignatureInvalid, message: "\(baseURL)'s handshake answer is not signed by \(nodeKey.text)")
            }
        }
        let secret = try clientKey.sharedSecret(with: server)
        let sessionKey = try SessionAuth.sessionKey(sharedSecret: secret, sessionID: id.bytes, chainID: chainID, caller: key.publicKey,
                                                    client: clientKey.publicKey, server: server)
        live.withLock { $0 = Live(id: id.hex, key: sessionKey, expiresAtMs: a.expiresAt) }
    }

    /// The three session headers for one request, opening a session first if there is none. Callers MUST send
    /// `method`, `target` (path and query, byte for byte) and `body` exactly as given. A caller that sends by
    /// itself rather than with `send` MUST call `discard(sessionID:)` when the node answers `AUTH_UNKNOWN_SESSION`
    /// or `AUTH_SESSION_EXPIRED`, so that the next request opens a new session.
    public func headers(method: String, target: String, body: [UInt8] = []) throws -> [(String, String)] {
        let (id, key, seq) = try next()
        let mac = SessionAuth.mac(key: key, method: method, target: target, seq: seq, body: body)
        return [(SessionAuth.sessionHeader, id), (SessionAuth.seqHeader, String(seq)), (SessionAuth.macHeader, Hex.encode(mac))]
    }

    /// Sends `method target` in the session through `client` (default: the session's own), and again if the node
    /// refused it for a reason of the session's own making, never of the request's: once in a new session if the node
    /// no longer knows this one; with a new sequence number, up to `maxRenumbered` times, if this one fell behind the
    /// node's replay window (`AUTH_SEQ_TOO_OLD`: other threads sent `ReplayWindow.size` or more requests after it took
    /// its number and before it arrived). A refused request was not run, so sending it again runs it once. Any other
    /// answer is returned as is, `AUTH_REPLAYED` too (someone sent these very headers first).
    public func send(_ method: String, _ target: String, headers extra: [(String, String)] = [], body: [UInt8] = [],
                     timeout: Double? = nil, via client: HTTPClient? = nil) throws -> HTTPResponse {
        var reopened = false, renumbered = 0
        while true {
            let h = try headers(method: method, target: target, body: body)
            let r = try (client ?? self.client).send(method, url: baseURL + target, headers: h + extra, body: body, timeout: timeout)
            guard r.status == 401, let code = APISession.errorCode(r.body).code else { return r }
            if (code == NodeCode.authUnknownSession || code == NodeCode.authSessionExpired) && !reopened {
                reopened = true
                discard(sessionID: h[0].1)
            } else if code == NodeCode.authSeqTooOld && renumbered < APISession.maxRenumbered {
                // A thread held up once on a loaded machine may be held up again: a few new numbers, not one.
                renumbered += 1
            } else {
                return r
            }
        }
    }

    /// How many times `send` gives a request a new number after it fell behind the replay window.
    static let maxRenumbered = 3

    /// Forgets session `sessionID` if it is still the current one (a newer one, opened meanwhile, is kept).
    public func discard(sessionID: String) {
        live.withLock { if $0?.id == sessionID { $0 = nil } }
    }

    /// The current session and its next sequence number, opening a session if there is none.
    private func next() throws -> (String, [UInt8], UInt64) {
        func take() -> (String, [UInt8], UInt64)? {
            live.withLock { s in
                guard s != nil else { return nil }
                s!.lastSeq += 1
                return (s!.id, s!.key, s!.lastSeq)
            }
        }
        if let t = take() { return t }
        handshaking.lock()
        defer { handshaking.unlock() }
        if let t = take() { return t }
        try handshake()
        guard let t = take() else {
            throw NodeError(code: NodeCode.handshakeInvalid, message: "the session opened with \(baseURL) was discarded at once")
        }
        return t
    }

    /// The `{"error":{"code","message"}}` of an answer, if it has that shape.
    public static func errorCode(_ body: [UInt8]) -> (code: String?, message: String?) {
        struct E: Decodable { struct Inner: Decodable { let code: String; let message: String? }; let error: Inner }
        guard let e = try? JSONDecoder().decode(E.self, from: Data(body)) else { return (nil, nil) }
        return (e.error.code, e.error.message)
    }
}
