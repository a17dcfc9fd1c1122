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
    /// Seconds a connection with no request in progress (a new one, or keep-alive between requests) is kept open
    /// waiting for a first byte. Exceeded: silent close.
    public var idleTimeout: Double = 60
    /// Seconds allowed to write one response (the client not reading). Exceeded: the connection is closed.
    public var writeTimeout: Double = 10
    /// Most connections served at once. A new connection that finds them all taken closes the connection idle
    /// longest (no request in progress: keep-alive between requests, or never sent a byte) to make room; only if
    /// none is idle is it answered 503 `TOO_MANY_CONNECTIONS` and closed.
    public var maxConnections: Int = 1024
    /// Most connections one client address may hold at once (a reserved address has its own cap below). A further
    /// one from that address is answered 503 `TOO_MANY_CONNECTIONS_FROM_ADDRESS` and closed; other addresses are
    /// still served. Well below `maxConnections`, so one address cannot hold every slot busy.
    public var maxConnectionsPerAddress: Int = 128
    /// Addresses that may use the reserved slots: a node's peers, so that clients filling the server never starve
    /// consensus gossip. Numeric addresses, or host names resolved once when the server is created (one that does
    /// not resolve then is left out). Matched against the source address of each connection, port ignored.
    public var reservedAddresses: [String] = []
    /// Slots of `maxConnections` that only `reservedAddresses` may use: connections from all other addresses
    /// together get at most `maxConnections - reservedConnections`; reserved addresses may use any slot. No slot is
    /// kept while no reserved address resolved.
    public var reservedConnections: Int = 64
    /// Most connections one reserved address may hold at once. No cap by default (beyond `maxConnections`): on a
    /// cluster run on one machine the peers and every local client share 127.0.0.1, so a cap there would refuse
    /// local clients; idle eviction still applies. Lower it when a peer's address is shared with other clients.
    public var maxConnectionsPerReservedAddress: Int = .max
    /// TLS only: most handshakes in progress at once. A new connection beyond it is closed at once (before any
    /// TLS byte), so slow or half-open handshakes cannot hold every slot or worker.
    public var maxHandshakesInProgress: Int = 256
    /// TLS only: seconds from accept for the handshake to complete. Exceeded: silent close.
    public var handshakeTimeout: Double = 10

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        readTimeout: Double = 10,
        idleTimeout: Double = 60,
        writeTimeout: Double = 10,
        maxConnections: Int = 1024,
        maxConnectionsPerAddress: Int = 128,
        reservedAddresses: [String] = [],
        reservedConnections: Int = 64,
        maxConnectionsPerReservedAddress: Int = .max,
        maxHandshakesInProgress: Int = 256,
        handshakeTimeout: Double = 10
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.reservedAddresses = reservedAddresses
        self.reservedConnections = reservedConnections
        self.maxConnectionsPerReservedAddress = maxConnectionsPerReservedAddress
        self.maxHandshakesInProgress = maxHandshakesInProgress
        self.handshakeTimeout = handshakeTimeout
    }

    /// Throws `HTTPError` `INVALID_LIMITS` naming the first connection limit that cannot work: a cap below 1, or
    /// reserved slots that would leave no slot for other addresses.
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
        guard handshakeTimeout > 0 else { throw invalid("handshakeTimeout must be positive, got \(handshakeTimeout)") }
        guard reservedConnections >= 0, reservedAddresses.isEmpty || reservedConnections < maxConnections else {
            throw invalid("reservedConnections must be 0 to maxConnections - 1 (\(maxConnections - 1)), got \(reservedConnections)")
        }
    }
}
