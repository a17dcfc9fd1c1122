import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing
@testable import YongchainHTTP

/// TLS handshakes in the connection limits (issue 24, item 1), against a real server: half-open handshakes are
/// capped per address inside its connection cap, a full pool gives way to a newcomer, and reserved addresses (the
/// members' nodes) are not held back by it. Each client address is a different 127.x address.
@Suite struct HandshakeAdmissionTests {
    /// A TLS record header announcing 512 bytes of handshake, which never follow.
    private static let halfOpen: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00]

    /// `count` connections from `source` that start a handshake and never finish it: they send `first` (by default
    /// nothing, so that a worker never has them: eviction passes over a connection whose bytes wait in the kernel).
    private func halfOpen(_ port: UInt16, from source: String, _ count: Int, sending first: [UInt8] = []) throws -> [RawConnection] {
        try (0..<count).map { _ in
            let connection = try RawConnection(port: port, from: source)
            if !first.isEmpty { connection.write(first) }
            return connection
        }
    }

    @Test func aFullHandshakePoolGivesWayToANewClientAndNeverHoldsBackAReservedPeer() throws {
        let limits = HTTPServerLimits(reservedAddresses: ["127.0.0.5"], reservedConnections: 8,
                                      maxHandshakesInProgress: 8, maxHandshakesPerAddress: 4, handshakeTimeout: 10)
        let server = try summaryServer(limits: limits, transport: TLSServerTests.serverTransport())
        defer { server.stop() }
        let flood = try halfOpen(server.port, from: "127.0.0.2", 4) + halfOpen(server.port, from: "127.0.0.3", 4)
        #expect(eventually { server.tlsStats?.inProgress == 8 })

        // A newcomer's handshake closes one of the flood's (one in progress longest) and completes.
        let client = try TLSTestConnection(port: server.port, from: "127.0.0.4", transport: TLSServerTests.pinningClient())
        #expect(client.write(Array("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)))
        #expect(splitResponses(client.readUntilClosed().bytes).first?.0 == 200)
        #expect(eventually { flood.count(where: \.isClosedByServer) == 1 })
        let standing = flood.filter { !$0.isClosedByServer }
        #expect(server.tlsStats?.refusedAtLimit == 0)

        // The pool full again: a member's node, connecting from a reserved address, starts as many handshakes as it
        // likes (its slots bound it), and completes one.
        let refill = try halfOpen(server.port, from: "127.0.0.4", 1)
        #expect(eventually { server.tlsStats?.inProgress == 8 })
        let peerHalfOpen = try halfOpen(server.port, from: "127.0.0.5", 6)
        #expect(eventually { server.tlsStats?.inProgress == 14 })
        let peer = try TLSTestConnection(port: server.port, from: "127.0.0.5", transport: TLSServerTests.pinningClient())
        #expect(peer.write(Array("GET /y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)))
        #expect(splitResponses(peer.readUntilClosed().bytes).first?.0 == 200)
        #expect((standing + refill + peerHalfOpen).allSatisfy { !$0.isClosedByServer })
    }

    @Test func anAddressPastItsHandshakeCapWaitsItsTurnInsteadOfBeingRefused() throws {
        let limits = HTTPServerLimits(maxHandshakesPerAddress: 2, handshakeTimeout: 10)
        let server = try summaryServer(limits: limits, transport: TLSServerTests.serverTransport())
        defer { server.stop() }
        let held = try halfOpen(server.port, from: "127.0.0.2", 2, sending: Self.halfOpen)
        #expect(eventually { server.tlsStats?.inProgress == 2 })

        // A real client from the same address: admitted, but its handshake waits for one of the two to end.
        let status = Mutex<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let connection = try? TLSTestConnection(port: server.port, from: "127.0.0.2",
                                                    transport: TLSServerTests.pinningClient(), timeout: 8)
            if let connection, connection.write(Array("GET /z HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)) {
                status.withLock { $0 = splitResponses(connection.readUntilClosed().bytes).first?.0 }
            }
            done.signal()
        }
        #expect(eventually { server.connectionStats.open == 3 })
        #expect(done.wait(timeout: .now() + 0.5) == .timedOut, "the third handshake did not wait")
        #expect(server.tlsStats?.inProgress == 2)
        // Another address is not held up by it.
        let other = try TLSTestConnection(port: server.port, from: "127.0.0.3", transport: TLSServerTests.pinningClient())
        #expect(other.write(Array("GET /o HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)))
        #expect(splitResponses(other.readUntilClosed().bytes).first?.0 == 200)

        // One of the address's handshakes ends (its client gives up): the waiting one starts and completes.
        _ = shutdown(held[0].fd, Int32(SHUT_RDWR))
        #expect(done.wait(timeout: .now() + 8) == .success)
        #expect(status.withLock { $0 } == 200)
        #expect(server.tlsStats?.refusedAtLimit == 0 && server.connectionStats.refusedFromAddress == 0)
    }
}
