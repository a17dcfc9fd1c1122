import Glibc
import Synchronization

/// One client connection. The mutable state belongs to the worker that holds the connection's one-shot epoll event
/// (see `ServerCore`), so it needs no lock; the event hand-off orders the accesses. The exceptions: `deadline` and
/// `idleSince` are atomics other threads may swap; `evicted` and `handshake` are written only under the registry
/// lock (the owner may read `handshake` without it: no other thread changes it while a worker holds the connection).
final class Connection: @unchecked Sendable {
    /// `deadline` while a worker holds the connection: the sweeper leaves it alone.
    static let busy = Int64.max
    /// `deadline` once the sweeper has fired it: the next owner answers 408 or closes.
    static let expired = Int64.min
    /// `idleSince` while a request is in progress (partly received, or being handled and answered).
    static let notIdle = Int64.max
    /// `idleSince` once the accept thread has chosen it for eviction: the next owner closes it silently.
    static let evictedMark = Int64.min

    let fd: Int32
    /// The client's address, and whether it was reserved when the connection was admitted.
    let admitted: ConnectionQuota.Admitted
    var address: ClientAddress { admitted.address }
    /// Set under the registry lock when the connection is evicted: it no longer counts against the quota.
    var evicted = false
    var parser: HTTPRequestParser
    var out: [UInt8] = []
    var date = DateLineCache()
    /// When the first byte of the request now partly buffered arrived (coarse monotonic ns), or nil between requests.
    var requestStartedAt: Int64?
    /// Whether a request was partly received when the worker last published `idleSince` (which it writes after
    /// this): an eviction then closes a slow request, not an idle connection.
    var receiving = false
    /// The TLS channel over `fd` when the server speaks TLS; nil for plain HTTP.
    var tls: (any SecureChannel)?
    private let plain: TCPChannel
    /// What requests are read from and answers written to: the TLS channel, or plain TCP.
    var channel: any ByteChannel { tls ?? plain }
    /// Where the TLS handshake stands (`.inProgress` ones are counted in `TLSCounters.inProgress`).
    var handshake = ConnectionQuota.Handshake.none
    /// When the handshake must be complete (coarse monotonic ns): `handshakeTimeout` from accept.
    var handshakeDeadline: Int64 = 0
    /// When the sweeper should fire (coarse monotonic ns), or `busy` / `expired`.
    let deadline = Atomic<Int64>(Int64.max)
    /// Since when (coarse monotonic ns) the connection has had no request in progress, or `notIdle` / `evictedMark`.
    /// A new connection is idle from its accept.
    let idleSince: Atomic<Int64>

    /// The pointer to this object, as epoll's data word. Valid while the server's registry holds the connection.
    var epollData: UInt64 { UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())) }

    init(fd: Int32, admitted: ConnectionQuota.Admitted, limits: HTTPServerLimits, acceptedAt: Int64) {
        self.fd = fd
        plain = TCPChannel(fd: fd)
        self.admitted = admitted
        parser = HTTPRequestParser(limits: limits)
        idleSince = Atomic(acceptedAt)
    }
}

extension ServerCore {
    /// Handles one readiness event for `connection`, which this worker now owns: read what arrived, answer every
    /// complete request, then re-arm (or close).
    ///
    /// Per request on the hot path: `recv`, the parse, the handler, one `send` of a preassembled buffer, and the
    /// `epoll_ctl` that re-arms the connection.
    func serve(_ connection: Connection, _ readBuffer: UnsafeMutableRawBufferPointer) {
        let fd = connection.fd
        let prior = connection.deadline.exchange(Connection.busy, ordering: .acquiringAndReleasing)
        let idleSince = connection.idleSince.exchange(Connection.notIdle, ordering: .acquiringAndReleasing)
        if prior == Connection.expired || idleSince == Connection.evictedMark {
            if connection.handshake == .inProgress {
                if prior == Connection.expired { tls.timedOut.add(1, ordering: .relaxed) }
                closeConnection(connection)  // nothing was agreed, so nothing to say
                return
            }
            if connection.parser.bufferedByteCount > 0 {
                if idleSince == Connection.evictedMark {
                    // Evicted for being slow: a word, but no lingering, for a client that holds a slot it barely uses.
                    sendErrorAndClose(connection, 408, "REQUEST_TOO_SLOW", "the request arrived slower than "
                                      + "\(limits.minRequestBytesPerSecond) bytes a second while the server was full", linger: false)
                } else {
                    let head = !connection.parser.headComplete
                    sendErrorAndClose(connection, 408, "REQUEST_TIMEOUT", "the request\(head ? "'s head" : "") was not received within "
                                      + "\(head ? min(limits.requestHeadTimeout, limits.readTimeout) : limits.readTimeout) s")
                }
            }
            closeConnection(connection)  // an idle keep-alive connection closes silently
            return
        }

        // 0. TLS: finish the handshake first, waiting for whichever readiness it asks for.
        if connection.handshake == .inProgress {
            guard advanceHandshake(connection, idleSince: idleSince) else { return }
        }

        // 1. Read everything available.
        guard read(connection, readBuffer) else {
            closeConnection(connection)  // peer closed, reset, or stop() shut us down
            return
        }

        // 2. Answer every complete request already buffered (pipelining).
        parsing: while true {
            switch connection.parser.next() {
            case .request(var request):
                if let tls = connection.tls {
                    request.secure = true
                    request.peerPublicKey = tls.peerPublicKey
                }
                connection.requestStartedAt = nil
                let response = handler(request)
                let keepAlive = request.keepAlive && !response.requestsClose
                let header: StaticString? = keepAlive ? (request.version == .http1_0 ? "keep-alive" : nil) : "close"
                connection.out.removeAll(keepingCapacity: true)
                response.serialize(into: &connection.out, includeBody: request.method != "HEAD", connection: header,
                                   dateLine: connection.date.current())
                guard case .sent = connection.sendAll(connection.out, timeout: limits.writeTimeout) else {
                    closeConnection(connection)
                    return
                }
                if !keepAlive {
                    connection.channel.closeNotify()
                    lingeringClose(fd)
                    closeConnection(connection)
                    return
                }
            case .needMoreData:
                if connection.parser.takeContinueRequest() {
                    guard case .sent = connection.sendAll(continueLine, timeout: limits.writeTimeout) else {
                        closeConnection(connection)
                        return
                    }
                }
                break parsing
            case .error(let status, let code, let message):
                sendErrorAndClose(connection, status, code, message)
                closeConnection(connection)
                return
            }
        }

        // 3. Wait for more: within a request, its head and read deadlines; between requests, the idle timeout.
        if stopping.load(ordering: .relaxed) {
            closeConnection(connection)
            return
        }
        let now = Socket.coarseNanoseconds()
        let deadline: Int64
        let received = connection.parser.bufferedByteCount
        connection.receiving = received > 0
        if received > 0 {
            let started = connection.requestStartedAt ?? now
            connection.requestStartedAt = started
            deadline = limits.requestDeadline(startedAt: started, headComplete: connection.parser.headComplete)
            // Evictable as an idle connection once it falls behind the minimum rate, unless more arrives first.
            connection.idleSince.store(limits.slowFrom(startedAt: started, received: received), ordering: .releasing)
        } else {
            deadline = now + nanoseconds(limits.idleTimeout)
            // From here the accept thread may evict it (it shuts the socket's read side, which wakes its event).
            connection.idleSince.store(now, ordering: .releasing)
        }
        rearm(connection, deadline: deadline)
    }

    /// Reads what the channel holds into the parser; false when the connection is over (EOF, error, failure).
    /// A TLS channel may hold records epoll cannot see, so it is read until it wants the socket again; plain TCP
    /// is drained once a read comes back shorter than the buffer.
    private func read(_ connection: Connection, _ readBuffer: UnsafeMutableRawBufferPointer) -> Bool {
        let channel = connection.channel
        while true {
            switch channel.read(readBuffer) {
            case .done(let n):
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                if n < readBuffer.count && !channel.buffersInput { return true }
            case .wantRead:
                return true
            case .wantWrite:
                // A TLS 1.3 key update can make a read write; wait for room, briefly.
                guard Socket.waitWritable(connection.fd, seconds: limits.writeTimeout) else { return false }
            case .closed, .failed:
                return false
            }
        }
    }

    private func sendErrorAndClose(_ connection: Connection, _ status: Int, _ code: String, _ message: String,
                                   linger: Bool = true) {
        var out: [UInt8] = []
        HTTPResponse.error(status, code: code, message: message)
            .serialize(into: &out, includeBody: true, connection: "close", dateLine: connection.date.current())
        guard case .sent = connection.sendAll(out, timeout: linger ? limits.writeTimeout : 0.1) else { return }
        connection.channel.closeNotify()
        if linger { lingeringClose(connection.fd) }
    }
}

extension Connection {
    /// Sends all of `bytes` through the channel, waiting (poll) for the readiness it asks for, for at most
    /// `timeout` seconds in all.
    func sendAll(_ bytes: [UInt8], timeout: Double) -> Socket.SendOutcome {
        Socket.sendAll(channel, fd, bytes, timeout: timeout)
    }
}

private let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

/// The `Date:` header line, reformatted at most once a second per connection (no Foundation, no shared state).
struct DateLineCache {
    private var second = -1
    private var line: [UInt8] = []

    mutating func current() -> [UInt8] {
        let t = time(nil)
        if t != second {
            second = t
            line = Self.format(t)
        }
        return line
    }

    static func format(_ t: time_t) -> [UInt8] {
        var t = t
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var out = Array("Date: ".utf8)
        out.append(contentsOf: days[Int(tm.tm_wday)].utf8)
        out.append(contentsOf: ", ".utf8)
        appendTwoDigits(Int(tm.tm_mday), &out)
        out.append(0x20)
        out.append(contentsOf: months[Int(tm.tm_mon)].utf8)
        out.append(0x20)
        appendDecimal(Int(tm.tm_year) + 1900, to: &out)
        out.append(0x20)
        appendTwoDigits(Int(tm.tm_hour), &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(Int(tm.tm_min), &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(Int(tm.tm_sec), &out)
        out.append(contentsOf: " GMT\r\n".utf8)
        return out
    }

    private static func appendTwoDigits(_ v: Int, _ out: inout [UInt8]) {
        out.append(UInt8(0x30 + v / 10))
        out.append(UInt8(0x30 + v % 10))
    }
}
