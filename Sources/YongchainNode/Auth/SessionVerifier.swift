import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// The node's side of API sessions (docs/api-auth.md, "Sessions"): opens them once the route has checked the
/// caller's signed handshake, and checks each session request's headers, session, MAC, sequence number and
/// caller, in that order. Sessions live in this process's memory only.
///
/// Thread-safe. The lock is held for a table look-up and a window update per request, never for crypto, so the
/// HTTP server's worker threads contend for it only for a few hundred nanoseconds each.
final class SessionVerifier: Sendable {
    let chainID: String
    let limits: SessionLimits
    private let nodeKey: PrivateKey?
    private let table: Mutex<SessionTable>

    /// `nodeKey` signs handshake answers; a node without a key (an observer) answers unsigned.
    init(chainID: String, nodeKey: PrivateKey?, limits: SessionLimits = SessionLimits()) {
        self.chainID = chainID
        self.nodeKey = nodeKey
        self.limits = limits
        table = Mutex(SessionTable(limits: limits))
    }

    /// The handshake answer (201).
    struct Handshake: Encodable, Sendable {
        let sessionId: String
        let serverPublicKey: String
        /// Milliseconds since the Unix epoch, by the node's clock.
        let expiresAt: Int64
        /// The node's Ed25519 signature over `SessionAuth.handshakeMessage`; absent on a node without a key.
        let signature: String?
        let nodeKey: String?
    }

    /// Opens a session for `caller`, whom the caller MUST already have authenticated with a signed request whose
    /// body carried `clientKey`.
    ///
    /// 1. A fresh X25519 key pair for the node; the shared secret with the client's key.
    /// 2. A random 16-byte session id; the session key is HKDF-SHA256(secret, salt: id, info: `SessionAuth.keyInfo`).
    /// 3. The session enters the table (which may evict the caller's oldest, or refuse when full).
    /// 4. The node signs the session's parameters so a client that knows the node's key can check who answered.
    func open(caller: PublicKey, clientKey: X25519PublicKey, nowMs: Int64) -> Result<Handshake, APIError> {
        do {
            let server = try X25519PrivateKey.generate()
            let secret: [UInt8]
            do {
                secret = try server.sharedSecret(with: clientKey)
            } catch {
                return .failure(APIError(NodeCode.invalidField, "clientPublicKey: a low-order X25519 point gives no shared secret; send a freshly generated key"))
            }
            // Two equal random 128-bit ids will not happen; the loop only keeps that from being an assumption.
            for _ in 0..<3 {
                let id = SessionID(bytes: try SecureRandom.bytes(SessionID.byteCount))!
                let key = HMACKey(try SessionAuth.sessionKey(sharedSecret: secret, sessionID: id.bytes, chainID: chainID, caller: caller,
                                                             client: clientKey, server: server.publicKey))
                switch table.withLock({ $0.open(id, owner: caller, key: key, nowMs: nowMs) }) {
                case .opened(let expires, _):
                    let signed = nodeKey.map {
                        $0.sign(SessionAuth.handshakeMessage(chainID: chainID, sessionID: id.bytes, caller: caller, client: clientKey,
                                                             server: server.publicKey, expiresAtMs: expires))
                    }
                    return .success(Handshake(sessionId: id.hex, serverPublicKey: server.publicKey.text, expiresAt: expires,
                                              signature: signed.map(Hex.encode), nodeKey: nodeKey?.publicKey.text))
                case .full:
                    return .failure(APIError(NodeCode.authBusy, "this node already holds \(limits.maxSessions) live API sessions; retry later (signed requests still work meanwhile)"))
                case .idInUse:
                    continue
                }
            }
            return .failure(APIError(NodeCode.internalError, "could not draw an unused session id"))
        } catch {
            return .failure(APIError(NodeCode.internalError, "opening a session failed: \(error)"))
        }
    }

    /// The session's key, or the 401 to answer with. `isKnown` says whether the session's key may call this route
    /// at all (as for signed requests); it is asked after the MAC and sequence number are checked, and what it
    /// throws (a failed read of who the key is) is thrown on, never turned into a refusal.
    func verify(method: String, target: String, headers: HTTPHeaders, body: [UInt8], nowMs: Int64,
                allowed: String = "a member organisation", isKnown: (PublicKey) throws -> Bool) rethrows -> Result<PublicKey, APIError> {
        try verify(method: method, target: target, credentials: CredentialHeaders(headers), body: body, nowMs: nowMs, allowed: allowed,
                   isKnown: isKnown)
    }

    /// `verify` of a request whose authentication headers are already found.
    func verify(method: String, target: String, credentials c: CredentialHeaders, body: [UInt8], nowMs: Int64,
                allowed: String, isKnown: (PublicKey) throws -> Bool) rethrows -> Result<PublicKey, APIError> {
        func malformed(_ why: String) -> Result<PublicKey, APIError> { .failure(APIError(NodeCode.authMalformed, why)) }
        // 1. Headers: all three, and nothing of the signed scheme beside them.
        guard let idText = c.session, let seqText = c.seq, let macText = c.mac else {
            let names = [SessionAuth.sessionHeader, SessionAuth.seqHeader, SessionAuth.macHeader]
            let missing = zip(names, [c.session, c.seq, c.mac]).filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
            return malformed("a session request carries \(names.joined(separator: ", ")); missing \(missing) (see docs/api-auth.md)")
        }
        if let both = c.signedSchemeHeader {
            return malformed("a request is either signed or sent in a session, not both: drop \(both) or the session headers")
        }
        guard let id = SessionID(hex: idText) else {
            return malformed("\(SessionAuth.sessionHeader): the sessionId POST \(SessionAuth.path) answered, 32 hex digits")
        }
        guard let seq = Self.parseSeq(seqText) else {
            return malformed("\(SessionAuth.seqHeader): a whole number from 1 to \(UInt64.max) in decimal digits, new for each request")
        }
        guard let mac = Hex.decode(macText), mac.count == HMACSHA256.byteCount else {
            return malformed("\(SessionAuth.macHeader): the HMAC-SHA256 in hex, 64 digits")
        }
        // 2. The session.
        let owner: PublicKey, key: HMACKey
        switch table.withLock({ $0.find(id, nowMs: nowMs) }) {
        case .live(let o, let k): (owner, key) = (o, k)
        case .unknown: return .failure(unknown(id))
        case .expired(let at): return .failure(expired(id, at))
        }
        // 3. The MAC, compared in constant time.
        guard key.isValid(mac, message: SessionAuth.message(method: method, target: target, seq: seq, body: body)) else {
            return .failure(APIError(NodeCode.authBadMac, "the MAC does not cover this method, target, sequence number and body under session \(id)'s key"))
        }
        // 4. The sequence number, remembered only now that the MAC is genuine.
        switch table.withLock({ $0.accept(id, seq: seq, nowMs: nowMs) }) {
        case .accepted: break
        case .replayed:
            return .failure(APIError(NodeCode.authReplayed, "sequence number \(seq) was already used in session \(id); take a new one for each request"))
        case .tooOld(let highest):
            return .failure(APIError(NodeCode.authSeqTooOld, "sequence number \(seq) is \(ReplayWindow.size) or more below the highest this session has used (\(highest)), so the node can no longer tell whether it was used; resend with a new one"))
        case .unknown: return .failure(unknown(id))
        case .expired(let at): return .failure(expired(id, at))
        }
        // 5. The caller, as for a signed request by the session's key.
        guard try isKnown(owner) else {
            return .failure(APIError(NodeCode.authUnknownKey, "session \(id) belongs to key \(owner.text), which is not \(allowed), so it may not call this endpoint"))
        }
        return .success(owner)
    }

    /// Live sessions (for tests and metrics).
    var count: Int { table.withLock { $0.count } }

    private func unknown(_ id: SessionID) -> APIError {
        APIError(NodeCode.authUnknownSession, "this node has no session \(id): never opened here, evicted, or lost when the node restarted; open a new one with POST \(SessionAuth.path)")
    }

    private func expired(_ id: SessionID, _ at: Int64) -> APIError {
        APIError(NodeCode.authSessionExpired, "session \(id) expired at \(at) ms; open a new one with POST \(SessionAuth.path)")
    }

    /// 1 to 20 ASCII digits that make a nonzero UInt64 (no sign, no spaces: `UInt64(_:)` alone accepts "+5").
    static func parseSeq(_ text: String) -> UInt64? {
        let u = text.utf8
        guard (1...20).contains(u.count), u.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let n = UInt64(text), n > 0 else { return nil }
        return n
    }
}
