import Dispatch
import Glibc
import Testing
@testable import YongchainHTTP

/// The fair connection limits (issue 11, item 7), against a real server on 127.0.0.1. Each client address is a
/// different 127.x address; the server sees them as different machines.
@Suite struct ConnectionLimitTests {
    private static let get = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    /// A request whose head never ends: in progress until the test finishes it with `"\r\n"`.
    private static let partial = "GET / HTTP/1.1\r\nHost: t\r\n"

    @Test func idleConnectionsFillingTheServerFromOneAddressDoNotLockOutANewClient() throws {
        let server = try echoServer(limits: HTTPServerLimits(maxConnections: 8))
        defer { server.stop() }
        let idle = try (0..<8).map { _ in try RawConnection(port: server.port, from: "127.0.0.2") }
        #expect(eventually { server.core.connectionCount == 8 })

        let backOffice = try RawConnection(port: server.port, from: "127.0.0.3")
        backOffice.write("GET /back-office HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(backOffice.readResponse())
        #expect(response.status == 200)
        #expect(response.body == Array("ok /back-office".utf8))
        // One idle connection made room, no more.
        #expect(eventually { idle.count(where: \.isClosedByServer) == 1 && server.core.connectionCount == 8 })
    }

    @Test func theLongestIdleConnectionIsTheOneEvicted() throws {
        let server = try echoServer(limits: HTTPServerLimits(maxConnections: 2))
        defer { server.stop() }
        let older = try RawConnection(port: server.port, from: "127.0.0.2")
        let newer = try RawConnection(port: server.port, from: "127.0.0.2")
        // `newer` is idle from its accept; `older` only from its answer, which comes a clock tick later.
        #expect(eventually { server.core.connectionCount == 2 })
        let accepted = Socket.coarseNanoseconds()
        while Socket.coarseNanoseconds() == accepted {}
        older.write(Self.get)
        #expect(older.readResponse()?.status == 200)

        let client = try RawConnection(port: server.port, from: "127.0.0.3")
        client.write(Self.get)
        #expect(client.readResponse()?.status == 200)
        #expect(newer.waitForClose())
        older.write(Self.get)
        #expect(older.readResponse()?.status == 200)
        #expect(server.connectionStats.evicted == 1)
    }

    @Test func thePerAddressCapRefusesTheGreedyAddressAndServesAnother() throws {
        let server = try echoServer(limits: HTTPServerLimits(maxConnections: 32, maxConnectionsPerAddress: 3))
        defer { server.stop() }
        let greedy = try (0..<3).map { _ in try RawConnection(port: server.port, from: "127.0.0.2") }
        for connection in greedy {
            connection.write(Self.get)
            #expect(connection.readResponse()?.status == 200)
        }

        let oneTooMany = try RawConnection(port: server.port, from: "127.0.0.2")
        oneTooMany.write(Self.get)
        let refused = try #require(oneTooMany.readResponse())
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains(#""code":"TOO_MANY_CONNECTIONS_FROM_ADDRESS""#))
        #expect(oneTooMany.waitForClose())

        let other = try RawConnection(port: server.port, from: "127.0.0.3")
        other.write(Self.get)
        #expect(other.readResponse()?.status == 200)
        greedy[0].write(Self.get)
        #expect(greedy[0].readResponse()?.status == 200)
        #expect(server.connectionStats.refusedFromAddress == 1)

        // The cap counts connections held now: once one closes, the address gets one again.
        greedy[0].write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        #expect(greedy[0].readResponse()?.status == 200)
        #expect(eventually { server.core.connectionCount == 3 })
        let again = try RawConnection(port: server.port, from: "127.0.0.2")
        again.write(Self.get)
        #expect(again.readResponse()?.status == 200)
    }

    @Test func aReservedAddressGetsInWhenClientsFillTheServer() throws {
        // A grace long enough that the partial requests below never count as slow.
        let limits = HTTPServerLimits(slowRequestGrace: 60, maxConnections: 4, reservedAddresses: ["127.0.0.5"],
                                      reservedConnections: 1)
        let server = try echoServer(limits: limits)
        defer { server.stop() }
        #expect(server.reservedAddresses == ["127.0.0.5"])
        // Clients hold every unreserved slot with requests in progress, so there is nothing to evict.
        let clients = try ["127.0.0.2", "127.0.0.2", "127.0.0.3"].map { try RawConnection(port: server.port, from: $0) }
        for client in clients { client.write(Self.partial) }
        #expect(eventually { server.core.connectionCount == 3 && server.core.idleConnectionCount == 0 })

        let anotherClient = try RawConnection(port: server.port, from: "127.0.0.4")
        anotherClient.write(Self.get)
        let refused = try #require(anotherClient.readResponse())
        #expect(refused.status == 503)
        #expect(String(decoding: refused.body, as: UTF8.self).contains(#""code":"TOO_MANY_CONNECTIONS""#))

        let peer = try RawConnection(port: server.port, from: "127.0.0.5")
        peer.write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\ngossip")
        let gossip = try #require(peer.readResponse())
        #expect(gossip.status == 200)
        #expect(gossip.body == Array("gossip".utf8))

        for client in clients {
            client.write("\r\n")
            #expect(client.readResponse()?.status == 200)
        }
        #expect(server.connectionStats.refusedAtLimit == 1)
    }

    @Test func aReservedAddressHasItsOwnCapSoALoopbackClusterStillWorks() throws {
        // A cluster on one machine: the peers and every local client are 127.0.0.1, which is reserved.
        let limits = HTTPServerLimits(maxConnections: 16, maxConnectionsPerAddress: 2, reservedAddresses: ["127.0.0.1"],
                                      reservedConnections: 4)
        let server = try echoServer(limits: limits)
        defer { server.stop() }
        let local = try (0..<6).map { _ in try RawConnection(port: server.port, from: "127.0.0.1") }
        for connection in local {
            connection.write(Self.get)
            #expect(connection.readResponse()?.status == 200)
        }
        let capped = HTTPServerLimits(maxConnections: 16, reservedAddresses: ["127.0.0.1"], reservedConnections: 4,
                                      maxConnectionsPerReservedAddress: 1)
        let cappedServer = try echoServer(limits: capped)
        defer { cappedServer.stop() }
        let first = try RawConnection(port: cappedServer.port, from: "127.0.0.1")
        first.write(Self.get)
        #expect(first.readResponse()?.status == 200)
        let second = try RawConnection(port: cappedServer.port, from: "127.0.0.1")
        second.write(Self.get)
        #expect(second.readResponse()?.status == 503)
    }

    @Test func aConnectionInTheMiddleOfARequestThatKeepsUpIsNeverEvicted() throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // A grace long enough that the partial requests below keep up with the minimum rate.
        let server = try HTTPServer(port: 0, limits: HTTPServerLimits(slowRequestGrace: 60, maxConnections: 3)) { request in
            if request.path == "/hold" {
                entered.signal()
                release.wait()
            }
            return .text(200, "ok \(request.path)")
        }
        server.start()
        defer {
            release.signal()
            server.stop()
        }
        // Oldest first: one request half received, one being handled, then one that never sent a byte.
        let receiving = try RawConnection(port: server.port, from: "127.0.0.2")
        receiving.write(Self.partial)
        let handling = try RawConnection(port: server.port, from: "127.0.0.2")
        handling.write("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(entered.wait(timeout: .now() + 5) == .success)
        let silent = try RawConnection(port: server.port, from: "127.0.0.3")
        #expect(eventually { server.core.connectionCount == 3 && server.core.idleConnectionCount == 1 })

        // The newcomer takes the silent one's slot, though the other two are older.
        let newcomer = try RawConnection(port: server.port, from: "127.0.0.4")
        newcomer.write(Self.get)
        #expect(newcomer.readResponse()?.status == 200)
        #expect(silent.waitForClose())

        // With every connection in a request, nothing is evicted: the next one is refused.
        newcomer.write(Self.partial)
        #expect(eventually { server.core.connectionCount == 3 && server.core.idleConnectionCount == 0 })
        let refused = try RawConnection(port: server.port, from: "127.0.0.5")
        refused.write(Self.get)
        #expect(refused.readResponse()?.status == 503)

        release.signal()
        #expect(handling.readResponse()?.body == Array("ok /hold".utf8))
        for connection in [receiving, newcomer] {
            connection.write("\r\n")
            #expect(connection.readResponse()?.status == 200)
        }
        #expect(server.connectionStats.evicted == 1)
    }

    /// Issue 24, item 1: the reserved addresses follow the consortium's members while the server runs. A new one
    /// gets in at once; connections already open keep the class they were admitted with.
    @Test func theReservedAddressesChangeWhileTheServerRuns() throws {
        let limits = HTTPServerLimits(slowRequestGrace: 60, maxConnections: 4, reservedAddresses: ["127.0.0.5"],
                                      reservedConnections: 1)
        let server = try echoServer(limits: limits)
        defer { server.stop() }
        let peer = try RawConnection(port: server.port, from: "127.0.0.5")
        peer.write(Self.partial)
        let clients = try ["127.0.0.2", "127.0.0.3", "127.0.0.4"].map { try RawConnection(port: server.port, from: $0) }
        for client in clients { client.write(Self.partial) }
        #expect(eventually { server.core.connectionCount == 4 && server.core.idleConnectionCount == 0 })
        let before = try RawConnection(port: server.port, from: "127.0.0.6")
        #expect(before.readResponse()?.status == 503)

        // 127.0.0.6's member is admitted and 127.0.0.5's removed.
        #expect(server.setReservedAddresses(["127.0.0.6"]) == ["127.0.0.6"])
        peer.write("Connection: close\r\n\r\n")
        #expect(peer.readResponse()?.status == 200)
        #expect(peer.waitForClose())
        #expect(eventually { server.core.connectionCount == 3 })
        let admitted = try RawConnection(port: server.port, from: "127.0.0.6")
        admitted.write(Self.get)
        #expect(admitted.readResponse()?.status == 200)
        // The three clients still hold the unreserved slots: the removed peer's address is a client's now.
        let removed = try RawConnection(port: server.port, from: "127.0.0.5")
        #expect(removed.readResponse()?.status == 503)
        for client in clients {
            client.write("Connection: close\r\n\r\n")
            #expect(client.readResponse()?.status == 200)
        }
        #expect(eventually { server.core.connectionCount == 1 })
        let again = try RawConnection(port: server.port, from: "127.0.0.5")
        again.write(Self.get)
        #expect(again.readResponse()?.status == 200)
    }

    /// Issue 24, item 2: a request line and then a header line now and then is never idle, but it falls behind the
    /// minimum rate after the grace, and from then on a new client may take its slot as it would an idle one's. A
    /// request that has just started (within the grace) is left alone.
    @Test func aTrickleIsEvictedForANewClientWhenTheServerIsFullAndAFreshRequestIsNot() throws {
        let limits = HTTPServerLimits(minRequestBytesPerSecond: 1_000, slowRequestGrace: 1, maxConnections: 2)
        let server = try echoServer(limits: limits)
        defer { server.stop() }
        let trickle = try RawConnection(port: server.port, from: "127.0.0.2")
        trickle.write(Self.partial)
        // 26 bytes, then one every 200 ms: behind 1,000 bytes a second once the grace is over (about 1.03 s).
        for _ in 0..<8 {
            usleep(200_000)
            trickle.write("X")
        }
        let fresh = try RawConnection(port: server.port, from: "127.0.0.3")
        fresh.write(Self.partial)
        #expect(eventually { server.core.connectionCount == 2 && server.core.idleConnectionCount == 1 })

        let newcomer = try RawConnection(port: server.port, from: "127.0.0.4")
        newcomer.write(Self.get)
        #expect(newcomer.readResponse()?.status == 200)
        let told = try #require(trickle.readResponse())
        #expect(told.status == 408 && String(decoding: told.body, as: UTF8.self).contains("REQUEST_TOO_SLOW"))
        fresh.write("\r\n")
        #expect(fresh.readResponse()?.status == 200)
        #expect(server.connectionStats.evictedSlow == 1 && server.connectionStats.evicted == 0)
    }

    /// Issue 24, item 2: the head (request line and headers) has its own deadline, within the read timeout; the body
    /// may take the rest of the read timeout.
    @Test func aHeadSlowerThanItsDeadlineGets408AndABodyMayTakeTheReadTimeout() throws {
        let server = try echoServer(limits: HTTPServerLimits(readTimeout: 5, requestHeadTimeout: 0.5))
        defer { server.stop() }
        let slowHead = try RawConnection(port: server.port, from: "127.0.0.2")
        let started = Socket.now()
        slowHead.write("GET / HTTP/1.1\r\nHost: t\r\n")
        var timedOut: HTTPResponse?
        for i in 0..<20 where timedOut == nil {
            slowHead.write("X-Line-\(i): 1\r\n")
            timedOut = slowHead.readResponse(timeout: 0.1)
        }
        let response = try #require(timedOut)
        #expect(response.status == 408 && String(decoding: response.body, as: UTF8.self).contains("head was not received within 0.5 s"))
        #expect(Socket.now() - started < 1.5)

        let slowBody = try RawConnection(port: server.port, from: "127.0.0.3")
        slowBody.write("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n")
        for byte in "12345678" {
            usleep(120_000)
            slowBody.write(String(byte))
        }
        let answer = try #require(slowBody.readResponse())
        #expect(answer.status == 200 && answer.body == Array("12345678".utf8))
    }

    @Test func limitsThatCannotWorkAreRefusedAtInit() {
        let bad = [
            HTTPServerLimits(maxConnections: 0),
            HTTPServerLimits(maxConnectionsPerAddress: 0),
            HTTPServerLimits(maxConnections: 8, reservedAddresses: ["127.0.0.1"], reservedConnections: 8),
            HTTPServerLimits(reservedConnections: -1),
            HTTPServerLimits(maxConnectionsPerReservedAddress: 0),
            HTTPServerLimits(maxHandshakesPerAddress: 0),
            HTTPServerLimits(requestHeadTimeout: 0),
            HTTPServerLimits(minRequestBytesPerSecond: 0),
            HTTPServerLimits(slowRequestGrace: -1),
        ]
        for limits in bad {
            let error = #expect(throws: HTTPError.self) { _ = try HTTPServer(port: 0, limits: limits) { _ in .text(200, "") } }
            #expect(error?.code == "INVALID_LIMITS")
        }
        // No reserved address: the reserved slots are not kept, so they may equal the total.
        let server = try? HTTPServer(port: 0, limits: HTTPServerLimits(maxConnections: 8, reservedConnections: 8)) { _ in
            .text(200, "")
        }
        #expect(server != nil)
        server?.stop()
    }
}
