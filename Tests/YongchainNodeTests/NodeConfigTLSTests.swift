import Foundation
import Testing
@testable import YongchainNode

/// The `tls` key of config.json: plain HTTP only when a config says so, a clear error for anything but on/off.
@Suite struct NodeConfigTLSTests {
    private func load(_ json: String) throws -> NodeConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let home = NodeHome(dir)
        try Data(json.utf8).write(to: URL(fileURLWithPath: home.configPath))
        return try home.loadConfig()
    }

    @Test func absentMeansOnAndOnlyAnExplicitOffIsPlain() throws {
        #expect(try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": []}"#).tlsEnabled)
        #expect(try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tls": "on"}"#).tlsEnabled)
        #expect(try !load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tls": "off"}"#).tlsEnabled)
    }

    @Test func anythingButOnOrOffStopsTheNodeAtLoad() throws {
        for value in [#""yes""#, #""OFF""#, #""""#] {
            let error = #expect(throws: NodeError.self) {
                try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tls": \#(value)}"#)
            }
            #expect(error?.code == "CONFIG_INVALID")
            #expect(error?.message.contains("tls must be \"on\" or \"off\"") == true, "\(value): \(String(describing: error))")
        }
        #expect(throws: NodeError.self) { try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tls": true}"#) }
    }

    @Test func aConfigWrittenByCodeSaysItsTransportExplicitly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NodeConfig(moniker: "a", listen: "127.0.0.1:0").write(path: dir + "/plain.json")
        try NodeConfig(moniker: "a", listen: "127.0.0.1:0", tls: true).write(path: dir + "/tls.json")
        #expect(try String(contentsOfFile: dir + "/plain.json", encoding: .utf8).contains(#""tls" : "off""#))
        #expect(try String(contentsOfFile: dir + "/tls.json", encoding: .utf8).contains(#""tls" : "on""#))
    }
}
