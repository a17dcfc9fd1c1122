import Glibc
import Synchronization

/// One client connection. The mutable state belongs to the worker that holds the connection's one-shot epoll event
/// (see `ServerCore`), so it needs no lock; the event hand-off orders the accesses. The exceptions: `deadline` and
/// `idleSince` are atomics other threads may swap, and `evicted` is read and written only under the registry lock.
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
    /// The client's address, and whether it may use the reserved slots.
    let address: ClientAddress
    let reserved: Bool
    /// Set under the registry lock when the connection is evicted: it no longer counts against the quota.
    var evicted = false
    var parser: HTTPRequestParser
    var out: [UInt8] = []
    var date = DateLineCache()
    /// When the request now partly buffered must be complete (coarse monotonic ns), or nil between requests.
    var readDeadline: Int64?
    /// The secure channel over `fd` when the server speaks TLS; nil for plain HTTP.
    var channel: (any SecureChannel)?
    /// True from accept until the TLS handshake completes or fails (counted in `TLSCounters.inProgress`).
    var handshaking = false
    /// When the handshake must be complete (coarse monotonic ns).
    var handshakeDeadline: Int64 = 0
    /// When the sweeper should fire (coarse monotonic ns), or `busy` / `expired`.
    let deadline = Atomic<Int64>(Int64.max)
    /// Since when (coarse monotonic ns) the connection has had no request in progress, or `notIdle` / `evictedMark`.
    /// A new connection is idle from its accept.
    let idleSince: Atomic<Int64>

    /// The pointer to this object, as epoll's data word. Valid while the server's registry holds the connection.
    var epollData: UInt64 { UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())) }

    init(fd: Int32, address: ClientAddress, reserved: Bool, limits: HTTPServerLimits, acceptedAt: Int64) {
        self.fd = fd
        self.address = address
        self.reserved = reserved
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
        // An evicted connection was idle, so it has nothing buffered and closes silently below.
        if prior == Connection.expired || idleSince == Connection.evictedMark {
            if connection.handshaking {
                if prior == Connection.expired { tls.timedOut.add(1, ordering: .relaxed) }
                closeConnection(connection)  // nothing was agreed, so nothing to say
                return
            }
            if connection.parser.bufferedByteCount > 0 {
                sendErrorAndClose(connection, 408, "REQUEST_TIMEOUT",
                                  "the request was not received within \(limits.readTimeout) s")
            }
            closeConnection(connection)  // an idle keep-alive connection closes silently
            return
        }

        // 0. TLS: finish the handshake first, waiting for whichever readiness it asks for.
        if connection.handshaking {
            guard advanceHandshake(connection, idleSince: idleSince) else { return }
        }

        // 1. Read everything available.
        guard connection.channel == nil ? readPlain(connection, readBuffer) : readSecure(connection, readBuffer) else {
            closeConnection(connection)  // peer closed, reset, or stop() shut us down
            return
        }

        // 2. Answer every complete request already buffered (pipelining).
        parsing: while true {
            switch connection.parser.next() {
            case .request(var request):
                if connection.channel != nil {
                    request.secure = true
                    request.peerPublicKey = connection.channel?.peerPublicKey
                }
                connection.readDeadline = nil
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
                    connection.channel?.closeNotify()
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

        // 3. Wait for more: the read timeout within a request, the idle timeout between requests.
        if stopping.load(ordering: .relaxed) {
            closeConnection(connection)
            return
        }
        let now = Socket.coarseNanoseconds()
        let deadline: Int64
        if connection.parser.bufferedByteCount > 0 {
            let readDeadline = connection.readDeadline ?? (now + nanoseconds(limits.readTimeout))
            connection.readDeadline = readDeadline
            deadline = readDeadline
        } else {
            deadline = now + nanoseconds(limits.idleTimeout)
            // From here the accept thread may evict it (it shuts the socket's read side, which wakes its event).
            connection.idleSince.store(now, ordering: .releasing)
        }
        rearm(connection, deadline: deadline)
    }

    /// Reads what the socket holds into the parser; false when the connection is over (EOF, error).
    private func readPlain(_ connection: Connection, _ readBuffer: UnsafeMutableRawBufferPointer) -> Bool {
        while true {
            let n = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if n > 0 {
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                if n < readBuffer.count { return true }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
        }
    }

    private func sendErrorAndClose(_ connection: Connection, _ status: Int, _ code: String, _ message: String) {
        var out: [UInt8] = []
        HTTPResponse.error(status, code: code, message: message)
            .serialize(into: &out, includeBody: true, connection: "close", dateLine: connection.date.current())
        guard case .sent = connection.sendAll(out, timeout: limits.writeTimeout) else { return }
        connection.channel?.closeNotify()
        lingeringClose(connection.fd)
    }
}

extension Connection {
    /// Sends all of `bytes` in plain or through the TLS channel, waiting (poll) for the readiness the channel asks
    /// for, for at most `timeout` seconds in all.
    func sendAll(_ bytes: [UInt8], timeout: Double) -> Socket.SendOutcome {
        guard let channel else { return Socket.sendAll(fd, bytes, timeout: timeout) }
        return Socket.sendAll(channel, fd, bytes, timeout: timeout)
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
