import Glibc

/// An HTTP/1.1 server over epoll with an elastic pool of worker threads.
///
/// Handlers may block for seconds (e.g. waiting for a block to commit) and must never starve other connections.
/// A handler runs on the worker that read its request; normally there are as many workers as cores, and a monitor
/// adds one whenever no worker is waiting and none has finished anything for 5 ms (all blocked). Extra workers
/// retire after 10 s idle. At most one worker holds a connection at a time (EPOLLONESHOT), so there are never more
/// than `limits.maxConnections` + 1 workers. Under load a worker goes from one ready connection to the next without
/// sleeping, which is what a thread per connection cannot do (it pays a context switch per request).
///
/// Guarantees:
/// - `handler` is called on a connection's own thread, once per request, in request order for that connection.
///   It may block; it must not trap (a trap ends the process, as anywhere in Swift).
/// - Every response carries `Content-Length` (and a `Date`); HEAD responses carry no body.
/// - Malformed or oversized input gets the status in docs/http.md and a closed connection, never a crash.
/// - `stop()` closes the listener and every connection, waits for all server threads (including handlers still
///   running) to finish, and is idempotent.
public final class HTTPServer: Sendable {
    let core: ServerCore

    /// Binds and listens on `host:port` (port 0 picks an ephemeral port; read it back from `port`). Does not accept
    /// connections until `start()`.
    ///
    /// Host names in `limits.reservedAddresses` are resolved here, once.
    ///
    /// - Throws: `HTTPError` with code `BIND_FAILED` and the errno (e.g. EADDRINUSE) if the address cannot be used;
    ///   `INVALID_LIMITS` if the connection limits cannot work (see `HTTPServerLimits`).
    ///
    /// With a `transport` (TLS), every connection must complete its handshake (within `limits.handshakeTimeout`
    /// of accept; `limits.maxHandshakesPerAddress` and `maxHandshakesInProgress` bound how many are under way)
    /// before a byte of HTTP is read; requests then carry the peer's authenticated key (`HTTPRequest.peerPublicKey`).
    /// Plain HTTP sent to it gets 400 `TLS_REQUIRED`.
    public init(
        host: String = "127.0.0.1", port: UInt16, limits: HTTPServerLimits = HTTPServerLimits(),
        transport: (any SecureTransport)? = nil,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws {
        try limits.validateConnectionLimits()
        let (listenFD, boundPort) = try Self.listen(host: host, port: port)
        core = try ServerCore(listenFD: listenFD, port: boundPort, limits: limits, transport: transport, handler: handler)
    }

    /// The secure transport's name (`TLSv1.3`), or nil for plain HTTP.
    public var transportName: String? { core.transport?.protocolName }

    /// The TLS handshakes so far; nil for plain HTTP.
    public var tlsStats: TLSHandshakeStats? { core.transport == nil ? nil : core.tls.snapshot }

    deinit { stop() }

    /// The port actually bound.
    public var port: UInt16 { core.port }

    /// Open, evicted and refused connections so far.
    public var connectionStats: HTTPServerConnectionStats {
        HTTPServerConnectionStats(
            open: core.connectionCount, accepted: core.counts.accepted.load(ordering: .relaxed),
            evicted: core.counts.evicted.load(ordering: .relaxed), evictedSlow: core.counts.evictedSlow.load(ordering: .relaxed),
            refusedAtLimit: core.counts.refusedAtLimit.load(ordering: .relaxed),
            refusedFromAddress: core.counts.refusedFromAddress.load(ordering: .relaxed))
    }

    /// The numeric addresses that may use the reserved slots: `limits.reservedAddresses` as resolved at init, or
    /// what `setReservedAddresses` resolved last (a name that did not resolve is missing).
    public var reservedAddresses: [String] { core.reservedAddresses.map(\.description).sorted() }

    /// Replaces the addresses that may use the reserved slots (numeric, or host names, resolved here: this may
    /// wait on DNS, so call it off any latency-critical thread). Connections already open keep the class they were
    /// admitted with; new ones follow the new set at once. Returns the numeric addresses now reserved.
    @discardableResult
    public func setReservedAddresses(_ hosts: [String]) -> [String] {
        core.setReservedAddresses(Set(hosts.flatMap(ClientAddress.resolving)))
        return reservedAddresses
    }

    /// Starts accepting connections on a background thread. Calling it again, or after `stop()`, does nothing.
    public func start() {
        core.start()
    }

    /// Closes the listener and all connections, then waits until every server thread has finished. A handler that
    /// is still running delays `stop()` until it returns. Idempotent; safe to call from any thread except a
    /// handler of this server.
    public func stop() {
        core.stop()
    }

    private static func listen(host: String, port: UInt16) throws -> (Int32, UInt16) {
        let (addresses, gaiError) = Socket.resolve(host, port, passive: true)
        guard let address = addresses.first else {
            throw HTTPError(code: "BIND_FAILED",
                            message: "cannot resolve listen address \(host): \(String(cString: gai_strerror(gaiError)))")
        }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw HTTPError(code: "BIND_FAILED", message: "cannot create a socket to listen on \(host):\(port)", errno: errno)
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.addr.withUnsafeBytes { raw in
            bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard bound == 0 else {
            let err = errno
            close(fd)
            throw HTTPError(code: "BIND_FAILED", message: "cannot bind \(host):\(port)", errno: err)
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let err = errno
            close(fd)
            throw HTTPError(code: "BIND_FAILED", message: "cannot listen on \(host):\(port)", errno: err)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let boundPort: UInt16 = withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, in network byte order.
            UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))
        }
        return (fd, boundPort)
    }
}

