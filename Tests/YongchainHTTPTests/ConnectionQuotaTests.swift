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
        quota.add(a)
        #expect(quota.decide(a) == .admit)
        quota.add(a)
        #expect(quota.decide(a) == .refuseAddress)
        quota.add(b)
        #expect(quota.decide(a) == .refuseAddress)
        // With no reserved address every connection is unreserved.
        #expect(quota.decide(b) == .evictIdle(includingReserved: false))
        quota.remove(a)
        #expect(quota.decide(a) == .admit)
        #expect(quota.total == 2)
    }

    @Test func reservedSlotsAreForReservedAddressesOnly() {
        let limits = HTTPServerLimits(maxConnections: 4, reservedConnections: 2, maxConnectionsPerReservedAddress: 3)
        var quota = ConnectionQuota(limits: limits, reserved: [peer])
        quota.add(a)
        quota.add(b)
        // Unreserved slots are full: only an unreserved connection's leaving makes room for a client.
        #expect(quota.decide(a) == .evictIdle(includingReserved: false))
        #expect(quota.decide(peer) == .admit)
        quota.add(peer)
        quota.add(peer)
        #expect(quota.decide(peer) == .evictIdle(includingReserved: true))
        quota.remove(b)
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
}
