import Synchronization

/// What a TLS server's handshakes came to since start (`HTTPServer.tlsStats`), for metrics.
public struct TLSHandshakeStats: Sendable, Equatable {
    /// Full handshakes completed.
    public var completed: Int
    /// Handshakes that resumed a session (a TLS 1.3 ticket); not counted in `completed`.
    public var resumed: Int
    /// Peers whose certificate was refused (a key not accepted, or not Ed25519).
    public var refusedPeer: Int
    /// Plain HTTP sent to the TLS port (answered 400 `TLS_REQUIRED`).
    public var plainHTTP: Int
    /// Handshakes that broke the protocol (garbage, wrong version, closed midway).
    public var failed: Int
    /// Handshakes not finished within `HTTPServerLimits.handshakeTimeout`.
    public var timedOut: Int
    /// Connections closed at accept because `maxHandshakesInProgress` handshakes were in progress.
    public var refusedAtLimit: Int
    /// Handshakes in progress now.
    public var inProgress: Int
}

/// The server's counters behind `TLSHandshakeStats`.
final class TLSCounters: Sendable {
    let completed = Atomic<Int>(0)
    let resumed = Atomic<Int>(0)
    let refusedPeer = Atomic<Int>(0)
    let plainHTTP = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let timedOut = Atomic<Int>(0)
    let refusedAtLimit = Atomic<Int>(0)
    let inProgress = Atomic<Int>(0)

    var snapshot: TLSHandshakeStats {
        TLSHandshakeStats(
            completed: completed.load(ordering: .relaxed), resumed: resumed.load(ordering: .relaxed),
            refusedPeer: refusedPeer.load(ordering: .relaxed), plainHTTP: plainHTTP.load(ordering: .relaxed),
            failed: failed.load(ordering: .relaxed), timedOut: timedOut.load(ordering: .relaxed),
            refusedAtLimit: refusedAtLimit.load(ordering: .relaxed), inProgress: inProgress.load(ordering: .relaxed))
    }

    func count(_ failure: SecureChannelFailure) {
        switch failure {
        case .peerRefused: refusedPeer.add(1, ordering: .relaxed)
        case .plainHTTP: plainHTTP.add(1, ordering: .relaxed)
        case .protocolError, .io: failed.add(1, ordering: .relaxed)
        }
    }
}
