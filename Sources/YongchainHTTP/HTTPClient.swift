import Glibc
import Synchronization

/// A synchronous HTTP/1.1 client over plain sockets, or over TLS when made with a `transport`, that keeps idle
/// connections per host:port for reuse.
///
/// With a transport every connection is TLS (whatever the URL's scheme says) and a server is accepted only by the
/// transport's peer policy; a handshake that fails is `TLS_FAILED` and nothing was sent.
///
/// Thread-safe: any number of threads may call `send` at once; each call uses its own connection.
///
/// Retry rule: a request sent on a *pooled* connection is retried once on a fresh connection if that pooled
/// connection turns out to be closed before any byte of the response arrived (the server timed it out while it sat
/// idle). Nothing else is retried: not timeouts, not partial responses, not fresh connections. A server that
/// received the request and then closed without a byte of answer can therefore see it twice, so requests sent with
/// this client should be idempotent (gossip messages are).
public final class HTTPClient: Sendable {
    public let options: HTTPClientOptions
    /// TLS for every connection; nil: plain HTTP.
    public let transport: (any SecureTransport)?

    private struct Endpoint: Hashable {
        var host: String
        var port: UInt16
    }

    /// One connection: the socket and the channel over it (plain TCP or TLS). Closing is dropping it (deinit
    /// frees the channel, then closes the socket).
    private final class Link: @unchecked Sendable {  // used by one thread at a time: the pool hands it over
        let fd: Int32
        private var held: (any ByteChannel)?
        var channel: any ByteChannel { held! }
        init(fd: Int32, channel: any ByteChannel) {
            self.fd = fd
            held = channel
        }
        deinit {
            held = nil
            close(fd)
        }
    }

    private let idle = Mutex<[Endpoint: [Link]]>([:])
    private let handshakes = Atomic<Int>(0)
    private let handshakeFailures = Atomic<Int>(0)

    public init(options: HTTPClientOptions = HTTPClientOptions(), transport: (any SecureTransport)? = nil) {
        self.options = options
        self.transport = transport
    }

    /// TLS handshakes this client completed and failed (refused servers included).
    public var tlsHandshakeCounts: (completed: Int, failed: Int) {
        (handshakes.load(ordering: .relaxed), handshakeFailures.load(ordering: .relaxed))
    }

    /// Closes every idle pooled connection.
    public func closeIdleConnections() {
        let links = idle.withLock { pool -> [Link] in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        _ = links  // dropped here, outside the lock
    }

    /// Idle pooled connections, across all hosts.
    var idleConnectionCount: Int { idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Sends `method path` to `url`, which must look like `http://host[:port][/path][?query]` (or `https://` on a
    /// client with a transport).
    ///
    /// - Throws: `HTTPError` (`INVALID_URL` or any code `send(_:host:port:...)` throws).
    public func send(
        _ method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double? = nil
    ) throws -> HTTPResponse {
        let (host, port, path) = try Self.parseURL(url, allowHTTPS: transport != nil)
        return try send(method, host: host, port: port, path: path, headers: headers, body: body, timeout: timeout)
    }

    /// Sends one request and returns the complete response (any status; a 500 is a response, not an error).
    ///
    /// `Host` is added unless given; `Content-Length` is always computed (given ones are ignored) and sent whenever
    /// there is a body or the method is POST, PUT or PATCH.
    ///
    /// - Parameter timeout: seconds for the whole call; defaults to `options.requestTimeout`.
    /// - Throws: `HTTPError` with `INVALID_REQUEST`, `CONNECT_FAILED` (nothing was sent), `TIMEOUT`,
    ///   `CONNECTION_CLOSED`, `BAD_RESPONSE`, `RESPONSE_TOO_LARGE`, `IO_FAILED`, or `TLS_FAILED` (nothing was sent).
    public func send(
        _ method: String, host: String, port: UInt16, path: String, headers: [(String, String)] = [],
        body: [UInt8] = [], timeout: Double? = nil
    ) throws -> HTTPResponse {
        let deadline = Socket.now() + (timeout ?? options.requestTimeout)
        let request = try Self.encodeRequest(method, host: host, port: port, path: path, headers: headers, body: body)
        let endpoint = Endpoint(host: host, port: port)
        let isHead = method == "HEAD"

        if let link = takeIdle(endpoint) {
            switch exchange(link, request, isHead: isHead, deadline: deadline, endpoint: endpoint) {
            case .response(let response):
                return response
            case .failed(let error, let retryable):
                if !retryable { throw error }
            }
        }
        let link = try connect(host: host, port: port, deadline: deadline)
        switch exchange(link, request, isHead: isHead, deadline: deadline, endpoint: endpoint) {
        case .response(let response):
            return response
        case .failed(let error, _):
            throw error
        }
    }

    // MARK: - Pool

    private func takeIdle(_ endpoint: Endpoint) -> Link? {
        while let link = idle.withLock({ $0[endpoint]?.popLast() }) {
            // A pooled connection that is readable has either been closed by the server or holds stray bytes;
            // neither can carry a request. Over TLS it may only hold records that are not data (session tickets):
            // reading them leaves it wanting to read again, and usable.
            if Socket.waitReadable(link.fd, seconds: 0) {
                var scratch = [UInt8](repeating: 0, count: 512)
                let outcome = scratch.withUnsafeMutableBytes { link.channel.read($0) }
                if outcome != .wantRead { continue }
            }
            return link
        }
        return nil
    }

    private func giveBack(_ link: Link, _ endpoint: Endpoint) {
        _ = idle.withLock { pool -> Link? in
            var list = pool[endpoint] ?? []
            guard list.count < options.maxIdlePerHost else { return link }  // dropped (closed) outside the lock
            list.append(link)
            pool[endpoint] = list
            return nil
        }
    }

    // MARK: - One exchange

    private enum Exchange {
        case response(HTTPResponse)
        /// `retryable`: the connection failed before any byte of the response arrived.
        case failed(HTTPError, retryable: Bool)
    }

    /// Writes `request` and reads one response, through the link's channel (plain TCP or TLS: the same steps,
    /// the channel asking for the readiness it needs). On success the connection is pooled or closed; on failure
    /// the caller closes it.
    private func exchange(_ link: Link, _ request: [UInt8], isHead: Bool, deadline: Double, endpoint: Endpoint) -> Exchange {
        let channel = link.channel
        // 1. Send.
        switch Socket.sendAll(channel, link.fd, request, timeout: max(0, deadline - Socket.now())) {
        case .sent: break
        case .timedOut:
            return .failed(HTTPError(code: "TIMEOUT", message: "timed out sending the request to \(describe(endpoint))"),
                           retryable: false)
        case .failed(let err):
            return .failed(HTTPError(code: "CONNECTION_CLOSED",
                                     message: "the connection to \(describe(endpoint)) failed while sending", errno: err),
                           retryable: true)
        }
        // 2. Read until one complete response. Plain TCP is waited on before each read; a TLS channel is read
        // first, since it may already hold records.
        var parser = HTTPResponseParser(maxResponseBytes: options.maxResponseBytes, isHeadRequest: isHead)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var wait: ChannelIO? = channel.buffersInput ? nil : .wantRead
        while true {
            if let want = wait {
                let remaining = deadline - Socket.now()
                let ready = remaining > 0 && (want == .wantWrite ? Socket.waitWritable(link.fd, seconds: remaining)
                                                                 : Socket.waitReadable(link.fd, seconds: remaining))
                if !ready {
                    return .failed(HTTPError(code: "TIMEOUT", message: "no complete response from \(describe(endpoint)) in time"),
                                   retryable: false)
                }
            }
            let outcome = chunk.withUnsafeMutableBytes { channel.read($0) }
            let eof: Bool
            switch outcome {
            case .done(let n):
                chunk.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                eof = false
                wait = channel.buffersInput ? nil : .wantRead
            case .wantRead, .wantWrite:
                wait = outcome
                continue
            case .closed:
                eof = true
            case .failed(let failure):
                let error = readFailure(failure, endpoint)
                return .failed(error, retryable: error.code == "CONNECTION_CLOSED" && !parser.receivedAnything)
            }
            if eof && !parser.receivedAnything {
                return .failed(HTTPError(code: "CONNECTION_CLOSED",
                                         message: "\(describe(endpoint)) closed the connection without answering"),
                               retryable: true)
            }
            switch parser.parse(eof: eof) {
            case .needMoreData:
                if eof { return .failed(HTTPError(code: "CONNECTION_CLOSED", message: "\(describe(endpoint)) closed mid-response"), retryable: false) }
                continue
            case .failure(let error):
                return .failed(error, retryable: false)
            case .complete(let response, let reusable):
                if reusable { giveBack(link, endpoint) } else { channel.closeNotify() }
                return .response(response)
            }
        }
    }

    /// What a failed read answers: a reset (or a TLS failure, which leaves the connection unusable the same way)
    /// is CONNECTION_CLOSED, any other socket error IO_FAILED.
    private func readFailure(_ failure: SecureChannelFailure, _ endpoint: Endpoint) -> HTTPError {
        switch failure {
        case .io(let err) where failure.isReset:
            return HTTPError(code: "CONNECTION_CLOSED", message: "\(describe(endpoint)) reset the connection", errno: err)
        case .io(let err):
            return HTTPError(code: "IO_FAILED", message: "reading from \(describe(endpoint)) failed", errno: err)
        default:
            return HTTPError(code: "CONNECTION_CLOSED", message: "the TLS connection to \(describe(endpoint)) failed: \(failure)")
        }
    }

    // MARK: - Connecting

    /// Opens a non-blocking TCP connection with TCP_NODELAY, trying each resolved address in turn.
    private func connect(host: String, port: UInt16, deadline: Double) throws -> Link {
        let fd = try connectTCP(host: host, port: port, deadline: deadline)
        guard let transport else { return Link(fd: fd, channel: TCPChannel(fd: fd)) }
        let channel: any SecureChannel
        do {
            channel = try transport.channel(for: fd, isServer: false)
        } catch {
            close(fd)
            throw error
        }
        let link = Link(fd: fd, channel: channel)
        let handshakeDeadline = min(deadline, Socket.now() + options.connectTimeout)
        while true {
            let outcome = channel.handshake()
            let ready: Bool
            switch outcome {
            case .done:
                handshakes.add(1, ordering: .relaxed)
                return link
            case .wantRead, .wantWrite:
                let remaining = handshakeDeadline - Socket.now()
                ready = remaining > 0 && (outcome == .wantRead ? Socket.waitReadable(fd, seconds: remaining)
                                                               : Socket.waitWritable(fd, seconds: remaining))
                if ready { continue }
                handshakeFailures.add(1, ordering: .relaxed)
                throw HTTPError(code: "TLS_FAILED", message: "the TLS handshake with \(host):\(port) timed out")
            case .closed:
                handshakeFailures.add(1, ordering: .relaxed)
                throw HTTPError(code: "TLS_FAILED", message: "\(host):\(port) closed the connection during the TLS handshake")
            case .failed(let failure):
                handshakeFailures.add(1, ordering: .relaxed)
                let why = failure == .peerRefused ? "its certificate is not over an accepted key" : "\(failure)"
                throw HTTPError(code: "TLS_FAILED", message: "TLS handshake with \(host):\(port) failed: \(why)")
            }
        }
    }

    private func connectTCP(host: String, port: UInt16, deadline: Double) throws -> Int32 {
        let (addresses, gaiError) = Socket.resolve(host, port, passive: false)
        guard !addresses.isEmpty else {
            throw HTTPError(code: "CONNECT_FAILED",
                            message: "cannot resolve \(host): \(String(cString: gai_strerror(gaiError)))")
        }
        let connectDeadline = min(deadline, Socket.now() + options.connectTimeout)
        var lastErrno: Int32 = 0
        for address in addresses {
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastErrno = errno; continue }
            Socket.setNonBlocking(fd, true)
            let rc = address.addr.withUnsafeBytes { raw in
                Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            var err: Int32 = rc == 0 ? 0 : errno
            if err == EINPROGRESS || err == EINTR {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let remaining = connectDeadline - Socket.now()
                var ready: Int32 = 0
                if remaining > 0 {
                    repeat { ready = poll(&pfd, 1, Int32((remaining * 1000).rounded(.up))) } while ready < 0 && errno == EINTR
                }
                if ready <= 0 {
                    err = ETIMEDOUT
                } else {
                    var soError: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                    err = soError
                }
            }
            if err == 0 {
                Socket.setNoDelay(fd)
                return fd
            }
            close(fd)
            lastErrno = err
            if err == ETIMEDOUT { break }  // the connect budget is spent
        }
        throw HTTPError(code: "CONNECT_FAILED", message: "cannot connect to \(host):\(port)", errno: lastErrno)
    }

    private func describe(_ endpoint: Endpoint) -> String { "\(endpoint.host):\(endpoint.port)" }
}
