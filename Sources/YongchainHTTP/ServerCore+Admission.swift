import Glibc

/// Accepting, admitting (`ConnectionQuota`), evicting and sweeping: all on the accept thread, which is also the only
/// thread that evicts, so every connection registered before has been added to epoll (or to the handshake queue)
/// by the time another is admitted.
extension ServerCore {
    private enum Refusal { case atLimit, fromAddress, handshake }
    private enum Admission { case serve(Connection, Connection?), reject(Refusal), closeNow(Refusal?) }

    func acceptLoop() {
        var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        var nextSweep = Socket.coarseNanoseconds() + Int64(sweepInterval * 1e9)
        var lastServed = 0
        while !stopping.load(ordering: .relaxed) {
            let rc = poll(&fds, 2, Self.monitorIntervalMs)
            if rc < 0 && errno != EINTR { return }
            // Starvation check: no worker is waiting and none finished anything since the last tick, so they
            // are all blocked (in handlers or slow writes). Add one; ready connections must not wait on them.
            let served = workers.eventsServed.load(ordering: .relaxed)
            if served == lastServed && workers.idle.load(ordering: .relaxed) == 0 { addWorker() }
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
            Socket.setNonBlocking(fd, true)
            Socket.setNoDelay(fd)
            counts.accepted.add(1, ordering: .relaxed)
            let address = withUnsafeBytes(of: &peer) {
                ClientAddress(sockaddr: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(peerLength))))
            }
            admit(fd, from: address ?? .unspecified)
        }
    }

    private func admit(_ fd: Int32, from address: ClientAddress) {
        let now = Socket.coarseNanoseconds()
        let admission = registry.withLock { r -> Admission in
            if r.stopping { return .closeNow(nil) }
            let refusal: Refusal
            switch r.quota.decide(address, handshake: transport != nil) {
            case .admit:
                return .serve(register(fd, address, now, &r), nil)
            case .evictIdle(let includingReserved):
                if let victim = evictLongestIdle(now, includingReserved: includingReserved, handshakesOnly: false, &r) {
                    let connection = register(fd, address, now, &r)
                    // The newcomer first: a handshake slot the victim freed is the newcomer's if it needs one.
                    return .serve(connection, victim.handshake == .inProgress ? nextWaiting(victim.address, &r) : nil)
                }
                refusal = .atLimit
            case .evictHandshake:
                if evictLongestIdle(now, includingReserved: false, handshakesOnly: true, &r) != nil {
                    return .serve(register(fd, address, now, &r), nil)
                }
                refusal = .handshake
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
        case .serve(let connection, let next):
            // A waiting handshake stays out of epoll until one of its address's ends (`nextWaiting`).
            if connection.handshake != .waiting { arm(connection) }
            if let next { arm(next) }
        }
    }

    /// Counts a connection in the quota and the registry. Its deadline is set now, so that the sweeper bounds a
    /// handshake that waits as it bounds one in progress.
    private func register(_ fd: Int32, _ address: ClientAddress, _ now: Int64, _ r: inout Registry) -> Connection {
        let (admitted, handshake) = r.quota.add(address, handshake: transport != nil)
        let connection = Connection(fd: fd, admitted: admitted, limits: limits, acceptedAt: now)
        connection.handshake = handshake
        r.connections[ObjectIdentifier(connection)] = connection
        var deadline = now + nanoseconds(limits.idleTimeout)
        if transport != nil {
            deadline = min(deadline, now + nanoseconds(limits.handshakeTimeout))
            connection.handshakeDeadline = deadline
        }
        connection.deadline.store(deadline, ordering: .relaxed)
        if handshake == .inProgress { tls.inProgress.add(1, ordering: .relaxed) }
        if handshake == .waiting { r.waiting[address, default: []].append(connection) }
        return connection
    }

    /// Hands a registered connection to the workers: its TLS channel first, if it has a handshake to make. The
    /// caller owns it (it was just admitted, or taken out of the handshake queue).
    func arm(_ connection: Connection) {
        if let transport {
            guard let channel = try? transport.channel(for: connection.fd, isServer: true) else {
                tls.failed.add(1, ordering: .relaxed)
                closeConnection(connection)
                return
            }
            connection.tls = channel
        }
        // The registry keeps the connection alive until its owner closes it, so the pointer stays valid.
        if Epoll.add(epollFD, connection.fd, events: Epoll.readable | Epoll.peerClosed | Epoll.oneShot,
                     data: connection.epollData) != 0 {
            closeConnection(connection)
        }
    }

    /// Chooses the connection idle longest (among unreserved addresses only, unless `includingReserved`; among
    /// unreserved handshakes in progress only, with `handshakesOnly`) and takes it out of the quota at once, so the
    /// caller may admit a newcomer in its place. One still waiting for its handshake is closed here (no worker has
    /// it); any other is marked evicted and its read side shut, which wakes its epoll event: the worker that takes
    /// it closes it. Returns the victim, or nil if nothing is idle.
    ///
    /// Idle means `idleSince` is not in the future: no request in progress since then, or a request that has been
    /// slower than `minRequestBytesPerSecond` since then. A connection stops being idle when a worker takes its
    /// event (it swaps `idleSince` for `notIdle`); the compare-exchange here loses that race rather than evict a
    /// connection whose request is being read. One whose next bytes already wait in the kernel, not yet picked up by
    /// a worker, is passed over too.
    private func evictLongestIdle(_ now: Int64, includingReserved: Bool, handshakesOnly: Bool,
                                  _ r: inout Registry) -> Connection? {
        var passedOver = Set<ObjectIdentifier>()
        while true {
            var victim: Connection?
            var victimSince = Connection.notIdle
            for (id, connection) in r.connections where !connection.evicted && !passedOver.contains(id)
                && (includingReserved || !connection.admitted.reserved)
                && (!handshakesOnly || connection.handshake == .inProgress) {
                let since = connection.idleSince.load(ordering: .acquiring)
                if since != Connection.evictedMark && since <= now && since < victimSince {
                    victim = connection
                    victimSince = since
                }
            }
            guard let victim else { return nil }
            if victim.handshake == .waiting {
                dropWaiting(victim, &r)
                counts.evicted.add(1, ordering: .relaxed)
                return victim
            }
            // Safe without owning the socket: FIONREAD only looks, and the fd stays open while we hold the lock.
            var waiting: Int32 = 0
            if ioctl(victim.fd, UInt(FIONREAD), &waiting) == 0 && waiting > 0 {
                passedOver.insert(ObjectIdentifier(victim))
                continue
            }
            guard victim.idleSince.compareExchange(expected: victimSince, desired: Connection.evictedMark,
                                                   ordering: .acquiringAndReleasing).exchanged else { continue }
            victim.evicted = true
            r.quota.remove(victim.admitted, handshake: victim.handshake)
            _ = shutdown(victim.fd, Int32(SHUT_RD))
            // `receiving` was written before the worker published `idleSince`, which the exchange above acquired.
            if victim.receiving { counts.evictedSlow.add(1, ordering: .relaxed) } else { counts.evicted.add(1, ordering: .relaxed) }
            return victim
        }
    }

    /// Fires expired deadlines: marks the connection and shuts its read side, which wakes its epoll event; the
    /// worker that picks it up sees the mark and answers 408 or closes silently. The sweeper never owns a socket,
    /// except a connection still waiting for its handshake, which no worker has: it is closed here.
    private func sweep(_ now: Int64) {
        registry.withLock { r in
            for connection in r.connections.values {
                let deadline = connection.deadline.load(ordering: .acquiring)
                guard deadline != Connection.busy, deadline != Connection.expired, now > deadline else { continue }
                if connection.handshake == .waiting {
                    dropWaiting(connection, &r)
                    tls.timedOut.add(1, ordering: .relaxed)
                } else if connection.deadline.compareExchange(expected: deadline, desired: Connection.expired,
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
        case .atLimit, .handshake: tooManyConnections
        case .fromAddress: tooManyFromAddress
        }
    }

    private func count(_ refusal: Refusal) {
        switch refusal {
        case .atLimit: counts.refusedAtLimit.add(1, ordering: .relaxed)
        case .fromAddress: counts.refusedFromAddress.add(1, ordering: .relaxed)
        case .handshake: tls.refusedAtLimit.add(1, ordering: .relaxed)
        }
    }

    private func reject(_ fd: Int32, _ response: [UInt8]) {
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: 1)
        _ = Socket.sendAll(fd, response, timeout: 1)
        lingeringClose(fd, seconds: 1)
    }

    func rejectWithoutLinger(_ fd: Int32, _ response: [UInt8]) {
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
