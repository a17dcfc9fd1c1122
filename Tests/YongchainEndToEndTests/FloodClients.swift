import Foundation
import Glibc
import Synchronization
import YongchainHTTP

/// The clients of the flood tests (issue 24): many connections from several source addresses in 127.0.0.0/8 (all of
/// it is local on Linux, so to a node each address is another machine), and an honest client from an address of its
/// own. Raw sockets, so that each one chooses its source address.
enum FloodSocket {
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// A non-blocking TCP socket from `source` to 127.0.0.1:`port`, its connect under way; nil if it failed at once.
    static func connect(from source: String, to port: UInt16) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        // IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect, per destination, so thousands of connections
        // from one source address do not use up its ports.
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_IP), 24, &one, socklen_t(MemoryLayout<Int32>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let rc = bound != 0 ? -1 : withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) }
        }
        guard bound == 0, rc == 0 || errno == EINPROGRESS else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Waits up to `seconds` for `events` on `fd`; true if any arrived (or an error / hang-up did).
    static func wait(_ fd: Int32, _ events: Int16, until deadline: Double) -> Bool {
        let remaining = deadline - now()
        guard remaining > 0 else { return false }
        var p = pollfd(fd: fd, events: events, revents: 0)
        return poll(&p, 1, Int32(max(1, remaining * 1000))) > 0
    }

    static func connected(_ fd: Int32) -> Bool {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0
    }

    /// One `GET path` on a fresh connection from `source` (over TLS with `tls`), as a bank's program would make it:
    /// the answer's status, or nil if none came within `timeout` seconds (refused, closed, or too slow).
    static func ask(_ path: String, port: UInt16, from source: String, tls: (any SecureTransport)?, timeout: Double = 5) -> Int? {
        let deadline = now() + timeout
        guard let fd = connect(from: source, to: port) else { return nil }
        defer { close(fd) }
        guard wait(fd, Int16(POLLOUT), until: deadline), connected(fd) else { return nil }
        var channel: (any SecureChannel)?
        if let tls {
            guard let c = try? tls.channel(for: fd, isServer: false) else { return nil }
            channel = c
            handshake: while true {
                switch c.handshake() {
                case .done: break handshake
                case .wantRead: guard wait(fd, Int16(POLLIN), until: deadline) else { return nil }
                case .wantWrite: guard wait(fd, Int16(POLLOUT), until: deadline) else { return nil }
                case .closed, .failed: return nil
                }
            }
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n".utf8)
        var sent = false
        while !sent {
            let r: ChannelIO = request.withUnsafeBytes { bytes in
                if let channel { return channel.write(bytes) }
                let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                return n == bytes.count ? .done(n) : (n < 0 && errno == EAGAIN ? .wantWrite : .failed(.io(errno)))
            }
            switch r {
            case .done: sent = true
            case .wantWrite: guard wait(fd, Int16(POLLOUT), until: deadline) else { return nil }
            case .wantRead: guard wait(fd, Int16(POLLIN), until: deadline) else { return nil }
            case .closed, .failed: return nil
            }
        }
        // The status line is all this client needs.
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !answer.contains(0x0A) {
            let r: ChannelIO = buffer.withUnsafeMutableBytes { b in
                if let channel { return channel.read(b) }
                let n = recv(fd, b.baseAddress, b.count, 0)
                return n > 0 ? .done(n) : (n == 0 ? .closed : (errno == EAGAIN ? .wantRead : .failed(.io(errno))))
            }
            switch r {
            case .done(let n): answer += buffer[0..<n]
            case .wantRead: guard wait(fd, Int16(POLLIN), until: deadline) else { return nil }
            case .wantWrite: guard wait(fd, Int16(POLLOUT), until: deadline) else { return nil }
            case .closed, .failed: return nil
            }
        }
        let line = String(decoding: answer.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self).split(separator: " ")
        return line.count >= 2 && line[0].hasPrefix("HTTP/1.") ? Int(line[1]) : nil
    }
}

/// An honest client: one `GET /healthz` every `interval` seconds on a fresh connection, from its own address, to
/// each of `ports` in turn, until stopped.
final class HonestClient: @unchecked Sendable {
    private let ports: [UInt16]
    private let source: String
    private let tls: (any SecureTransport)?
    private let interval: Double
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var statuses: [Int?] = []

    init(ports: [UInt16], from source: String, tls: (any SecureTransport)?, interval: Double = 0.25) {
        self.ports = ports
        self.source = source
        self.tls = tls
        self.interval = interval
    }

    func start() {
        Thread.detachNewThread { [self] in
            var i = 0
            while !stopping.load(ordering: .relaxed) {
                let started = FloodSocket.now()
                let status = FloodSocket.ask("/healthz", port: ports[i % ports.count], from: source, tls: tls)
                lock.withLock { statuses.append(status) }
                i += 1
                let pause = interval - (FloodSocket.now() - started)
                if pause > 0 { usleep(UInt32(pause * 1e6)) }
            }
            finished.signal()
        }
    }

    /// Stops and returns (answered 200, asked).
    func stop() -> (ok: Int, asked: Int) {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        return lock.withLock { (statuses.count { $0 == 200 }, statuses.count) }
    }
}

/// Hostile connections, `perSource` from each of `sources` to each of `ports`, all driven by one thread with poll(2).
/// Each reconnects `reconnectAfter` seconds after the node closes it, as a determined attacker would.
final class Flood: @unchecked Sendable {
    enum Kind {
        /// A TLS record header announcing 512 bytes of handshake (`16 03 01 02 00`), and nothing more.
        case halfOpenTLS
        /// A request line, then one header line a second, never ending the head; inside TLS with a transport.
        case slowHeaders(tls: (any SecureTransport)?)
    }

    private enum Phase { case waiting, connecting, handshaking, holding }

    private final class Link {
        let port: UInt16
        let source: String
        var fd: Int32 = -1
        var phase = Phase.waiting
        var channel: (any SecureChannel)?
        var wantWrite = false
        /// When to connect (waiting) or to send the next header line (holding).
        var nextAt: Double
        var lines = 0
        init(port: UInt16, source: String, at: Double) {
            self.port = port
            self.source = source
            nextAt = at
        }
    }

    private let kind: Kind
    private let links: [Link]
    private let reconnectAfter: Double
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// TCP connections made, and connections the node closed.
    let connects = Atomic<Int>(0)
    let closedByNode = Atomic<Int>(0)

    init(_ kind: Kind, ports: [UInt16], sources: [String], perSource: Int, reconnectAfter: Double = 0.1) {
        self.kind = kind
        self.reconnectAfter = reconnectAfter
        let start = FloodSocket.now()
        var links: [Link] = []
        for source in sources {
            for port in ports {
                for _ in 0..<perSource { links.append(Link(port: port, source: source, at: start)) }
            }
        }
        // Spread over the first half second, as a real attack ramps up.
        for (i, link) in links.enumerated() { link.nextAt += 0.5 * Double(i) / Double(max(links.count, 1)) }
        self.links = links
    }

    func start() {
        Thread.detachNewThread { [self] in
            run()
            for link in links where link.fd >= 0 { close(link.fd) }
            finished.signal()
        }
    }

    func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }

    private var transport: (any SecureTransport)? {
        if case .slowHeaders(let tls) = kind { return tls }
        return nil
    }

    private func run() {
        var fds: [pollfd] = []
        var polled: [Link] = []
        while !stopping.load(ordering: .relaxed) {
            let now = FloodSocket.now()
            fds.removeAll(keepingCapacity: true)
            polled.removeAll(keepingCapacity: true)
            for link in links {
                switch link.phase {
                case .waiting:
                    if now >= link.nextAt { open(link, now) }
                case .holding:
                    if case .slowHeaders = kind, now >= link.nextAt {
                        link.lines += 1
                        send(link, "X-Slow-\(link.lines): 1\r\n", now)
                        link.nextAt += 1
                    }
                default:
                    break
                }
                guard link.fd >= 0 else { continue }
                let events: Int16
                switch link.phase {
                case .connecting: events = Int16(POLLOUT)
                case .handshaking: events = Int16(link.wantWrite ? POLLOUT : POLLIN)
                default: events = Int16(POLLIN)
                }
                fds.append(pollfd(fd: link.fd, events: events, revents: 0))
                polled.append(link)
            }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            let after = FloodSocket.now()
            for (i, p) in fds.enumerated() where p.revents != 0 {
                let link = polled[i]
                switch link.phase {
                case .connecting: connected(link, after)
                case .handshaking: handshake(link, after)
                case .holding: drain(link, after)
                case .waiting: break
                }
            }
        }
    }

    private func open(_ link: Link, _ now: Double) {
        guard let fd = FloodSocket.connect(from: link.source, to: link.port) else {
            link.nextAt = now + reconnectAfter
            return
        }
        link.fd = fd
        link.phase = .connecting
    }

    private func drop(_ link: Link, byNode: Bool, _ now: Double) {
        if byNode { closedByNode.add(1, ordering: .relaxed) }
        close(link.fd)
        link.fd = -1
        link.channel = nil
        link.phase = .waiting
        link.nextAt = now + reconnectAfter
    }

    private func connected(_ link: Link, _ now: Double) {
        guard FloodSocket.connected(link.fd) else { return drop(link, byNode: false, now) }
        connects.add(1, ordering: .relaxed)
        switch kind {
        case .halfOpenTLS:
            link.phase = .holding
            let header: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]
            _ = header.withUnsafeBytes { Glibc.send(link.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .slowHeaders(let tls):
            if let tls, let channel = try? tls.channel(for: link.fd, isServer: false) {
                link.channel = channel
                link.phase = .handshaking
                handshake(link, now)
            } else {
                startRequest(link, now)
            }
        }
    }

    private func handshake(_ link: Link, _ now: Double) {
        guard let channel = link.channel else { return drop(link, byNode: false, now) }
        switch channel.handshake() {
        case .done: startRequest(link, now)
        case .wantRead: link.wantWrite = false
        case .wantWrite: link.wantWrite = true
        case .closed, .failed: drop(link, byNode: true, now)
        }
    }

    private func startRequest(_ link: Link, _ now: Double) {
        link.phase = .holding
        link.lines = 0
        link.nextAt = now + 1
        send(link, "GET /healthz HTTP/1.1\r\nHost: node\r\n", now)
    }

    private func send(_ link: Link, _ text: String, _ now: Double) {
        let bytes = Array(text.utf8)
        let r: ChannelIO = bytes.withUnsafeBytes { b in
            if let channel = link.channel { return channel.write(b) }
            let n = Glibc.send(link.fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            return n >= 0 ? .done(n) : (errno == EAGAIN ? .wantWrite : .closed)
        }
        if case .closed = r { drop(link, byNode: true, now) }
        if case .failed = r { drop(link, byNode: true, now) }
    }

    /// Reads (and discards) what the node sent; a close is the node ending the connection.
    private func drain(_ link: Link, _ now: Double) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let r: ChannelIO = buffer.withUnsafeMutableBytes { b in
                if let channel = link.channel { return channel.read(b) }
                let n = recv(link.fd, b.baseAddress, b.count, Int32(MSG_DONTWAIT))
                return n > 0 ? .done(n) : (n == 0 ? .closed : (errno == EAGAIN ? .wantRead : .closed))
            }
            switch r {
            case .done: continue
            case .wantRead, .wantWrite: return
            case .closed, .failed: return drop(link, byNode: true, now)
            }
        }
    }
}
