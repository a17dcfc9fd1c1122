import Foundation
import Glibc
@testable import YongchainHTTP


/// A raw TCP connection for driving the server byte by byte, as a hostile or sloppy client would.
final class RawConnection {
    let fd: Int32
    private var parser = HTTPResponseParser(maxResponseBytes: 1 << 26, isHeadRequest: false)
    private var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, from `source` if given (any 127.x.y.z address: all of 127.0.0.0/8 is local on
    /// Linux, so one test can play several clients).
    init(port: UInt16, from source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound != 0 {
                let err = errno
                close(fd)
                throw HTTPError(code: "BIND_FAILED", message: "test bind to \(source)", errno: err)
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(fd)
            throw HTTPError(code: "CONNECT_FAILED", message: "test connect", errno: errno)
        }
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        _ = Socket.sendAll(fd, bytes, timeout: 5)
    }

    func write(_ s: String) { write(Array(s.utf8)) }

    /// Reads one response (nil on EOF/timeout first). Bytes after it stay buffered for the next call.
    func readResponse(isHead: Bool = false, timeout: Double = 5) -> HTTPResponse? {
        let deadline = Socket.now() + timeout
        var parser = HTTPResponseParser(maxResponseBytes: 1 << 26, isHeadRequest: isHead)
        if !pending.isEmpty {
            pending.withUnsafeBytes { parser.feed($0) }
            pending = []
        }
        var eof = false
        while true {
            switch parser.parse(eof: eof) {
            case .complete(let response, _):
                let consumed = consumedLength(parser, response, isHead: isHead)
                pending = Array(parser.buffer[consumed...])
                return response
            case .failure:
                return nil
            case .needMoreData:
                if eof { return nil }
            }
            let remaining = deadline - Socket.now()
            guard remaining > 0, Socket.waitReadable(fd, seconds: remaining) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { eof = true; continue }
            chunk.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    private func consumedLength(_ parser: HTTPResponseParser, _ response: HTTPResponse, isHead: Bool) -> Int {
        let buf = parser.buffer
        var i = 0
        while i + 4 <= buf.count {
            if buf[i] == 13 && buf[i + 1] == 10 && buf[i + 2] == 13 && buf[i + 3] == 10 { break }
            i += 1
        }
        return min(buf.count, i + 4 + (isHead ? 0 : response.body.count))
    }

    /// True if the server has already closed (EOF or reset), without waiting and without consuming data.
    var isClosedByServer: Bool {
        guard Socket.waitReadable(fd, seconds: 0) else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0
    }

    /// True if the server closes (EOF or reset) within `timeout` without sending more than `pending` bytes.
    func waitForClose(timeout: Double = 5) -> Bool {
        let deadline = Socket.now() + timeout
        while true {
            let remaining = deadline - Socket.now()
            guard remaining > 0, Socket.waitReadable(fd, seconds: remaining) else { return false }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return true }
        }
    }
}

/// Runs `body(i)` for i in 0..<count on `count` real threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Socket.now() + timeout
    while Socket.now() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

func echoServer(limits: HTTPServerLimits = HTTPServerLimits()) throws -> HTTPServer {
    let server = try HTTPServer(port: 0, limits: limits) { request in
        switch request.path {
        case "/echo":
            var response = HTTPResponse(status: 200, body: request.body)
            response.headers.add("X-Method", request.method)
            return response
        case "/slow":
            usleep(1_000_000)
            return .text(200, "slow")
        case "/close":
            var response = HTTPResponse.text(200, "bye")
            response.headers.add("Connection", "close")
            return response
        case "/big":
            return HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: 10_000))
        default:
            return .text(200, "ok \(request.path)")
        }
    }
    server.start()
    return server
}

/// A bare listening socket on 127.0.0.1 with an ephemeral port. Nothing accepts unless a test does it.
final class RawListener: Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw HTTPError(code: "BIND_FAILED", message: "test listener", errno: errno)
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
    }

    deinit { close(fd) }

    /// Accepts one connection (waiting at most `timeout`), or nil.
    func accept(timeout: Double = 5) -> Int32? {
        guard Socket.waitReadable(fd, seconds: timeout) else { return nil }
        let client = Glibc.accept(fd, nil, nil)
        return client >= 0 ? client : nil
    }
}

/// Reads from `fd` until a full header section (requests in these tests carry no body), or nil on EOF/timeout.
func readRequestHead(_ fd: Int32, timeout: Double = 5) -> String? {
    var data: [UInt8] = []
    let deadline = Socket.now() + timeout
    while !data.suffix(4).elementsEqual([13, 10, 13, 10]) {
        guard Socket.waitReadable(fd, seconds: deadline - Socket.now()) else { return nil }
        var byte: UInt8 = 0
        guard recv(fd, &byte, 1, 0) == 1 else { return nil }
        data.append(byte)
    }
    return String(decoding: data, as: UTF8.self)
}
