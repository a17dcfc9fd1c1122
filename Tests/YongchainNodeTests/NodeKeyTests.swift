import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

/// A node without its key (issue 24, item 5): only a config that says it is an observer may run without one.
@Suite struct NodeKeyTests {
    /// A home for validator "registry" of a one-validator chain, without node.key.
    func home(observer: Bool) throws -> NodeHome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-key-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        try GenesisFile.write(Genesis(chainID: "key-test", genesisTime: 1_700_000_000_000, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate], publicKey: try PrivateKey.generate().publicKey,
                         address: "http://127.0.0.1:9"),
        ]), path: home.genesisPath)
        try NodeConfig(moniker: "registry", listen: "127.0.0.1:0", observer: observer).write(path: home.configPath)
        return home
    }

    @Test func aValidatorsMissingKeyStopsTheStartWithKeyFileMissing() throws {
        let h = try home(observer: false)
        defer { try? FileManager.default.removeItem(atPath: h.path) }
        do {
            _ = try Node(home: h, logger: Logger(level: .error))
            Issue.record("a node whose key is missing started (as a silent observer)")
        } catch let e as NodeError {
            #expect(e.code == "KEY_FILE_MISSING" && e.message.contains("\"observer\": true"), "\(e)")
        }
    }

    @Test func aNodeConfiguredAsAnObserverRunsWithoutAKey() throws {
        let h = try home(observer: true)
        defer { try? FileManager.default.removeItem(atPath: h.path) }
        let node = try Node(home: h, logger: Logger(level: .error))
        #expect(node.key == nil && node.query.validatorIndex == nil)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: h.configPath))) as? [String: Any]
        #expect(config?["observer"] as? Bool == true)
    }
}
