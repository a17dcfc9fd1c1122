import Glibc

/// Thin wrappers over the POSIX socket calls the server and client share. Everything here is blocking unless a
/// function says otherwise; file descriptors are plain `Int32` owned by the caller.
enum Socket {
    /// Seconds on the monotonic clock; only differences are meaningful.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Nanoseconds on the coarse monotonic clock (a few ms resolution, no syscall): good enough for timeouts.
    static func coarseNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Sets SO_RCVTIMEO or SO_SNDTIMEO. Zero would mean "forever" to the kernel, so it is raised to 1 ms.
    static func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
        let clamped = max(seconds, 0.001)
        var tv = timeval(tv_sec: Int(clamped), tv_usec: Int((clamped - clamped.rounded(.down)) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func setNonBlocking(_ fd: Int32, _ on: Bool) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    enum SendOutcome { case sent, timedOut, failed(Int32) }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is an error, never SIGPIPE). Each blocking `send` is
    /// bounded by the socket's SO_SNDTIMEO; the loop gives up once `timeout` seconds have passed. The clock is only
    /// read if the first `send` does not take everything, which keeps it off the common path.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, timeout: Double) -> SendOutcome {
        guard var base = bytes.baseAddress else { return .sent }
        var remaining = bytes.count
        var deadline = Double.infinity
        while remaining > 0 {
            if deadline == .infinity && remaining != bytes.count { deadline = now() + timeout }
            let n = Glibc.send(fd, base, remaining, Int32(MSG_NOSIGNAL))
            if n > 0 {
                base += n
                remaining -= n
                continue
            }
            let err = errno
            if n < 0 && err == EINTR { continue }
            if n < 0 && (err == EAGAIN || err == EWOULDBLOCK) {
                // Non-blocking socket with a full send buffer, or SO_SNDTIMEO expired: wait for room.
                if deadline == .infinity { deadline = now() + timeout }
                let remaining = deadline - now()
                if remaining <= 0 { return .timedOut }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, Int32((min(remaining, 3600) * 1000).rounded(.up)))
                continue
            }
            return .failed(err)
        }
        return .sent
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8], timeout: Double) -> SendOutcome {
        bytes.withUnsafeBytes { sendAll(fd, $0, timeout: timeout) }
    }

    /// Sends all of `bytes` through `channel` (plain or secure) over the non-blocking `fd`, polling for the
    /// readiness the channel asks for; gives up after `timeout` seconds. The clock is read only once the channel
    /// does not take everything at once.
    static func sendAll(_ channel: any ByteChannel, _ fd: Int32, _ bytes: [UInt8], timeout: Double) -> SendOutcome {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            var deadline = Double.infinity
            while offset < raw.count {
                let outcome = channel.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                let wantWrite: Bool
                switch outcome {
                case .done(let n):
                    offset += n
                    continue
                case .wantWrite: wantWrite = true
                case .wantRead: wantWrite = false
                case .closed: return .failed(EPIPE)
                case .failed(let failure):
                    if case .io(let e) = failure { return .failed(e) }
                    return .failed(EPROTO)
                }
                if deadline == .infinity { deadline = now() + timeout }
                let remaining = deadline - now()
                if remaining <= 0 { return .timedOut }
                _ = wantWrite ? waitWritable(fd, seconds: remaining) : waitReadable(fd, seconds: remaining)
            }
            return .sent
        }
    }

    /// Waits until `fd` is writable (or has failed) or `seconds` pass. Returns false on timeout.
    static func waitWritable(_ fd: Int32, seconds: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ms = Int32(max(0, min(seconds * 1000, Double(Int32.max))).rounded(.up))
        while true {
            let rc = poll(&pfd, 1, ms)
            if rc < 0 && errno == EINTR { continue }
            return rc != 0
        }
    }

    /// Waits until `fd` is readable (or has hung up) or `seconds` pass. Returns false on timeout.
    static func waitReadable(_ fd: Int32, seconds: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(0, min(seconds * 1000, Double(Int32.max))).rounded(.up))
        while true {
            let rc = poll(&pfd, 1, ms)
            if rc < 0 && errno == EINTR { continue }
            return rc != 0
        }
    }

    /// Resolves `host:port` for TCP. Numeric addresses never touch DNS. On failure the list is empty and the
    /// second value is the getaddrinfo error (see gai_strerror).
    static func resolve(_ host: String, _ port: UInt16, passive: Bool) -> ([(family: Int32, addr: [UInt8])], Int32) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { return ([], rc) }
        defer { freeaddrinfo(list) }
        var out: [(family: Int32, addr: [UInt8])] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            if let addr = ai.pointee.ai_addr {
                let bytes = UnsafeRawBufferPointer(start: addr, count: Int(ai.pointee.ai_addrlen))
                out.append((ai.pointee.ai_family, Array(bytes)))
            }
            cursor = ai.pointee.ai_next
        }
        return (out, 0)
    }

    static func errorString(_ err: Int32) -> String { String(cString: strerror(err)) }
}

/// Runs `body` on a new detached POSIX thread with the given stack size. Returns false if the thread could not be
/// created (the caller still owns whatever `body` would have cleaned up).
func spawnThread(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box: @unchecked Sendable {  // handed to exactly one thread, never shared
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setstacksize(&attr, stackSize)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attr, { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    if rc != 0 {
        box.release()
        return false
    }
    return true
}
