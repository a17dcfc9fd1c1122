import Dispatch
import Glibc
import Synchronization

/// The state every server thread shares: the listener, the epoll instance, the connection table and the workers.
///
/// Ownership rules (they are what keeps a descriptor from being used after close or after its number is reused):
/// - A connection's socket is read, written and closed only by the worker holding its one-shot epoll event.
/// - Other threads (the sweeper, the accept thread evicting an idle connection, `stop()`) only call `shutdown()` on
///   it, and only while holding the registry lock; the owning worker removes the connection from the registry under
///   that lock before it closes the socket.
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
    /// TLS (or another secure transport) on every connection; nil: plain HTTP.
    let transport: (any SecureTransport)?
    let tls = TLSCounters()
    let epollFD: Int32
    /// An eventfd, written once by `stop()`; level-triggered, so every worker sees it.
    let wakeFD: Int32
    let minWorkers: Int
    let maxWorkers: Int
    let sweepInterval: Double

    /// Connections accepted since start (served or refused); lets tests see connection reuse.
    let acceptedCount = Atomic<Int>(0)
    /// Idle connections closed to make room for a new one, since start.
    let evictedCount = Atomic<Int>(0)
    /// New connections answered 503 since start: `TOO_MANY_CONNECTIONS` (nothing idle to evict), and
    /// `TOO_MANY_CONNECTIONS_FROM_ADDRESS` (the address held its cap).
    let refusedAtLimitCount = Atomic<Int>(0)
    let refusedFromAddressCount = Atomic<Int>(0)
    let idleWorkers = Atomic<Int>(0)
    /// Readiness events fully handled; the monitor watches it to tell busy workers from blocked ones.
    let eventsServed = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)

    private struct Registry {
        var quota: ConnectionQuota
        var started = false
        var stopping = false
        var connections: [ObjectIdentifier: Connection] = [:]
        var rejecting: Set<Int32> = []
        var workers = 0
        var threads = 0
    }

    private let registry: Mutex<Registry>
    private let stopped = Mutex(false)
    private let connectionsClosed = DispatchSemaphore(value: 0)
    private let threadsDone = DispatchSemaphore(value: 0)

    init(listenFD: Int32, port: UInt16, limits: HTTPServerLimits, transport: (any SecureTransport)?,
         handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
        self.transport = transport
        let reserved = Set(limits.reservedAddresses.flatMap(ClientAddress.resolving))
        registry = Mutex(Registry(quota: ConnectionQuota(limits: limits, reserved: reserved)))
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

    /// Number of connections currently being served (not counting ones being refused with 503), evicted ones
    /// included until their worker has closed them.
    var connectionCount: Int { registry.withLock { $0.connections.count } }

    /// Connections with no request in progress that have not been evicted (what eviction could choose).
    var idleConnectionCount: Int {
        registry.withLock { r in
            r.connections.values.count { connection in
                let since = connection.idleSince.load(ordering: .acquiring)
                return !connection.evicted && since != Connection.notIdle && since != Connection.evictedMark
            }
        }
    }

    /// The addresses that may use the reserved slots, as resolved at init.
    var reservedAddresses: Set<ClientAddress> { registry.withLock { $0.quota.reserved } }

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
    func rearm(_ connection: Connection, deadline: Int64, writable: Bool = false) {
        connection.deadline.store(deadline, ordering: .releasing)
        _ = Epoll.modify(epollFD, connection.fd,
                         events: (writable ? Epoll.writable : Epoll.readable) | Epoll.peerClosed | Epoll.oneShot,
                         data: connection.epollData)
    }

    /// Removes and closes a connection; only its owning worker calls this.
    func closeConnection(_ connection: Connection) {
        let signal = registry.withLock { r -> Bool in
            // An evicted connection left the quota when it was chosen.
            if r.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil && !connection.evicted {
                r.quota.remove(connection.address)
            }
            return r.stopping && r.connections.isEmpty
        }
        if connection.handshaking {
            connection.handshaking = false
            tls.inProgress.subtract(1, ordering: .relaxed)
        }
        connection.channel = nil  // frees the TLS state; it sends nothing
        close(connection.fd)  // also removes it from the epoll set
        if signal { connectionsClosed.signal() }
    }

    // MARK: - Accepting and sweeping

    private enum Refusal { case atLimit, fromAddress }
    private enum Admission { case serve(Connection), reject(Refusal), closeNow(Refusal?) }

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
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &peerLength) }
            }
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
            // Only this thread adds handshakes, so the count cannot pass the limit between check and admit.
            if transport != nil && tls.inProgress.load(ordering: .relaxed) >= limits.maxHandshakesInProgress {
                tls.refusedAtLimit.add(1, ordering: .relaxed)
                close(fd)  // nothing to say in plain text to a TLS client
                continue
            }
            let address = withUnsafeBytes(of: &peer) {
                ClientAddress(sockaddr: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(peerLength))))
            }
            admit(fd, from: address ?? .unspecified)
        }
    }

    /// Runs on the accept thread, which is also the only thread that evicts: every connection registered before
    /// has been added to epoll by the time another is admitted.
    private func admit(_ fd: Int32, from address: ClientAddress) {
        let admission = registry.withLock { r -> Admission in
            if r.stopping { return .closeNow(nil) }
            let refusal: Refusal
            switch r.quota.decide(address) {
            case .admit:
                return .serve(register(fd, address, &r))
            case .evictIdle(let includingReserved):
                if evictLongestIdle(includingReserved: includingReserved, &r) { return .serve(register(fd, address, &r)) }
                refusal = .atLimit
            case .refuseAddress:
                refusal = .fromAddress
            }
            // A TLS client cannot read a plain 503, and answering it over TLS would cost a handshake per refusal
            // to an overloaded server: it is closed instead.
            guard transport == nil, r.rejecting.count < Self.maxRejectingThreads else { return .closeNow(refusal) }
            r.rejecting.insert(fd)
            r.threads += 1
            return .reject(refusal)
        }
        switch admission {
        case .closeNow(let refusal):
            if let refusal { count(refusal) }
            rejectWithoutLinger(fd, transport == nil ? Self.refusalBytes(refusal ?? .atLimit) : [])
        case .reject(let refusal):
            count(refusal)
            let spawned = spawnThread(stackSize: 128 * 1024) { [self] in
                reject(fd, Self.refusalBytes(refusal))
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
            var deadline = Socket.coarseNanoseconds() + nanoseconds(limits.idleTimeout)
            if let transport {
                guard let channel = try? transport.channel(for: fd, isServer: true) else {
                    tls.failed.add(1, ordering: .relaxed)
                    closeConnection(connection)
                    return
                }
                connection.channel = channel
                connection.handshaking = true
                tls.inProgress.add(1, ordering: .relaxed)
                deadline = min(deadline, Socket.coarseNanoseconds() + nanoseconds(limits.handshakeTimeout))
                connection.handshakeDeadline = deadline
            }
            connection.deadline.store(deadline, ordering: .relaxed)
            // The registry keeps the connection alive until its owner closes it, so the pointer stays valid.
            if Epoll.add(epollFD, fd, events: Epoll.readable | Epoll.peerClosed | Epoll.oneShot,
                         data: connection.epollData) != 0 {
                closeConnection(connection)
            }
        }
    }

    private func register(_ fd: Int32, _ address: ClientAddress, _ r: inout Registry) -> Connection {
        let connection = Connection(fd: fd, address: address, reserved: r.quota.isReserved(address), limits: limits,
                                    acceptedAt: Socket.coarseNanoseconds())
        r.connections[ObjectIdentifier(connection)] = connection
        r.quota.add(address)
        return connection
    }

    /// Chooses the connection idle longest (among unreserved addresses only, unless `includingReserved`), marks it
    /// evicted and shuts its read side, which wakes its epoll event: the worker that takes it closes it. It leaves
    /// the quota at once, so the caller may admit a newcomer in its place. Returns false if nothing is idle.
    ///
    /// A connection stops being idle when a worker takes its event (it swaps `idleSince` for `notIdle`); the
    /// compare-exchange here loses that race rather than evict a connection whose request is being read. One whose
    /// next request already waits in the kernel, not yet picked up by a worker, is passed over too.
    private func evictLongestIdle(includingReserved: Bool, _ r: inout Registry) -> Bool {
        var passedOver = Set<ObjectIdentifier>()
        while true {
            var victim: Connection?
            var victimSince = Connection.notIdle
            for (id, connection) in r.connections
            where !connection.evicted && (includingReserved || !connection.reserved) && !passedOver.contains(id) {
                let since = connection.idleSince.load(ordering: .acquiring)
                if since != Connection.evictedMark && since < victimSince {
                    victim = connection
                    victimSince = since
                }
            }
            guard let victim else { return false }
            // Safe without owning the socket: FIONREAD only looks, and the fd stays open while we hold the lock.
            var waiting: Int32 = 0
            if ioctl(victim.fd, UInt(FIONREAD), &waiting) == 0 && waiting > 0 {
                passedOver.insert(ObjectIdentifier(victim))
                continue
            }
            guard victim.idleSince.compareExchange(expected: victimSince, desired: Connection.evictedMark,
                                                   ordering: .acquiringAndReleasing).exchanged else { continue }
            victim.evicted = true
            r.quota.remove(victim.address)
            _ = shutdown(victim.fd, Int32(SHUT_RD))
            evictedCount.add(1, ordering: .relaxed)
            return true
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

    private static func refusal(_ code: String, _ message: String) -> [UInt8] {
        var out: [UInt8] = []
        HTTPResponse.error(503, code: code, message: message)
            .serialize(into: &out, includeBody: true, connection: "close", dateLine: [])
        return out
    }

    private static let tooManyConnections = refusal(
        "TOO_MANY_CONNECTIONS", "the server is at its connection limit and no connection is idle; retry shortly")
    private static let tooManyFromAddress = refusal(
        "TOO_MANY_CONNECTIONS_FROM_ADDRESS",
        "your address holds as many connections as the server allows one address; reuse or close one")

    private static func refusalBytes(_ refusal: Refusal) -> [UInt8] {
        switch refusal {
        case .atLimit: tooManyConnections
        case .fromAddress: tooManyFromAddress
        }
    }

    private func count(_ refusal: Refusal) {
        switch refusal {
        case .atLimit: refusedAtLimitCount.add(1, ordering: .relaxed)
        case .fromAddress: refusedFromAddressCount.add(1, ordering: .relaxed)
        }
    }

    private func reject(_ fd: Int32, _ response: [UInt8]) {
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: 1)
        _ = Socket.sendAll(fd, response, timeout: 1)
        lingeringClose(fd, seconds: 1)
    }

    private func rejectWithoutLinger(_ fd: Int32, _ response: [UInt8]) {
        _ = response.withUnsafeBytes {
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
