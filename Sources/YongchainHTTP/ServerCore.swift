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
/// - A connection whose TLS handshake waits for its address's turn (`Registry.waiting`) is in no epoll set and has
///   no owner: whoever takes it out of `waiting` under the lock owns it (to close it, or to `arm` it).
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
    /// How many workers, and what they are doing.
    let workers: WorkerCounts
    let sweepInterval: Double
    /// What happened to connections since start (`HTTPServer.connectionStats`).
    let counts = ConnectionCounts()
    let stopping = Atomic<Bool>(false)

    /// What the server threads share, under one lock.
    struct Registry {
        var quota: ConnectionQuota
        var started = false
        var stopping = false
        var connections: [ObjectIdentifier: Connection] = [:]
        /// Connections whose TLS handshake waits for one of their address's to end (`maxHandshakesPerAddress`),
        /// oldest first. Not in the epoll set: whoever takes one out of here owns it.
        var waiting: [ClientAddress: [Connection]] = [:]
        var rejecting: Set<Int32> = []
        var workers = 0
        var threads = 0
    }

    let registry: Mutex<Registry>
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
        workers = WorkerCounts(min: max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), max: limits.maxConnections + 1)
        sweepInterval = min(max(min(limits.readTimeout, limits.requestHeadTimeout, limits.idleTimeout) / 4, 0.01), 0.25)
        Socket.setNonBlocking(listenFD, true)
    }

    /// Number of connections currently being served (not counting ones being refused with 503), evicted ones
    /// included until their worker has closed them.
    var connectionCount: Int { registry.withLock { $0.connections.count } }

    /// Connections eviction could choose now: no request in progress (or one that fell behind
    /// `minRequestBytesPerSecond`), not evicted already.
    var idleConnectionCount: Int {
        let now = Socket.coarseNanoseconds()
        return registry.withLock { r in
            r.connections.values.count { connection in
                let since = connection.idleSince.load(ordering: .acquiring)
                return !connection.evicted && since != Connection.evictedMark && since <= now
            }
        }
    }

    /// The addresses that may use the reserved slots now.
    var reservedAddresses: Set<ClientAddress> { registry.withLock { $0.quota.reserved } }

    /// Replaces the reserved addresses; connections already open keep the class they were admitted with.
    func setReservedAddresses(_ addresses: Set<ClientAddress>) { registry.withLock { $0.quota.setReserved(addresses) } }

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
        for _ in 0..<workers.min { addWorker() }
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
                // No worker will ever see a waiting connection: close those here.
                for connection in Array(r.waiting.values.joined()) { dropWaiting(connection, &r) }
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

    func threadFinished() {
        let last = registry.withLock { r -> Bool in
            r.threads -= 1
            return r.stopping && r.threads == 0
        }
        if last { threadsDone.signal() }
    }

    // MARK: - Workers

    func addWorker() {
        let admitted = registry.withLock { r -> Bool in
            guard !r.stopping, r.workers < workers.max else { return false }
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
            workers.idle.add(1, ordering: .relaxed)
            let (data, failed) = Epoll.waitOne(epollFD, timeoutMs: Self.workerIdleSeconds * 1000)
            workers.idle.subtract(1, ordering: .relaxed)
            if failed {
                if errno == EINTR { continue }
                registry.withLock { $0.workers -= 1 }
                return
            }
            guard let data, data != 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(data)) else {
                // Timed out (retire if above the minimum) or woken by stop().
                let retire = registry.withLock { r -> Bool in
                    guard r.stopping || r.workers > workers.min else { return false }
                    r.workers -= 1
                    return true
                }
                if retire { return }
                continue
            }
            let connection = Unmanaged<Connection>.fromOpaque(pointer).takeUnretainedValue()
            serve(connection, readBuffer)
            workers.eventsServed.add(1, ordering: .relaxed)
        }
    }

    /// Re-arms a connection's one-shot event; from here on another worker may own it.
    func rearm(_ connection: Connection, deadline: Int64, writable: Bool = false) {
        connection.deadline.store(deadline, ordering: .releasing)
        _ = Epoll.modify(epollFD, connection.fd,
                         events: (writable ? Epoll.writable : Epoll.readable) | Epoll.peerClosed | Epoll.oneShot,
                         data: connection.epollData)
    }

    /// Removes and closes a connection; only its owning worker calls this. A handshake it held lets the next
    /// connection of its address waiting for one start.
    func closeConnection(_ connection: Connection) {
        let (signal, next) = registry.withLock { r -> (Bool, Connection?) in
            var next: Connection?
            // An evicted connection left the quota when it was chosen.
            if r.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil && !connection.evicted {
                r.quota.remove(connection.admitted, handshake: connection.handshake)
                if connection.handshake == .inProgress { next = nextWaiting(connection.address, &r) }
            }
            if connection.handshake == .inProgress { tls.inProgress.subtract(1, ordering: .relaxed) }
            connection.handshake = .none
            return (r.stopping && r.connections.isEmpty, next)
        }
        connection.tls = nil  // frees the TLS state; it sends nothing
        close(connection.fd)  // also removes it from the epoll set
        if signal { connectionsClosed.signal() }
        if let next { arm(next) }
    }

    /// The handshake of a connection this worker owns is over (completed or failed); the next connection of its
    /// address waiting for one starts.
    func endHandshake(_ connection: Connection) {
        let next = registry.withLock { r -> Connection? in
            guard connection.handshake == .inProgress else { return nil }
            connection.handshake = .none
            tls.inProgress.subtract(1, ordering: .relaxed)
            guard !connection.evicted else { return nil }  // its slot was given back when it was chosen
            r.quota.endHandshake(connection.admitted)
            return nextWaiting(connection.address, &r)
        }
        if let next { arm(next) }
    }

    /// Takes the oldest connection from `address` waiting for a handshake out of the queue, if the quota lets one
    /// start now (counting it as started); the caller MUST `arm` it, outside the lock.
    func nextWaiting(_ address: ClientAddress, _ r: inout Registry) -> Connection? {
        guard !r.stopping, let queue = r.waiting[address], let first = queue.first,
              r.quota.startWaitingHandshake(first.admitted) else { return nil }
        r.waiting[address] = queue.count > 1 ? Array(queue.dropFirst()) : nil
        first.handshake = .inProgress
        tls.inProgress.add(1, ordering: .relaxed)
        return first
    }

    /// Closes a connection still waiting for its handshake (no worker has seen it): timed out, evicted or stopping.
    func dropWaiting(_ connection: Connection, _ r: inout Registry) {
        guard var queue = r.waiting[connection.address], let i = queue.firstIndex(where: { $0 === connection }) else { return }
        queue.remove(at: i)
        r.waiting[connection.address] = queue.isEmpty ? nil : queue
        r.connections.removeValue(forKey: ObjectIdentifier(connection))
        r.quota.remove(connection.admitted, handshake: .waiting)
        close(connection.fd)
    }
}

func nanoseconds(_ seconds: Double) -> Int64 { Int64(min(seconds, 1e9) * 1e9) }

/// What happened to a server's connections since start.
final class ConnectionCounts: Sendable {
    /// Connections accepted (served or refused); lets tests see connection reuse.
    let accepted = Atomic<Int>(0)
    /// Idle connections closed to make room for a new one; and connections whose request fell behind
    /// `minRequestBytesPerSecond`, closed for the same reason.
    let evicted = Atomic<Int>(0)
    let evictedSlow = Atomic<Int>(0)
    /// New connections answered 503: `TOO_MANY_CONNECTIONS` (nothing idle to evict), and
    /// `TOO_MANY_CONNECTIONS_FROM_ADDRESS` (the address held its cap).
    let refusedAtLimit = Atomic<Int>(0)
    let refusedFromAddress = Atomic<Int>(0)
}

/// The worker pool's bounds, and what the accept thread's monitor watches to tell busy workers from blocked ones.
final class WorkerCounts: Sendable {
    let min: Int
    let max: Int
    /// Workers waiting for an event.
    let idle = Atomic<Int>(0)
    /// Readiness events fully handled.
    let eventsServed = Atomic<Int>(0)

    init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}
