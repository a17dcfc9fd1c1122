import Foundation
import Glibc
import Synchronization
import Testing
@testable import YongchainHTTP

@Suite struct HTTPClientTests {
    @Test func reusesOneConnectionForSequentialRequests() throws {
        let server = try echoServer()
        defer { server.stop() }
        let client = HTTPClient()
        for i in 0..<20 {
            let response = try client.send("POST", host: "127.0.0.1", port: server.port, path: "/echo",
                                           headers: [("X-N", "\(i)")], body: Array("body \(i)".utf8))
            #expect(response.status == 200)
            #expect(response.body == Array("body \(i)".utf8))
            #expect(response.headers["x-method"] == "POST")
        }
        let head = try client.send("HEAD", host: "127.0.0.1", port: server.port, path: "/big")
        #expect(head.headers["Content-Length"] == "10000" && head.body.isEmpty)
        let after = try client.send("GET", url: "http://127.0.0.1:\(server.port)/after?x=1")
        #expect(after.body == Array("ok /after".utf8))
        #expect(server.core.counts.accepted.load(ordering: .relaxed) == 1)
        #expect(client.idleConnectionCount == 1)
    }

    @Test func aConnectionTheServerClosesIsNotReused() throws {
        let server = try echoServer(limits: HTTPServerLimits(idleTimeout: 0.2))
        defer { server.stop() }
        let client = HTTPClient()
        let close = try client.send("GET", host: "127.0.0.1", port: server.port, path: "/close")
        #expect(close.body == Array("bye".utf8))
        #expect(client.idleConnectionCount == 0)

        _ = try client.send("GET", host: "127.0.0.1", port: server.port, path: "/")
        #expect(client.idleConnectionCount == 1)
        #expect(eventually { server.core.connectionCount == 0 })  // the server's idle timeout closed it
        let again = try client.send("GET", host: "127.0.0.1", port: server.port, path: "/again")
        #expect(again.status == 200)
        #expect(server.core.counts.accepted.load(ordering: .relaxed) == 3)
    }

    @Test func retriesOnceWhenAPooledConnectionClosesWithoutAnswering() throws {
        let listener = try RawListener()
        let client = HTTPClient()
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let requestsSeen = Atomic<Int>(0)
        let fake = Thread {
            // Connection 1: answer once, then read the second request and close without a byte of answer.
            guard let first = listener.accept() else { return }
            if readRequestHead(first) != nil { requestsSeen.add(1, ordering: .relaxed) }
            _ = Socket.sendAll(first, Array(ok.utf8), timeout: 5)
            if readRequestHead(first) != nil { requestsSeen.add(1, ordering: .relaxed) }
            close(first)
            // Connection 2: the retry.
            guard let second = listener.accept() else { return }
            if readRequestHead(second) != nil { requestsSeen.add(1, ordering: .relaxed) }
            _ = Socket.sendAll(second, Array(ok.utf8), timeout: 5)
            _ = readRequestHead(second, timeout: 1)
            close(second)
        }
        fake.start()
        #expect(try client.send("GET", host: "127.0.0.1", port: listener.port, path: "/1").body == Array("ok".utf8))
        #expect(try client.send("GET", host: "127.0.0.1", port: listener.port, path: "/2").body == Array("ok".utf8))
        let seen = requestsSeen.load(ordering: .relaxed)
        #expect(seen == 3)
    }

    @Test func aFreshConnectionClosedWithoutAnswerIsNotRetried() throws {
        let listener = try RawListener()
        let served = DispatchSemaphore(value: 0)
        let fake = Thread {
            if let fd = listener.accept(timeout: 5) {
                _ = readRequestHead(fd)
                close(fd)
            }
            served.signal()
        }
        fake.start()
        let client = HTTPClient()
        #expect {
            _ = try client.send("POST", host: "127.0.0.1", port: listener.port, path: "/tx", body: [1, 2, 3])
        } throws: { ($0 as? HTTPError)?.code == "CONNECTION_CLOSED" }
        #expect(served.wait(timeout: .now() + 5) == .success)
        // `send` connects synchronously: a retry would already sit completed in the listener's backlog.
        let retry = listener.accept(timeout: 0)
        #expect(retry == nil, "the client opened a second connection")
        if let retry { close(retry) }
    }

    @Test func timesOutAgainstAServerThatNeverAnswers() throws {
        let listener = try RawListener()  // the kernel completes the handshake; nobody ever reads
        let client = HTTPClient()
        let started = Socket.now()
        #expect {
            _ = try client.send("GET", host: "127.0.0.1", port: listener.port, path: "/", timeout: 0.3)
        } throws: { ($0 as? HTTPError)?.code == "TIMEOUT" }
        let elapsed = Socket.now() - started
        #expect(elapsed >= 0.25 && elapsed < 2, "timed out after \(elapsed) s")
    }

    @Test func reportsConnectFailedQuicklyForAClosedPort() throws {
        let port = try RawListener().port  // bound, then closed on deinit: nothing listens there now
        let client = HTTPClient()
        let started = Socket.now()
        do {
            _ = try client.send("GET", host: "127.0.0.1", port: port, path: "/")
            Issue.record("connected to a closed port")
        } catch let error as HTTPError {
            #expect(error.code == "CONNECT_FAILED")
            #expect(error.errno == ECONNREFUSED)
            #expect(error.description.contains("127.0.0.1:\(port)"))
        }
        #expect(Socket.now() - started < 1)
    }

    @Test func refusesResponsesOverTheLimit() throws {
        let server = try echoServer()
        defer { server.stop() }
        let client = HTTPClient(options: HTTPClientOptions(maxResponseBytes: 1000))
        #expect {
            _ = try client.send("GET", host: "127.0.0.1", port: server.port, path: "/big")
        } throws: { ($0 as? HTTPError)?.code == "RESPONSE_TOO_LARGE" }
    }

    @Test func rejectsRequestsThatCannotBeSentSafely() {
        let client = HTTPClient()
        #expect {
            _ = try client.send("GET", host: "127.0.0.1", port: 1, path: "/", headers: [("X", "a\r\nInjected: 1")])
        } throws: { ($0 as? HTTPError)?.code == "INVALID_REQUEST" }
        #expect {
            _ = try client.send("GET", host: "127.0.0.1", port: 1, path: "/a b")
        } throws: { ($0 as? HTTPError)?.code == "INVALID_REQUEST" }
        #expect {
            _ = try client.send("GET", url: "https://node1/")
        } throws: { ($0 as? HTTPError)?.code == "INVALID_URL" }
    }

    @Test func parsesURLs() throws {
        #expect(try HTTPClient.parseURL("http://127.0.0.1:8080/v1/x?y=1") == ("127.0.0.1", 8080, "/v1/x?y=1"))
        #expect(try HTTPClient.parseURL("HTTP://Node1") == ("node1", 80, "/"))
        #expect(try HTTPClient.parseURL("http://[::1]:9/a") == ("::1", 9, "/a"))
        #expect(try HTTPClient.parseURL("http://h:1?q") == ("h", 1, "/?q"))
        for bad in ["ftp://h/", "http://", "http://h:0/", "http://h:99999/", "http://h:x/", "http://[::1/", "node1:80"] {
            #expect(throws: HTTPError.self, "\(bad)") { _ = try HTTPClient.parseURL(bad) }
        }
    }
}
