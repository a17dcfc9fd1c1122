import Dispatch
import Glibc
import Synchronization

/// An HTTP/1.1 server: one accept thread, and one thread per connection that parses requests and calls `handler`.
///
/// Threads, not a shared pool, because handlers may block for seconds (e.g. waiting for a block to commit) and
/// must never starve other connections; the number of threads is bounded by `limits.maxConnections`.
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
    /// - Throws: `HTTPError` with code `BIND_FAILED` and the errno (e.g. EADDRINUSE) if the address cannot be used.
    public init(
        host: String = "127.0.0.1", port: UInt16, limits: HTTPServerLimits = HTTPServerLimits(),
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws {
        let (listenFD, boundPort) = try Self.listen(host: host, port: port)
        core = ServerCore(listenFD: listenFD, port: boundPort, limits: limits, handler: handler)
    }

    deinit { stop() }

    /// The port actually bound.
    public var port: UInt16 { core.port }

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

/// The state every server thread shares. Socket descriptors are registered here so `stop()` can shut them down;
/// the thread that owns a descriptor removes it under the lock before closing it, so `stop()` never touches a
/// descriptor number that has been reused.
final class ServerCore: Sendable {
    /// Stack for connection threads: handlers run on them and may do real work (JSON, SQLite).
    static let threadStackBytes = 2 * 1024 * 1024
    /// At most this many threads answer 503 at once; beyond it, excess connections are closed with a best-effort
    /// 503 and no lingering.
    static let maxRejectingThreads = 16
    /// How long a closing connection keeps draining what the peer still sends, so the peer reads our last response
    /// instead of a reset.
    static let lingerSeconds = 2.0

    let listenFD: Int32
    let port: UInt16
    let limits: HTTPServerLimits
    let handler: @Sendable (HTTPRequest) -> HTTPResponse

    private struct Registry {
        var started = false
        var stopping = false
        var connections: Set<Int32> = []
        var rejecting: Set<Int32> = []
        var threads = 0
    }

    private let registry = Mutex(Registry())
    /// Connections accepted since start (served or refused); lets tests see connection reuse.
    let acceptedCount = Atomic<Int>(0)
    private let stopped = Mutex(false)
    private let allThreadsDone = DispatchSemaphore(value: 0)

    init(listenFD: Int32, port: UInt16, limits: HTTPServerLimits,
         handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.listenFD = listenFD
        self.port = port
        self.limits = limits
        self.handler = handler
    }

    /// Number of connections currently being served (not counting ones being refused with 503).
    var connectionCount: Int { registry.withLock { $0.connections.count } }

    func start() {
        let shouldStart = registry.withLock { r -> Bool in
            guard !r.started, !r.stopping else { return false }
            r.started = true
            r.threads += 1
            return true
        }
        guard shouldStart else { return }
        if !spawnThread(stackSize: 256 * 1024, { [self] in
            acceptLoop()
            threadFinished()
        }) {
            threadFinished()
        }
    }

    func stop() {
        stopped.withLock { done in
            guard !done else { return }
            done = true
            let mustWait = registry.withLock { r -> Bool in
                r.stopping = true
                // Wakes a blocked accept() (EINVAL on Linux) and every blocked recv()/send().
                _ = shutdown(listenFD, Int32(SHUT_RDWR))
                for fd in r.connections { _ = shutdown(fd, Int32(SHUT_RDWR)) }
                for fd in r.rejecting { _ = shutdown(fd, Int32(SHUT_RDWR)) }
                return r.threads > 0
            }
            if mustWait { allThreadsDone.wait() }
            close(listenFD)
        }
    }

    private func threadFinished() {
        let last = registry.withLock { r -> Bool in
            r.threads -= 1
            return r.stopping && r.threads == 0
        }
        if last { allThreadsDone.signal() }
    }

    private enum Admission { case serve, reject, closeNow }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                let err = errno
                if registry.withLock({ $0.stopping }) { return }
                switch err {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    usleep(10_000)  // out of descriptors or memory: back off instead of spinning
                    continue
                default:
                    return
                }
            }
            // accept4 is not visible from Swift's Glibc module, so close-on-exec takes a second call.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            acceptedCount.add(1, ordering: .relaxed)
            Socket.setNoDelay(fd)
            let admission = registry.withLock { r -> Admission in
                if r.stopping { return .closeNow }
                if r.connections.count >= limits.maxConnections {
                    guard r.rejecting.count < Self.maxRejectingThreads else { return .closeNow }
                    r.rejecting.insert(fd)
                    r.threads += 1
                    return .reject
                }
                r.connections.insert(fd)
                r.threads += 1
                return .serve
            }
            switch admission {
            case .closeNow:
                rejectWithoutLinger(fd)
            case .serve:
                let spawned = spawnThread(stackSize: Self.threadStackBytes) { [self] in
                    serveConnection(fd)
                    release(fd)
                }
                if !spawned { release(fd) }
            case .reject:
                let spawned = spawnThread(stackSize: 128 * 1024) { [self] in
                    rejectTooManyConnections(fd)
                    release(fd)
                }
                if !spawned { release(fd) }
            }
        }
    }

    /// Deregisters and closes a connection's descriptor; the last thing a connection thread does.
    private func release(_ fd: Int32) {
        registry.withLock { r in
            r.connections.remove(fd)
            r.rejecting.remove(fd)
        }
        close(fd)
        threadFinished()
    }

    private static let tooManyConnections: [UInt8] = {
        var out: [UInt8] = []
        HTTPResponse.error(503, code: "TOO_MANY_CONNECTIONS", message: "the server is at its connection limit")
            .serialize(into: &out, includeBody: true, connection: "close", dateLine: [])
        return out
    }()

    private func rejectTooManyConnections(_ fd: Int32) {
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: 1)
        _ = Socket.sendAll(fd, Self.tooManyConnections, timeout: 1)
        lingeringClose(fd, seconds: 1)
    }

    private func rejectWithoutLinger(_ fd: Int32) {
        _ = Self.tooManyConnections.withUnsafeBytes {
            Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        close(fd)
    }

    /// Half-closes and drains the peer's remaining input for a bounded time before the caller closes, so a client
    /// still sending (say, a body we refused with 413) reads our response rather than a connection reset.
    func lingeringClose(_ fd: Int32, seconds: Double = ServerCore.lingerSeconds) {
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = Socket.now() + seconds
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let remaining = deadline - Socket.now()
            if remaining <= 0 { return }
            Socket.setTimeout(fd, SO_RCVTIMEO, seconds: min(remaining, 0.5))
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            return
        }
    }
}
