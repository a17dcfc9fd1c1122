import YongchainCrypto

/// A session's identifier: 16 random bytes, 32 hex digits on the wire.
struct SessionID: Hashable, Sendable, CustomStringConvertible {
    static let byteCount = 16
    let bytes: [UInt8]

    init?(bytes: [UInt8]) {
        guard bytes.count == SessionID.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Exactly 32 hex digits (either case); nil otherwise.
    init?(hex: String) {
        guard hex.utf8.count == 2 * SessionID.byteCount, let b = Hex.decode(hex) else { return nil }
        self.init(bytes: b)
    }

    var hex: String { Hex.encode(bytes) }
    var description: String { hex }

    /// The 16 bytes in one call: an array's own hashing feeds the hasher a byte at a time, twice per session
    /// request under the verifier's lock.
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: SessionID, b: SessionID) -> Bool { a.bytes == b.bytes }
}

/// The node's live API sessions (docs/api-auth.md, "Sessions"): who owns each, its MAC key, its expiry and its
/// replay window, within `SessionLimits`. A pure value: no clock, no randomness, no crypto, no lock — the time
/// comes in as a parameter and `SessionVerifier` is the shell that keeps it behind a lock.
struct SessionTable: Sendable {
    struct Session: Sendable {
        let owner: PublicKey
        /// The session's MAC key, keyed into libcrypto once (a few hundred bytes a session, `maxSessions` at most).
        let key: HMACKey
        let openedAtMs: Int64
        let expiresAtMs: Int64
        var window = ReplayWindow()
    }

    enum Opened: Sendable, Equatable {
        /// Opened; `evicted` is the owner's oldest session, closed to stay within the per-key cap.
        case opened(expiresAtMs: Int64, evicted: SessionID?)
        /// The table is full of live sessions; nothing changed.
        case full
        /// The identifier is taken (two equal random 128-bit ids: draw another).
        case idInUse
    }

    enum Found: Sendable, Equatable {
        case live(owner: PublicKey, key: HMACKey)
        case unknown
        case expired(atMs: Int64)
    }

    enum Checked: Sendable, Equatable {
        case accepted
        case replayed
        case tooOld(highest: UInt64)
        case unknown
        case expired(atMs: Int64)
    }

    let limits: SessionLimits
    private(set) var sessions: [SessionID: Session] = [:]
    /// Each owner's sessions, oldest first: who is evicted when the owner opens one more than its cap.
    private var byOwner: [PublicKey: [SessionID]] = [:]
    private var opensSincePrune = 0

    init(limits: SessionLimits) { self.limits = limits }

    var count: Int { sessions.count }
    func count(of owner: PublicKey) -> Int { byOwner[owner]?.count ?? 0 }

    /// Opens session `id` for `owner` with MAC key `key`, expiring `limits.lifetimeMs` after `nowMs`.
    ///
    /// 1. The owner's expired sessions are dropped; if it still holds `maxSessionsPerKey`, its oldest is evicted
    ///    (a client that handshakes in a loop only ever displaces its own sessions).
    /// 2. If the table holds `maxSessions`, expired sessions are dropped; if it is still full, `.full`: the node
    ///    never evicts one caller's session to make room for another's.
    mutating func open(_ id: SessionID, owner: PublicKey, key: HMACKey, nowMs: Int64) -> Opened {
        guard sessions[id] == nil else { return .idInUse }
        opensSincePrune += 1
        // Amortised: expired sessions of callers that never come back are dropped every so many opens.
        if opensSincePrune >= 1024 { prune(nowMs: nowMs) }
        var evicted: SessionID?
        if var mine = byOwner[owner] {
            mine.removeAll { sid in
                guard let s = sessions[sid], s.expiresAtMs > nowMs else { sessions[sid] = nil; return true }
                return false
            }
            if mine.count >= limits.maxSessionsPerKey, !mine.isEmpty {
                evicted = mine.removeFirst()
                sessions[evicted!] = nil
            }
            byOwner[owner] = mine.isEmpty ? nil : mine
        }
        if sessions.count >= limits.maxSessions { prune(nowMs: nowMs) }
        guard sessions.count < limits.maxSessions else { return .full }
        let expires = nowMs + limits.lifetimeMs
        sessions[id] = Session(owner: owner, key: key, openedAtMs: nowMs, expiresAtMs: expires)
        byOwner[owner, default: []].append(id)
        return .opened(expiresAtMs: expires, evicted: evicted)
    }

    /// The session's owner and key while it lives.
    func find(_ id: SessionID, nowMs: Int64) -> Found {
        guard let s = sessions[id] else { return .unknown }
        guard nowMs < s.expiresAtMs else { return .expired(atMs: s.expiresAtMs) }
        return .live(owner: s.owner, key: s.key)
    }

    /// Records `seq` as used in session `id`. Callers MUST call this only after the request's MAC verified, so
    /// that forged requests cannot move the window.
    ///
    /// It runs under the verifier's lock on every session request, so it hashes the id once and changes the window
    /// in place (a copy of the session held across the change would copy the window's words on every request).
    mutating func accept(_ id: SessionID, seq: UInt64, nowMs: Int64) -> Checked {
        guard let i = sessions.index(forKey: id) else { return .unknown }
        let expiresAtMs = sessions.values[i].expiresAtMs
        guard nowMs < expiresAtMs else { return .expired(atMs: expiresAtMs) }
        switch sessions.values[i].window.accept(seq) {
        case .fresh: return .accepted
        case .replayed: return .replayed
        case .tooOld: return .tooOld(highest: sessions.values[i].window.highest)
        }
    }

    /// Drops every expired session; returns how many.
    @discardableResult
    mutating func prune(nowMs: Int64) -> Int {
        opensSincePrune = 0
        let before = sessions.count
        sessions = sessions.filter { $0.value.expiresAtMs > nowMs }
        guard sessions.count != before else { return 0 }
        byOwner = byOwner.compactMapValues { ids in
            let kept = ids.filter { sessions[$0] != nil }
            return kept.isEmpty ? nil : kept
        }
        return before - sessions.count
    }
}
