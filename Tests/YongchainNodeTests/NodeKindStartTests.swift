import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

/// A node checks at start that the chain records it as running a full node (this software is one), and full nodes
/// gossip only among themselves (docs/confidentiality.md).
@Suite struct NodeKindStartTests {
    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }

    static func genesis(bankNode: NodeKind) -> Genesis {
        Genesis(chainID: "node-kind-1", genesisTime: 1_700_000_000_000, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: key(1).publicKey,
                         address: "http://127.0.0.1:1", power: 100),
            Organization(name: "bank-m", role: .bank, publicKey: key(2).publicKey, address: "http://127.0.0.1:2", power: 0, node: bankNode),
        ])
    }

    /// Starts bank-m's node on `genesis`; the error code it refuses with, or nil.
    func start(_ genesis: Genesis, node: NodeKind = .full) throws -> String? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-kind-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        try GenesisFile.write(genesis, path: home.genesisPath)
        var config = NodeConfig(moniker: "bank-m", listen: "127.0.0.1:0")
        if node == .member { config.node = "member" }
        try config.write(path: home.configPath)
        try KeyFile.write(Self.key(2), to: home.keyPath)
        do {
            _ = try Node(home: home, logger: Logger(level: .error))
            return nil
        } catch let e as NodeError {
            return e.code
        }
    }

    @Test func aMemberNodeOfTheChainRefusesToRunAsAFullNode() throws {
        #expect(try start(Self.genesis(bankNode: .member)) == NodeCode.nodeKindMismatch)
        #expect(try start(Self.genesis(bankNode: .full)) == nil)
    }

    /// The full node's software refuses a config that asks for a member node (`yongchain node run` runs
    /// `MemberNodeRuntime` for it), rather than run a full node the config did not ask for.
    @Test func theFullNodeRefusesAMemberConfig() throws {
        #expect(try start(Self.genesis(bankNode: .member), node: .member) == NodeCode.configInvalid)
    }

    @Test func memberNodesAreNoGossipPeers() {
        let config = NodeConfig(moniker: "registry", listen: "127.0.0.1:0")
        #expect(MemberPeers.initialPeers(genesis: Self.genesis(bankNode: .member), config: config).isEmpty)
        #expect(MemberPeers.initialPeers(genesis: Self.genesis(bankNode: .full), config: config).map(\.name) == ["bank-m"])
    }
}
