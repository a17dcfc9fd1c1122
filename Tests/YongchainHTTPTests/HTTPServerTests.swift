import Foundation
import Glibc
import Synchronization
import Testing
@testable import YongchainHTTP
import YongchainTestSupport

@Suite struct HTTPServerTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let server = try echoServer()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        for i in 0..<100 {
            connection.write("GET /n\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(connection.readResponse())
            #expect(response.status == 200)
            #expect(response.body == Array("ok /n\(i)".utf8))
            #expect(response.headers["Content-Length"] == "\(response.body.count)")
            #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
        }
        #expect(server.core.counts.accepted.load(ordering: .relaxed) == 1)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try echoServer()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write((0..<20).map { "GET /p\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
        for i in 0..<20 {
            let response = try #require(connection.readResponse())
            #expect(response.body == Array("ok /p\(i)".utf8))
        }
    }

    @Test func concurrentClientsAllGetTheirOwnAnswers() throws {
        let server = try echoServer()
        defer { server.stop() }
        let client = HTTPClient(options: HTTPClientOptions(maxIdlePerHost: 32))
        let failures = Atomic<Int>(0)
        let port = server.port
        onThreads(32) { t in
            for i in 0..<50 {
                let body = Array("t\(t)-r\(i)".utf8)
                let response = try? client.send("POST", host: "127.0.0.1", port: port, path: "/echo", body: body)
                if response?.status != 200 || response?.body != body { failures.add(1, ordering: .relaxed) }
            }
        }
        let failed = failures.load(ordering: .relaxed)
        #expect(failed == 0)
        // Connections were reused: never more than one per concurrent caller.
        #expect(server.core.counts.accepted.load(ordering: .relaxed) <= 32)
    }

    @Test func oversizedBodyGets413AndTheConnectionCloses() throws {
        let server = try echoServer(limits: HTTPServerLimits(maxBodyBytes: 1024))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n")
        connection.write([UInt8](repeating: 0x78, count: 200_000))
        let response = try #require(connection.readResponse())
        #expect(response.status == 413)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""code":"BODY_TOO_LARGE""#))
        #expect(response.headers["Connection"] == "close")
        #expect(connection.waitForClose())
    }

    @Test func slowPartialRequestGets408AfterTheReadTimeout() throws {
        let server = try echoServer(limits: HTTPServerLimits(readTimeout: 0.3))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        let started = Socket.now()
        connection.write("GET / HTTP/1.1\r\nHost: t\r\n")  // never finished
        let response = try #require(connection.readResponse(timeout: 5))
        let elapsed = Socket.now() - started
        #expect(response.status == 408)
        #expect(elapsed >= 0.25 && elapsed < 3, "408 after \(elapsed) s")
        #expect(connection.waitForClose())
    }

    @Test func idleKeepAliveConnectionClosesSilently() throws {
        let server = try echoServer(limits: HTTPServerLimits(readTimeout: 5, idleTimeout: 0.3))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(connection.readResponse()?.status == 200)
        // No 408 on an idle connection: the next thing we see is the close.
        #expect(connection.readResponse(timeout: 5) == nil)
        #expect(eventually { server.core.connectionCount == 0 })
    }

    @Test func connectionsBeyondTheLimitGet503WhenNoneIsIdle() throws {
        let server = try echoServer(limits: HTTPServerLimits(maxConnections: 2))
        defer { server.stop() }
        let first = try RawConnection(port: server.port)
        let second = try RawConnection(port: server.port)
        for connection in [first, second] {
            connection.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(connection.readResponse()?.status == 200)
            connection.write("GET / HTTP/1.1\r\n")  // a request in progress: not idle, so not evicted
        }
        #expect(eventually { server.core.idleConnectionCount == 0 })
        let third = try RawConnection(port: server.port)
        third.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let refused = try #require(third.readResponse())
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("TOO_MANY_CONNECTIONS"))
        #expect(third.waitForClose())

        // Once a slot frees up, new connections are served again.
        first.write("Host: t\r\nConnection: close\r\n\r\n")
        #expect(first.readResponse()?.status == 200)
        #expect(eventually { server.core.connectionCount < 2 })
        let fourth = try RawConnection(port: server.port)
        fourth.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(fourth.readResponse()?.status == 200)
    }

    @Test func garbageGets400AndOthersAreStillServed() throws {
        let server = try echoServer()
        defer { server.stop() }
        let bad = try RawConnection(port: server.port)
        bad.write([0x00, 0xFF, 0x13] + Array("garbage\r\n\r\n".utf8))
        let response = try #require(bad.readResponse())
        #expect(response.status == 400)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(bad.waitForClose())

        var rng = SplitMix64(seed: 7)
        for _ in 0..<20 {
            let hostile = try RawConnection(port: server.port)
            hostile.write((0..<Int.random(in: 1...2000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                + Array("\r\n\r\n".utf8))
            _ = hostile.readResponse(timeout: 2)
        }

        let good = try RawConnection(port: server.port)
        good.write("GET /still-here HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(good.readResponse()?.body == Array("ok /still-here".utf8))
    }

    @Test func stopReturnsPromptlyWithIdleKeepAliveConnections() throws {
        let server = try echoServer()  // default 60 s idle timeout
        let connections = try (0..<5).map { _ in try RawConnection(port: server.port) }
        for connection in connections {
            connection.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(connection.readResponse()?.status == 200)
        }
        let started = Socket.now()
        server.stop()
        #expect(Socket.now() - started < 1)
        for connection in connections { #expect(connection.waitForClose(timeout: 1)) }
        server.stop()  // idempotent
        #expect(throws: HTTPError.self) { _ = try RawConnection(port: server.port) }
    }

    @Test func aBlockingHandlerDoesNotDelayOtherConnections() throws {
        // The slow handler holds its worker until the test lets it go, after every fast request was answered.
        let slowStarted = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let server = try HTTPServer(port: 0) { request in
            guard request.path == "/slow" else { return .text(200, "fast") }
            slowStarted.store(true, ordering: .sequentiallyConsistent)
            _ = release.wait(timeout: .now() + 10)
            return .text(200, "slow")
        }
        server.start()
        defer { server.stop() }
        let port = server.port
        let slowAnswered = Atomic<Bool>(false)
        let slowDone = DispatchSemaphore(value: 0)
        let slow = Thread {
            let response = try? HTTPClient().send("GET", host: "127.0.0.1", port: port, path: "/slow")
            slowAnswered.store(response?.status == 200, ordering: .sequentiallyConsistent)
            slowDone.signal()
        }
        slow.start()
        let started = eventually { slowStarted.load(ordering: .sequentiallyConsistent) }
        #expect(started)
        let client = HTTPClient()
        var fast = 0
        for _ in 0..<20 where (try? client.send("GET", host: "127.0.0.1", port: port, path: "/fast", timeout: 5))?.status == 200 { fast += 1 }
        #expect(fast == 20, "fast requests answered while the slow handler blocked")
        release.signal()
        #expect(slowDone.wait(timeout: .now() + 10) == .success)
        let answered = slowAnswered.load(ordering: .sequentiallyConsistent)
        #expect(answered)
    }

    @Test func manyBlockingHandlersRunAtOnce() throws {
        // More blocked handlers than cores: the pool must grow rather than queue them behind each other (which
        // would take at least 8 s / cores = 4 s here).
        let server = try echoServer()
        defer { server.stop() }
        let port = server.port
        let started = Socket.now()
        let ok = Atomic<Int>(0)
        onThreads(8) { _ in
            let response = try? HTTPClient().send("GET", host: "127.0.0.1", port: port, path: "/slow", timeout: 5)
            if response?.status == 200 { ok.add(1, ordering: .relaxed) }
        }
        let elapsed = Socket.now() - started
        let completed = ok.load(ordering: .relaxed)
        #expect(completed == 8)
        #expect(elapsed < 3, "8 one-second handlers took \(elapsed) s: they ran in series")
    }

    @Test func headGetsLengthButNoBody() throws {
        let server = try echoServer()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("HEAD /big HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try #require(connection.readResponse(isHead: true))
        #expect(head.headers["Content-Length"] == "10000")
        #expect(head.body.isEmpty)
        // If a body had been sent, this response would be parsed out of it and fail.
        connection.write("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(connection.readResponse()?.body == Array("ok /after".utf8))
    }

    @Test func connectionCloseIsHonouredBothWays() throws {
        let server = try echoServer()
        defer { server.stop() }
        let asked = try RawConnection(port: server.port)
        asked.write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(asked.readResponse()?.headers["Connection"] == "close")
        #expect(asked.waitForClose())

        let handlerCloses = try RawConnection(port: server.port)
        handlerCloses.write("GET /close HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(handlerCloses.readResponse()?.headers["Connection"] == "close")
        #expect(handlerCloses.waitForClose())

        let old = try RawConnection(port: server.port)
        old.write("GET / HTTP/1.0\r\n\r\n")
        #expect(old.readResponse()?.status == 200)
        #expect(old.waitForClose())

        let oldKeepAlive = try RawConnection(port: server.port)
        oldKeepAlive.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(oldKeepAlive.readResponse()?.headers["Connection"] == "keep-alive")
        oldKeepAlive.write("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(oldKeepAlive.readResponse()?.body == Array("ok /again".utf8))
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        let server = try echoServer()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        #expect(Socket.waitReadable(connection.fd, seconds: 5))
        var interim = [UInt8](repeating: 0, count: 25)
        let n = interim.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, Int32(MSG_WAITALL)) }
        #expect(n == 25 && interim == Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        connection.write("data")
        #expect(connection.readResponse()?.body == Array("data".utf8))
    }

    @Test func bindingABusyPortFailsWithErrno() throws {
        let server = try echoServer()
        defer { server.stop() }
        do {
            _ = try HTTPServer(port: server.port) { _ in .text(200, "") }
            Issue.record("second bind succeeded")
        } catch let error as HTTPError {
            #expect(error.code == "BIND_FAILED")
            #expect(error.errno == EADDRINUSE)
        }
    }
}
