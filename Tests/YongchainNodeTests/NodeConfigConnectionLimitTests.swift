import Foundation
import Testing
import YongchainHTTP
@testable import YongchainNode

/// The `http…` keys of config.json: defaults when absent, the peers as reserved addresses, and a clear error for a
/// value the server could not work with.
@Suite struct NodeConfigConnectionLimitTests {
    private func load(_ json: String) throws -> NodeConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = NodeHome(dir)
        try Data(json.utf8).write(to: URL(fileURLWithPath: home.configPath))
        return try home.loadConfig()
    }

    @Test func absentKeysGiveTheServerDefaultsWithThePeersReserved() throws {
        let config = try load(#"{"moniker": "bank-a", "listen": "127.0.0.1:0", "peers": []}"#)
        let limits = config.httpServerLimits(peerHosts: ["10.0.0.1", "10.0.0.2", "10.0.0.1"])
        var expected = HTTPServerLimits()
        expected.reservedAddresses = ["10.0.0.1", "10.0.0.2"]
        #expect(limits == expected)
    }

    @Test func setKeysOverrideTheDefaults() throws {
        let config = try load(#"""
            {"moniker": "bank-a", "listen": "127.0.0.1:0", "peers": [], "httpMaxConnections": 256,
             "httpMaxConnectionsPerAddress": 16, "httpReservedPeerConnections": 32, "httpMaxConnectionsPerPeerAddress": 8,
             "httpReservedAddresses": ["192.0.2.7"], "httpRequestHeadTimeoutSeconds": 2, "httpMinRequestBytesPerSecond": 512}
            """#)
        let limits = config.httpServerLimits(peerHosts: ["10.0.0.1"])
        #expect(limits.requestHeadTimeout == 2)
        #expect(limits.minRequestBytesPerSecond == 512)
        #expect(limits.maxConnections == 256)
        #expect(limits.maxConnectionsPerAddress == 16)
        #expect(limits.reservedConnections == 32)
        #expect(limits.maxConnectionsPerReservedAddress == 8)
        #expect(limits.reservedAddresses == ["10.0.0.1", "192.0.2.7"])
    }

    /// Issue 24, item 1: the reserved slots follow the hosts the node hands over (the members' nodes after each
    /// commit that changes them), looked up off the caller's thread.
    @Test func theReservedSlotsFollowTheHostsTheyAreGiven() throws {
        let server = try HTTPServer(port: 0, limits: HTTPServerLimits(reservedAddresses: ["127.0.0.5"])) { _ in .text(200, "") }
        defer { server.stop() }
        let slots = ReservedSlots(hosts: ["127.0.0.5"], logger: Logger(level: .error))
        slots.attach(server)
        defer { slots.stop() }
        slots.setHosts(["127.0.0.6", "127.0.0.7", "127.0.0.6"])
        let deadline = Date().addingTimeInterval(5)
        while server.reservedAddresses != ["127.0.0.6", "127.0.0.7"] && Date() < deadline { usleep(10_000) }
        #expect(server.reservedAddresses == ["127.0.0.6", "127.0.0.7"])
    }

    @Test func aLimitTheServerCannotWorkWithStopsTheNodeAtLoad() throws {
        let cases = [
            (#""httpMaxConnections": 0"#, "httpMaxConnections must be 1 to 65536, got 0"),
            (#""httpMaxConnectionsPerAddress": 2000"#, "httpMaxConnectionsPerAddress must be 1 to httpMaxConnections (1024), got 2000"),
            (#""httpMaxConnections": 32"#, "httpReservedPeerConnections must be 0 to httpMaxConnections - 1 (31)"),
            (#""httpReservedPeerConnections": -1"#, "httpReservedPeerConnections must be 0 to httpMaxConnections - 1 (1023), got -1"),
            (#""httpMaxConnectionsPerPeerAddress": 0"#, "httpMaxConnectionsPerPeerAddress must be 1 to httpMaxConnections (1024), got 0"),
            (#""httpReservedAddresses": ["http://10.0.0.1:26601"]"#, "httpReservedAddresses must be IP addresses or host names"),
            (#""httpRequestHeadTimeoutSeconds": 11"#, "httpRequestHeadTimeoutSeconds must be 1 to 10 (the whole request's time), got 11"),
            (#""httpMinRequestBytesPerSecond": 0"#, "httpMinRequestBytesPerSecond must be 1 to 1048576, got 0"),
        ]
        for (key, message) in cases {
            let error = #expect(throws: NodeError.self) {
                try load(#"{"moniker": "bank-a", "listen": "127.0.0.1:0", "peers": [], "# + key + "}")
            }
            #expect(error?.code == "CONFIG_INVALID")
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        }
    }
}
