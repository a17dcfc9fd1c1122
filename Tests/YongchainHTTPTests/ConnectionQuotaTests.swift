import Testing
@testable import YongchainHTTP

/// The admission rules alone, with no sockets.
@Suite struct ConnectionQuotaTests {
    private let a = ClientAddress.resolving("10.0.0.1")[0]
    private let b = ClientAddress.resolving("10.0.0.2")[0]
    private let peer = ClientAddress.resolving("10.0.0.9")[0]

    @Test func anIPv4AddressEqualsItsMappedIPv6Form() {
        #expect(ClientAddress.resolving("::ffff:10.0.0.1") == [a])
        #expect(a.description == "10.0.0.1")
        #expect(ClientAddress.resolving("::1").map(\.description) == ["::1"])
        #expect(ClientAddress.resolving("::1") != ClientAddress.resolving("127.0.0.1"))
    }

    @Test func theAddressCapComesBeforeTheTotal() {
        var quota = ConnectionQuota(limits: HTTPServerLimits(maxConnections: 3, maxConnectionsPerAddress: 2),
                                    reserved: [])
        let (first, _) = quota.add(a)
        #expect(quota.decide(a) == .admit)
        quota.add(a)
        #expect(quota.decide(a) == .refuseAddress)
        quota.add(b)
        #expect(quota.decide(a) == .refuseAddress)
        // With no reserved address every connection is unreserved.
        #expect(quota.decide(b) == .evictIdle(includingReserved: false))
        quota.remove(first, handshake: .none)
        #expect(quota.decide(a) == .admit)
        #expect(quota.total == 2)
    }

    @Test func reservedSlotsAreForReservedAddressesOnly() {
        let limits = HTTPServerLimits(maxConnections: 4, reservedConnections: 2, maxConnectionsPerReservedAddress: 3)
        var quota = ConnectionQuota(limits: limits, reserved: [peer])
        quota.add(a)
        let (fromB, _) = quota.add(b)
        // Unreserved slots are full: only an unreserved connection's leaving makes room for a client.
        #expect(quota.decide(a) == .evictIdle(includingReserved: false))
        #expect(quota.decide(peer) == .admit)
        quota.add(peer)
        quota.add(peer)
        #expect(quota.decide(peer) == .evictIdle(includingReserved: true))
        quota.remove(fromB, handshake: .none)
        // A peer holding slots beyond the reserved ones leaves a client only what is free in total.
        quota.add(peer)
        #expect(quota.decide(peer) == .refuseAddress)
        #expect(quota.decide(b) == .evictIdle(includingReserved: true))
        #expect(quota.fromUnreserved == 1)
    }

    @Test func noSlotIsKeptWhenNoAddressIsReserved() {
        var quota = ConnectionQuota(limits: HTTPServerLimits(maxConnections: 2, reservedConnections: 1), reserved: [])
        quota.add(a)
        #expect(quota.decide(b) == .admit)
    }

    // MARK: - TLS handshakes (issue 24, item 1)

    @Test func anAddressPastItsHandshakeCapWaitsInsideItsConnectionCap() {
        let limits = HTTPServerLimits(maxConnectionsPerAddress: 3, maxHandshakesPerAddress: 2)
        var quota = ConnectionQuota(limits: limits, reserved: [])
        let (first, started) = quota.add(a, handshake: true)
        #expect(started == .inProgress)
        quota.add(a, handshake: true)
        // The third handshake is admitted as a connection but does not start: it waits for its address's turn.
        #expect(quota.decide(a, handshake: true) == .admit)
        let (third, waits) = quota.add(a, handshake: true)
        #expect(waits == .waiting)
        #expect(quota.handshakes(from: a) == 2 && quota.unreservedHandshakes == 2)
        // Waiting or not, a handshake is a connection of its address: the fourth is refused.
        #expect(quota.decide(a, handshake: true) == .refuseAddress)
        // Another address is not held up by it.
        let (_, fromB) = quota.add(b, handshake: true)
        #expect(fromB == .inProgress)
        // Nothing to start until one of a's handshakes ends; then the waiting one takes its place.
        let early = quota.startWaitingHandshake(third)
        #expect(!early)
        quota.endHandshake(first)
        let started3 = quota.startWaitingHandshake(third)
        #expect(started3)
        #expect(quota.handshakes(from: a) == 2 && quota.unreservedHandshakes == 3)
    }

    @Test func unreservedHandshakesBeyondTheTotalEvictTheOldestAndReservedOnesAreNotCounted() {
        let limits = HTTPServerLimits(maxConnections: 64, reservedConnections: 8, maxHandshakesInProgress: 2,
                                      maxHandshakesPerAddress: 2)
        var quota = ConnectionQuota(limits: limits, reserved: [peer])
        quota.add(a, handshake: true)
        quota.add(b, handshake: true)
        #expect(quota.decide(b, handshake: true) == .evictHandshake)
        // A plain connection needs no handshake slot; a reserved address's handshake takes none.
        #expect(quota.decide(b) == .admit)
        for _ in 0..<10 {
            #expect(quota.decide(peer, handshake: true) == .admit)
            let (_, handshake) = quota.add(peer, handshake: true)
            #expect(handshake == .inProgress)
        }
        #expect(quota.unreservedHandshakes == 2)
        // An address at its own handshake cap waits rather than evict someone else's handshake.
        quota.add(a, handshake: true)
        #expect(quota.decide(a, handshake: true) == .admit)
        let (_, last) = quota.add(a, handshake: true)
        #expect(last == .waiting)
    }

    @Test func aWaitingHandshakeDoesNotStartPastTheTotal() {
        let limits = HTTPServerLimits(maxHandshakesInProgress: 2, maxHandshakesPerAddress: 1)
        var quota = ConnectionQuota(limits: limits, reserved: [])
        let (first, _) = quota.add(a, handshake: true)
        let (waiting, _) = quota.add(a, handshake: true)
        quota.add(b, handshake: true)
        // b's connection evicted a's handshake, and a newcomer took the slot it freed: a's waiting one must wait on.
        quota.remove(first, handshake: .inProgress)
        quota.add(ClientAddress.resolving("10.0.0.3")[0], handshake: true)
        let started = quota.startWaitingHandshake(waiting)
        #expect(!started)
        #expect(quota.unreservedHandshakes == 2)
    }

    @Test func aConnectionKeepsItsClassWhenTheReservedSetChanges() {
        let limits = HTTPServerLimits(maxConnections: 4, reservedConnections: 2, maxHandshakesInProgress: 1)
        var quota = ConnectionQuota(limits: limits, reserved: [peer])
        let (peerConnection, _) = quota.add(peer, handshake: true)
        let (client, _) = quota.add(a, handshake: true)
        #expect(peerConnection.reserved && !client.reserved)
        // The consortium removes the peer's member and admits a's: new connections follow the new set at once.
        quota.setReserved([a])
        #expect(quota.decide(peer, handshake: true) == .evictHandshake)
        #expect(quota.decide(a, handshake: true) == .admit)
        // Old connections leave with the class they came with: every count returns to zero.
        quota.remove(peerConnection, handshake: .inProgress)
        quota.remove(client, handshake: .inProgress)
        #expect(quota.total == 0 && quota.fromUnreserved == 0 && quota.unreservedHandshakes == 0)
        #expect(quota.handshakes(from: a) == 0 && quota.connections(from: peer) == 0)
    }

    // MARK: - Slow requests (issue 24, item 2)

    @Test func aRequestHasAHeadDeadlineWithinItsReadDeadline() {
        let limits = HTTPServerLimits(readTimeout: 10, requestHeadTimeout: 5)
        #expect(limits.requestDeadline(startedAt: 1_000, headComplete: false) == 1_000 + 5_000_000_000)
        #expect(limits.requestDeadline(startedAt: 1_000, headComplete: true) == 1_000 + 10_000_000_000)
        let longHead = HTTPServerLimits(readTimeout: 2, requestHeadTimeout: 5)
        #expect(longHead.requestDeadline(startedAt: 0, headComplete: false) == 2_000_000_000)
    }

    @Test func aRequestIsSlowOnceItFallsBehindTheMinimumRateAfterTheGrace() {
        let limits = HTTPServerLimits(minRequestBytesPerSecond: 1_000, slowRequestGrace: 1)
        let second: Int64 = 1_000_000_000
        // A request line and a header line (40 bytes) in its first second: slow from 1.04 s on.
        #expect(limits.slowFrom(startedAt: 0, received: 40) == second + 40_000_000)
        // One 30-byte header line a second never catches up: at 10 s it is slow since 1.34 s.
        #expect(limits.slowFrom(startedAt: 0, received: 40 + 9 * 30) < 2 * second)
        // 10,000 bytes by 9 s: not slow before 11 s.
        #expect(limits.slowFrom(startedAt: 0, received: 10_000) == 11 * second)
    }
}
