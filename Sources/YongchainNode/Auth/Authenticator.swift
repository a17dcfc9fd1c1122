import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Who is calling (docs/api-auth.md), decided in the committed snapshot the answer is read from: the dispatcher
/// opens one read view, authenticates the caller in it, and hands the same view to the route. A signed request or
/// a session request (either scheme leads to the same caller for the same key), a member organisation or — where
/// the route allows — a registered enterprise; or, for gossip, a member's node by its TLS certificate.
///
/// A failed read of who the key is answers 503 STORAGE_UNAVAILABLE and counts as a storage failure: a sick disk
/// never reads as an unknown key.
///
/// Thread rule: any thread; the replay window and the session table keep their own locks.
struct Authenticator: Sendable {
    let requestVerifier: RequestVerifier
    let sessions: SessionVerifier
    /// Over TLS, gossip only from members' nodes; nil when the node speaks plain HTTP.
    let tls: NodeTLS?
    let health: NodeHealth
    let logger: Logger

    /// The caller of a signed request or a session request.
    enum Caller {
        case member(Member)
        case enterprise(Enterprise)
    }

    /// `RouteAuth.peer`: over TLS, the connection presented a member node's key.
    func checkPeer(_ req: HTTPRequest) throws {
        guard let tls else { return }
        guard let key = req.peerPublicKey, tls.acceptsPeer(key) else {
            throw APIError(NodeCode.peerNotAuthenticated,
                           "gossip needs a TLS client certificate over a member's node key; this connection presented none")
        }
    }

    /// Whether `req` carries a signature or a session, which an `optionalCaller` route then checks.
    static func carriesCredentials(_ req: HTTPRequest) -> Bool {
        let c = CredentialHeaders(req.headers)
        return c.isSession || c.key != nil
    }

    /// Verifies the request — session MAC or signature, freshness, nonce, in the order docs/api-auth.md gives — and
    /// finds its key in `state`: a member (from committed state: one admitted by governance is known; a removed or
    /// replaced key is refused from the block after the decision, with KEY_REVOKED) or, where `enterprises`, a
    /// registered enterprise. Where `sessions` is false, only a signed request is accepted. Throws the 401 (403
    /// KEY_REVOKED, 503 when the replay window is full or `state` cannot be read) to answer otherwise.
    ///
    /// `verified` is set to the key as soon as the request's credential is checked and its nonce or sequence number
    /// spent, even when finding the key in `state` then fails: a run read again from another snapshot (a cache-only
    /// view that missed) MUST resolve that key (`resolve`), since the credential cannot be presented twice.
    func authenticate(_ req: HTTPRequest, enterprises: Bool, sessions allowSessions: Bool, state: ReadView,
                      verified: inout PublicKey?) throws -> (caller: Caller, key: PublicKey) {
        var caller: Caller?
        var revoked = false
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let allowed = enterprises ? "a member organisation or a registered enterprise" : "a member organisation"
        // Asked before the signature is checked and before the nonce is remembered, so unknown keys can neither
        // cost a signature check nor fill the replay cache.
        let isKnown = { (key: PublicKey) throws -> Bool in
            (caller, revoked) = try self.lookUp(key, enterprises: enterprises, state: state)
            return caller != nil
        }
        let result: Result<PublicKey, APIError>
        let credentials = CredentialHeaders(req.headers)
        if credentials.isSession {
            guard allowSessions else {
                throw APIError(NodeCode.authRequired, "this endpoint needs a signed request, not a session request (see docs/api-auth.md)")
            }
            // A session's MAC and sequence number are checked, and the number spent, before its key is looked up.
            var spent: PublicKey?
            defer { if let spent { verified = spent } }
            result = try sessions.verify(method: req.method, target: req.target, credentials: credentials, body: req.body,
                                         nowMs: nowMs, allowed: allowed, isKnown: { key in spent = key; return try isKnown(key) })
        } else {
            result = try requestVerifier.verify(method: req.method, target: req.target, headers: req.headers, body: req.body,
                                                nowMs: nowMs, allowed: allowed, isKnown: isKnown)
        }
        switch result {
        case .success(let key):
            verified = key
            return (caller!, key)
        case .failure(let e):
            if revoked { throw Self.keyRevoked }
            throw e
        }
    }

    /// Who `key`, already verified for this request, is in `state`: a newer snapshot the answer is read again from
    /// (the chain moved past the first while a proof was read).
    func resolve(_ key: PublicKey, enterprises: Bool, state: ReadView) throws -> Caller {
        let (caller, revoked) = try lookUp(key, enterprises: enterprises, state: state)
        if let caller { return caller }
        if revoked { throw Self.keyRevoked }
        throw APIError(NodeCode.authUnknownKey, "key \(key.text) is not \(enterprises ? "a member organisation or a registered enterprise" : "a member organisation"), so it may not call this endpoint")
    }

    private func lookUp(_ key: PublicKey, enterprises: Bool, state: ReadView) throws -> (Caller?, revoked: Bool) {
        var caller: Caller?
        var revoked = false
        if let m = try Governance.member(key: key, state) {
            caller = .member(m)
        } else if enterprises, let e = Identity.enterprise(key: key, state: state) {
            caller = .enterprise(e)
        } else {
            revoked = Governance.isRevoked(key, state)
        }
        do { try state.checkReads() } catch let e as StorageError {
            health.storageError(e, "reading who signed a request", logger: logger)
            throw APIError(NodeCode.storageUnavailable, "this node could not read who the signing key belongs to (\(e.code)); retry shortly or ask another node")
        }
        return (caller, revoked)
    }

    static let keyRevoked = APIError(Codes.keyRevoked, "this key was revoked by a governance decision (removed or replaced); sign with the member's current key")
}

extension Member {
    func holds(_ a: Authority) -> Bool { role == .registry && authorities.contains(a) }
}
