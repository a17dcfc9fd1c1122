/// Limits the server applies to every connection. Every one of them bounds what a remote peer can make us hold or
/// wait for; the status each produces is listed in docs/http.md.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Longest request line (method, target, version; without CRLF). Longer lines get 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (all header lines and the final blank line, without the request line). Larger: 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Most header lines in one request. More: 431.
    public var maxHeaderCount: Int = 100
    /// Largest `Content-Length` accepted. Larger: 413, sent before any of the body is read.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Seconds allowed to receive a whole request once its first byte arrived. Exceeded: 408, then close.
    public var readTimeout: Double = 10
    /// Seconds allowed to receive a request's head (request line and headers) once its first byte arrived, within
    /// `readTimeout`. Exceeded: 408, then close.
    public var requestHeadTimeout: Double = 5
    /// The least rate, in bytes a second, at which a request in progress must arrive, after `slowRequestGrace`: a
    /// request that has received fewer than `minRequestBytesPerSecond` × (seconds since its first byte −
    /// `slowRequestGrace`) bytes may be evicted as an idle connection is (see `maxConnections`). A request line and
    /// one header line a second falls behind after about a second.
    public var minRequestBytesPerSecond: Int = 4096
    public var slowRequestGrace: Double = 1
    /// Seconds a connection with no request in progress (a new one, or keep-alive between requests) is kept open
    /// waiting for a first byte. Exceeded: silent close.
    public var idleTimeout: Double = 60
    /// Seconds allowed to write one response (the client not reading). Exceeded: the connection is closed.
    public var writeTimeout: Double = 10
    /// Most connections served at once. A new connection that finds them all taken closes the connection idle
    /// longest (no request in progress: keep-alive between requests, never sent a byte, a TLS handshake not
    /// finished; or a request arriving slower than `minRequestBytesPerSecond`, idle from when it fell behind) to
    /// make room; only if none is idle is it answered 503 `TOO_MANY_CONNECTIONS` and closed.
    public var maxConnections: Int = 1024
    /// Most connections one client address may hold at once (a reserved address has its own cap below). A further
    /// one from that address is answered 503 `TOO_MANY_CONNECTIONS_FROM_ADDRESS` and closed; other addresses are
    /// still served. Well below `maxConnections`, so one address cannot hold every slot busy.
    public var maxConnectionsPerAddress: Int = 128
    /// Addresses that may use the reserved slots: a node's peers, so that clients filling the server never starve
    /// consensus gossip. Numeric addresses, or host names resolved when the server is created (one that does not
    /// resolve then is left out), and again by `HTTPServer.setReservedAddresses`. Matched against the source address
    /// of each connection, port ignored.
    public var reservedAddresses: [String] = []
    /// Slots of `maxConnections` that only `reservedAddresses` may use: connections from all other addresses
    /// together get at most `maxConnections - reservedConnections`; reserved addresses may use any slot. No slot is
    /// kept while no reserved address resolved.
    public var reservedConnections: Int = 64
    /// Most connections one reserved address may hold at once. No cap by default (beyond `maxConnections`): on a
    /// cluster run on one machine the peers and every local client share 127.0.0.1, so a cap there would refuse
    /// local clients; idle eviction still applies. Lower it when a peer's address is shared with other clients.
    public var maxConnectionsPerReservedAddress: Int = .max
    /// TLS only: most handshakes in progress at once from addresses that are not reserved (a reserved address's
    /// handshakes are bounded by its connection slots only, so a restarted peer always gets in). A new one beyond
    /// it closes the unreserved connection whose handshake has been in progress longest, or is closed at once
    /// (before any TLS byte) if there is none.
    public var maxHandshakesInProgress: Int = 256
    /// TLS only: most handshakes in progress at once from one unreserved address. A further connection from it is
    /// admitted (within `maxConnectionsPerAddress`) but waits, nothing read, until one of them ends; still bounded
    /// by `handshakeTimeout` from accept.
    public var maxHandshakesPerAddress: Int = 16
    /// TLS only: seconds from accept for the handshake to complete. Exceeded: silent close.
    public var handshakeTimeout: Double = 10

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        readTimeout: Double = 10,
        requestHeadTimeout: Double = 5,
        minRequestBytesPerSecond: Int = 4096,
        slowRequestGrace: Double = 1,
        idleTimeout: Double = 60,
        writeTimeout: Double = 10,
        maxConnections: Int = 1024,
        maxConnectionsPerAddress: Int = 128,
        reservedAddresses: [String] = [],
        reservedConnections: Int = 64,
        maxConnectionsPerReservedAddress: Int = .max,
        maxHandshakesInProgress: Int = 256,
        maxHandshakesPerAddress: Int = 16,
        handshakeTimeout: Double = 10
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.minRequestBytesPerSecond = minRequestBytesPerSecond
        self.slowRequestGrace = slowRequestGrace
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.reservedAddresses = reservedAddresses
        self.reservedConnections = reservedConnections
        self.maxConnectionsPerReservedAddress = maxConnectionsPerReservedAddress
        self.maxHandshakesInProgress = maxHandshakesInProgress
        self.maxHandshakesPerAddress = maxHandshakesPerAddress
        self.handshakeTimeout = handshakeTimeout
    }

    /// Throws `HTTPError` `INVALID_LIMITS` naming the first connection limit that cannot work: a cap below 1, a
    /// timeout that is not positive, or reserved slots that would leave no slot for other addresses.
    func validateConnectionLimits() throws {
        func invalid(_ message: String) -> HTTPError { HTTPError(code: "INVALID_LIMITS", message: message) }
        guard maxConnections >= 1 else { throw invalid("maxConnections must be at least 1, got \(maxConnections)") }
        guard maxConnectionsPerAddress >= 1 else {
            throw invalid("maxConnectionsPerAddress must be at least 1, got \(maxConnectionsPerAddress)")
        }
        guard maxConnectionsPerReservedAddress >= 1 else {
            throw invalid("maxConnectionsPerReservedAddress must be at least 1, got \(maxConnectionsPerReservedAddress)")
        }
        guard maxHandshakesInProgress >= 1 else {
            throw invalid("maxHandshakesInProgress must be at least 1, got \(maxHandshakesInProgress)")
        }
        guard maxHandshakesPerAddress >= 1 else {
            throw invalid("maxHandshakesPerAddress must be at least 1, got \(maxHandshakesPerAddress)")
        }
        guard handshakeTimeout > 0 else { throw invalid("handshakeTimeout must be positive, got \(handshakeTimeout)") }
        guard requestHeadTimeout > 0 else { throw invalid("requestHeadTimeout must be positive, got \(requestHeadTimeout)") }
        guard minRequestBytesPerSecond >= 1 else {
            throw invalid("minRequestBytesPerSecond must be at least 1, got \(minRequestBytesPerSecond)")
        }
        guard slowRequestGrace >= 0 else { throw invalid("slowRequestGrace must not be negative, got \(slowRequestGrace)") }
        guard reservedConnections >= 0, reservedAddresses.isEmpty || reservedConnections < maxConnections else {
            throw invalid("reservedConnections must be 0 to maxConnections - 1 (\(maxConnections - 1)), got \(reservedConnections)")
        }
    }
}

extension HTTPServerLimits {
    /// When a request whose first byte arrived at `startedAt` (monotonic ns) must be complete: its head within
    /// `requestHeadTimeout`, all of it within `readTimeout`.
    func requestDeadline(startedAt: Int64, headComplete: Bool) -> Int64 {
        startedAt + nanoseconds(headComplete ? readTimeout : min(requestHeadTimeout, readTimeout))
    }

    /// From when a request in progress that began at `startedAt` and has received `received` bytes is slow, and may
    /// be evicted as an idle connection: `slowRequestGrace` plus the time `received` bytes take at
    /// `minRequestBytesPerSecond`. Each byte that arrives moves it later.
    func slowFrom(startedAt: Int64, received: Int) -> Int64 {
        startedAt + nanoseconds(slowRequestGrace + Double(received) / Double(minRequestBytesPerSecond))
    }
}
