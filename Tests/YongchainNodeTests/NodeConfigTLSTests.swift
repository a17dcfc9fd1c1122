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

    @Test func handshakeLimitsReachTheServerAndOutOfRangeOnesStopTheNode() throws {
        let config = try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tlsMaxHandshakesInProgress": 32, "tlsMaxHandshakesPerAddress": 4, "tlsHandshakeTimeoutSeconds": 3}"#)
        let limits = config.httpServerLimits(peerHosts: [])
        #expect(limits.maxHandshakesInProgress == 32)
        #expect(limits.maxHandshakesPerAddress == 4)
        #expect(limits.handshakeTimeout == 3)
        for (key, message) in [(#""tlsMaxHandshakesInProgress": 0"#, "tlsMaxHandshakesInProgress must be 1 to httpMaxConnections (1024), got 0"),
                               (#""tlsMaxHandshakesPerAddress": 0"#, "tlsMaxHandshakesPerAddress must be 1 to httpMaxConnections (1024), got 0"),
                               (#""tlsHandshakeTimeoutSeconds": 0"#, "tlsHandshakeTimeoutSeconds must be 1 to 300, got 0")] {
            let error = #expect(throws: NodeError.self) {
                try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], \#(key)}"#)
            }
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
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

    static let hasOpenSSL = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    /// The operator's certificate for browsers: read from the home, its key checked like node.key, an Ed25519 one
    /// refused (that slot is the node key's).
    @Test(.enabled(if: hasOpenSSL, "the openssl command makes the operator's certificate"))
    func anOperatorCertificateIsCheckedLikeNodeKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-tlscert-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func openssl(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = args
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            try #require(p.terminationStatus == 0, "openssl \(args)")
        }
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=node",
                     "-days", "30", "-keyout", dir + "/web.key", "-out", dir + "/web.crt"])
        try openssl(["req", "-x509", "-newkey", "ed25519", "-nodes", "-subj", "/CN=node", "-days", "30",
                     "-keyout", dir + "/ed.key", "-out", dir + "/ed.crt"])
        let home = NodeHome(dir)
        var config = NodeConfig(moniker: "a", listen: "127.0.0.1:0", tls: true)
        config.tlsCertificateFile = "web.crt"
        config.tlsKeyFile = "web.key"

        chmod(dir + "/web.key", 0o644)
        let open = #expect(throws: NodeError.self) { _ = try NodeTLS.webIdentity(config, home: home) }
        #expect(open?.code == "KEY_FILE_PERMISSIONS")

        chmod(dir + "/web.key", 0o600)
        let identity = try NodeTLS.webIdentity(config, home: home)
        #expect(!identity.isEd25519)

        config.tlsCertificateFile = dir + "/ed.crt"
        config.tlsKeyFile = dir + "/ed.key"
        chmod(dir + "/ed.key", 0o600)
        let ed = #expect(throws: NodeError.self) { _ = try NodeTLS.webIdentity(config, home: home) }
        #expect(ed?.message.contains("ECDSA or RSA") == true)

        config.tlsCertificateFile = "web.crt"
        config.tlsKeyFile = dir + "/ed.key"
        let mismatch = #expect(throws: NodeError.self) { _ = try NodeTLS.webIdentity(config, home: home) }
        #expect(mismatch?.code == "TLS_SETUP_FAILED")

        let half = #expect(throws: NodeError.self) {
            try load(#"{"moniker": "a", "listen": "127.0.0.1:0", "peers": [], "tlsCertificateFile": "web.crt"}"#)
        }
        #expect(half?.message.contains("set both or neither") == true)
    }
}
