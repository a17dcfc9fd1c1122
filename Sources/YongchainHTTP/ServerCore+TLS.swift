import Glibc

extension ServerCore {
    /// Drives a connection's TLS handshake one step, on the worker that owns it. Returns true once it completed
    /// (the caller goes on to read); otherwise it re-armed the connection for the readiness the handshake wants
    /// (keeping the deadline set at accept), or closed it after a failure.
    ///
    /// `idleSince` is what the connection's idle mark held before this worker took it: a connection still in its
    /// handshake stays evictable, as an idle one is.
    func advanceHandshake(_ connection: Connection, idleSince: Int64) -> Bool {
        guard let channel = connection.tls else { return true }
        let outcome = channel.handshake()
        switch outcome {
        case .wantRead, .wantWrite:
            connection.idleSince.store(idleSince, ordering: .releasing)
            rearm(connection, deadline: connection.handshakeDeadline, writable: outcome == .wantWrite)
            return false
        case .done, .closed, .failed:
            break
        }
        // Over, one way or the other: the connection no longer holds a handshake slot, even while lingering.
        endHandshake(connection)
        switch outcome {
        case .done:
            if channel.resumed { tls.resumed.add(1, ordering: .relaxed) } else { tls.completed.add(1, ordering: .relaxed) }
            return true
        case .failed(.plainHTTP):
            tls.count(.plainHTTP)
            // Nothing of TLS was sent, so a plain answer is what this client can read.
            var out: [UInt8] = []
            HTTPResponse.error(400, code: "TLS_REQUIRED", message: "this port speaks HTTPS (TLS 1.3) only; use https://")
                .serialize(into: &out, includeBody: true, connection: "close", dateLine: connection.date.current())
            if case .sent = Socket.sendAll(connection.fd, out, timeout: 1) { lingeringClose(connection.fd, seconds: 0.5) }
        case .failed(let failure):
            tls.count(failure)
        default:
            tls.failed.add(1, ordering: .relaxed)  // closed midway
        }
        closeConnection(connection)  // no close_notify after a failure
        return false
    }
}
