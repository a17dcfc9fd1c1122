import Dispatch
import Glibc
import Synchronization

/// The state every server thread shares: the listener, the epoll instance, the connection table and the workers.
///
/// Ownership rules (they are what keeps a descriptor from being used after close or after its number is reused):
/// - A connection's socket is read, written and closed only by the worker holding its one-shot epoll event.
/// - Other threads (the sweeper, `stop()`) only call `shutdown()` on it, and only while holding the registry lock;
///   the owning worker removes the connection from the registry under that lock before it closes the socket.
final class ServerCore: Sendable {
    /// Stack for worker threads: handlers run on them and may do real work (JSON, SQLite).
    static let workerStackBytes = 2 * 1024 * 1024
    /// At most this many threads answer 503 at once; beyond it, excess connections get a best-effort 503 and an
    /// immediate close.
    static let maxRejectingThreads = 16
    /// How long a closing connection keeps draining what the peer still sends, so the peer reads our last response
    /// instead of a reset.
    static let lingerSeconds = 2.0
    /// How often the accept thread checks whether every worker is blocked. Bounds the extra latency a burst of
    /// blocking handlers can add for other connections.
    static let monitorIntervalMs: Int32 = 5
    /// Idle workers above the minimum retire after this many seconds without work.
    static let workerIdleSeconds: Int32 = 10

    let listenFD: Int32
    let port: UInt16
    let limits: HTTPServerLimits
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let epollFD: Int32
    /// An eventfd, written once by `stop()`; level-triggered, so every worker sees it.
    let wakeFD: Int32
    let minWorkers: Int
    let maxWorkers: Int
    let sweepInterval: Double

    /// Connections accepted since start (served or refused); lets tests see connection reuse.
    let acceptedCount = Atomic<Int>(0)
    let idleWorkers = Atomic<Int>(0)
    /// Readiness events fully handled; the monitor watches it to tell busy workers from blocked ones.
    let eventsServed = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)

    private struct Registry {
        var started = false
        var stopping = false
        var connections: [ObjectIdentifier: Connection] = [:]
        var rejecting: Set<Int32> = []
        var workers = 0
        var threads = 0
    }

    private let registry = Mutex(Registry())
    private let stopped = Mutex(false)
    private let connectionsClosed = DispatchSemaphore(value: 0)
    private let threadsDone = DispatchSemaphore(value: 0)

    init(listenFD: Int32, port: UInt16, limits: HTTPServerLimits,
         handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
        self.listenFD = listenFD
        self.port = port
        self.limits = limits
        self.handler = handler
        epollFD = Epoll.create()
        wakeFD = Epoll.makeEventFD()
        guard epollFD >= 0, wakeFD >= 0 else {
            let err = errno
            if epollFD >= 0 { close(epollFD) }
            if wakeFD >= 0 { close(wakeFD) }
            close(listenFD)
            throw HTTPError(code: "BIND_FAILED", message: "cannot create the server's epoll instance", errno: err)
        }
        _ = Epoll.add(epollFD, wakeFD, events: Epoll.readable, data: 0)
        minWorkers = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        maxWorkers = limits.maxConnections + 1
        sweepInterval = min(max(min(limits.readTimeout, limits.idleTimeout) / 4, 0.01), 0.25)
        Socket.setNonBlocking(listenFD, true)
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
        for _ in 0..<minWorkers { addWorker() }
    }

    /// 1. refuse new work; 2. shut every connection down so its owner closes it; 3. wait until all are closed
    /// (a handler still running delays this); 4. wake and wait for every thread; 5. close what is left.
    func stop() {
        stopped.withLock { done in
            guard !done else { return }
            done = true
            stopping.store(true, ordering: .sequentiallyConsistent)
            let (waitConnections, started) = registry.withLock { r -> (Bool, Bool) in
                r.stopping = true
                for connection in r.connections.values { _ = shutdown(connection.fd, Int32(SHUT_RDWR)) }
                for fd in r.rejecting { _ = shutdown(fd, Int32(SHUT_RDWR)) }
                return (!r.connections.isEmpty, r.started)
            }
            if waitConnections && started { connectionsClosed.wait() }
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
            let waitThreads = registry.withLock { $0.threads > 0 }
            if waitThreads { threadsDone.wait() }
            // Never started: connections cannot exist, nothing else to wait for.
            close(listenFD)
            close(epollFD)
            close(wakeFD)
        }
    }

    private func threadFinished() {
        let last = registry.withLock { r -> Bool in
            r.threads -= 1
            return r.stopping && r.threads == 0
        }
        if last { threadsDone.signal() }
    }

    // MARK: - Workers

    private func addWorker() {
        let admitted = registry.withLock { r -> Bool in
            guard !r.stopping, r.workers < maxWorkers else { return false }
            r.workers += 1
            r.threads += 1
            return true
        }
        guard admitted else { return }
        if !spawnThread(stackSize: Self.workerStackBytes, { [self] in workerLoop() }) {
            registry.withLock { $0.workers -= 1 }
            threadFinished()
        }
    }

    private func workerLoop() {
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer {
            readBuffer.deallocate()
            threadFinished()
        }
        while true {
            idleWorkers.add(1, ordering: .relaxed)
            let (data, failed) = Epoll.waitOne(epollFD, timeoutMs: Self.workerIdleSeconds * 1000)
            idleWorkers.subtract(1, ordering: .relaxed)
            if failed {
                if errno == EINTR { continue }
                registry.withLock { $0.workers -= 1 }
                return
            }
            guard let data, data != 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(data)) else {
                // Timed out (retire if above the minimum) or woken by stop().
                let retire = registry.withLock { r -> Bool in
                    guard r.stopping || r.workers > minWorkers else { return false }
                    r.workers -= 1
                    return true
                }
                if retire { return }
                continue
            }
            let connection = Unmanaged<Connection>.fromOpaque(pointer).takeUnretainedValue()
            serve(connection, readBuffer)
            eventsServed.add(1, ordering: .relaxed)
        }
    }

    /// Re-arms a connection's one-shot event; from here on another worker may own it.
    func rearm(_ connection: Connection, deadline: Int64) {
        connection.deadline.store(deadline, ordering: .releasing)
        _ = Epoll.modify(epollFD, connection.fd, events: Epoll.readable | Epoll.peerClosed | Epoll.oneShot,
                         data: connection.epollData)
    }

    /// Removes and closes a connection; only its owning worker calls this.
    func closeConnection(_ connection: Connection) {
        let signal = registry.withLock { r -> Bool in
            r.connections.removeValue(forKey: ObjectIdentifier(connection))
            return r.stopping && r.connections.isEmpty
        }
        close(connection.fd)  // also removes it from the epoll set
        if signal { connectionsClosed.signal() }
    }

    // MARK: - Accepting and sweeping

    private enum Admission { case serve(Connection), reject, closeNow }

    private func acceptLoop() {
        var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        var nextSweep = Socket.coarseNanoseconds() + Int64(sweepInterval * 1e9)
        var lastServed = 0
        while !stopping.load(ordering: .relaxed) {
            let rc = poll(&fds, 2, Self.monitorIntervalMs)
            if rc < 0 && errno != EINTR { return }
            // Starvation check: no worker is waiting and none finished anything since the last tick, so they
            // are all blocked (in handlers or slow writes). Add one; ready connections must not wait on them.
            let served = eventsServed.load(ordering: .relaxed)
            if served == lastServed && idleWorkers.load(ordering: .relaxed) == 0 { addWorker() }
            lastServed = served
            let now = Socket.coarseNanoseconds()
            if now >= nextSweep {
                sweep(now)
                nextSweep = now + Int64(sweepInterval * 1e9)
            }
            if rc > 0 && fds[0].revents != 0 { acceptReady() }
        }
    }

    private func acceptReady() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: usleep(10_000); return  // back off instead of spinning
                default: return  // EAGAIN: drained
                }
            }
            // accept4 is not visible from Swift's Glibc module, so close-on-exec takes a second call. Accepted
            // sockets do not inherit O_NONBLOCK on Linux.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            acceptedCount.add(1, ordering: .relaxed)
            admit(fd)
        }
    }

    private func admit(_ fd: Int32) {
        let admission = registry.withLock { r -> Admission in
            if r.stopping { return .closeNow }
            if r.connections.count >= limits.maxConnections {
                guard r.rejecting.count < Self.maxRejectingThreads else { return .closeNow }
                r.rejecting.insert(fd)
                r.threads += 1
                return .reject
            }
            let connection = Connection(fd: fd, limits: limits)
            r.connections[ObjectIdentifier(connection)] = connection
            return .serve(connection)
        }
        switch admission {
        case .closeNow:
            rejectWithoutLinger(fd)
        case .reject:
            let spawned = spawnThread(stackSize: 128 * 1024) { [self] in
                rejectTooManyConnections(fd)
                registry.withLock { _ = $0.rejecting.remove(fd) }
                close(fd)
                threadFinished()
            }
            if !spawned {
                registry.withLock { _ = $0.rejecting.remove(fd) }
                close(fd)
                threadFinished()
            }
        case .serve(let connection):
            Socket.setNonBlocking(fd, true)
            Socket.setNoDelay(fd)
            connection.deadline.store(Socket.coarseNanoseconds() + nanoseconds(limits.idleTimeout), ordering: .relaxed)
            // The registry keeps the connection alive until its owner closes it, so the pointer stays valid.
            if Epoll.add(epollFD, fd, events: Epoll.readable | Epoll.peerClosed | Epoll.oneShot,
                         data: connection.epollData) != 0 {
                closeConnection(connection)
            }
        }
    }

    /// Fires expired deadlines: marks the connection and shuts its read side, which wakes its epoll event; the
    /// worker that picks it up sees the mark and answers 408 or closes silently. The sweeper never owns a socket.
    private func sweep(_ now: Int64) {
        registry.withLock { r in
            for connection in r.connections.values {
                let deadline = connection.deadline.load(ordering: .acquiring)
                guard deadline != Connection.busy, deadline != Connection.expired, now > deadline else { continue }
                if connection.deadline.compareExchange(expected: deadline, desired: Connection.expired,
                                                       ordering: .acquiringAndReleasing).exchanged {
                    _ = shutdown(connection.fd, Int32(SHUT_RD))
                }
            }
        }
    }

    // MARK: - Refusing and closing

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
            if remaining <= 0 || !Socket.waitReadable(fd, seconds: min(remaining, 0.5)) { return }
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { continue }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            return
        }
    }
}

func nanoseconds(_ seconds: Double) -> Int64 { Int64(min(seconds, 1e9) * 1e9) }
