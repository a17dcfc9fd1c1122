import Foundation
import YongchainCore
import YongchainCrypto

/// A node's home directory: `config.json`, `genesis.json`, `node.key` (absent on an observer) and `data/`.
public struct NodeHome: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var configPath: String { path + "/config.json" }
    public var genesisPath: String { path + "/genesis.json" }
    public var keyPath: String { path + "/node.key" }
    public var databasePath: String { path + "/data/chain.sqlite" }
    /// A member node's database (`MemberStore`): headers, certificates and its own transactions.
    public var memberDatabasePath: String { path + "/data/member.sqlite" }

    public func loadConfig() throws -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw NodeError(code: NodeCode.configMissing, message: "no \(configPath); create one with `yongchain cluster init` or see docs/operations.md")
        }
        let config: NodeConfig
        do {
            config = try JSONDecoder().decode(NodeConfig.self, from: data)
        } catch {
            throw NodeError(code: NodeCode.configInvalid, message: "\(configPath): \(error)")
        }
        try config.validate(path: configPath)
        try config.validateConnectionLimits(path: configPath)
        return config
    }
}
