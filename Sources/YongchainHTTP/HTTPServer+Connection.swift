import Glibc

extension ServerCore {
    /// Serves one connection until it closes. The caller closes `fd` afterwards.
    ///
    /// Per request on the hot path: one `recv`, the parse, the handler, one `send` of a preassembled buffer.
    /// SO_RCVTIMEO is only changed when the connection moves between idle and mid-request.
    func serveConnection(_ fd: Int32) {
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: limits.writeTimeout)
        var parser = HTTPRequestParser(limits: limits)
        let readCapacity = 64 * 1024
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readCapacity, alignment: 16)
        defer { readBuffer.deallocate() }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        var date = DateLineCache()
        var receiveTimeout = -1.0
        var requestDeadline: Double?

        while true {
            // 1. Answer every complete request already buffered (pipelining).
            parsing: while true {
                switch parser.next() {
                case .request(let request):
                    requestDeadline = nil
                    let response = handler(request)
                    let keepAlive = request.keepAlive && !response.requestsClose
                    let connection: StaticString? =
                        keepAlive ? (request.version == .http1_0 ? "keep-alive" : nil) : "close"
                    out.removeAll(keepingCapacity: true)
                    response.serialize(into: &out, includeBody: request.method != "HEAD", connection: connection,
                                       dateLine: date.current())
                    guard case .sent = Socket.sendAll(fd, out, timeout: limits.writeTimeout) else {
                        return
                    }
                    if !keepAlive {
                        lingeringClose(fd)
                        return
                    }
                case .needMoreData:
                    if parser.takeContinueRequest() {
                        guard case .sent = Socket.sendAll(fd, continueLine, timeout: limits.writeTimeout)
                        else { return }
                    }
                    break parsing
                case .error(let status, let code, let message):
                    sendErrorAndClose(fd, status, code, message, &date)
                    return
                }
            }

            // 2. Read more, with the idle timeout between requests and the read timeout within one.
            if parser.bufferedByteCount > 0 {
                let now = Socket.now()
                let deadline = requestDeadline ?? (now + limits.readTimeout)
                requestDeadline = deadline
                guard deadline > now else {
                    sendErrorAndClose(fd, 408, "REQUEST_TIMEOUT",
                                      "the request was not received within \(limits.readTimeout) s", &date)
                    return
                }
                receiveTimeout = deadline - now
                Socket.setTimeout(fd, SO_RCVTIMEO, seconds: receiveTimeout)
            } else if receiveTimeout != limits.idleTimeout {
                receiveTimeout = limits.idleTimeout
                Socket.setTimeout(fd, SO_RCVTIMEO, seconds: receiveTimeout)
            }
            let n = recv(fd, readBuffer.baseAddress, readCapacity, 0)
            if n > 0 {
                parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                continue
            }
            if n == 0 { return }  // peer closed (or stop() shut us down)
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                if parser.bufferedByteCount > 0 {
                    sendErrorAndClose(fd, 408, "REQUEST_TIMEOUT",
                                      "the request was not received within \(limits.readTimeout) s", &date)
                }
                return  // an idle keep-alive connection closes silently
            default:
                return
            }
        }
    }

    private func sendErrorAndClose(_ fd: Int32, _ status: Int, _ code: String, _ message: String,
                                   _ date: inout DateLineCache) {
        var out: [UInt8] = []
        HTTPResponse.error(status, code: code, message: message)
            .serialize(into: &out, includeBody: true, connection: "close", dateLine: date.current())
        guard case .sent = Socket.sendAll(fd, out, timeout: limits.writeTimeout) else { return }
        lingeringClose(fd)
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
