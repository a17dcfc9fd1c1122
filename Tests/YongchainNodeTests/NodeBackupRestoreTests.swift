import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode
@testable import YongchainStorage

/// `yongchain restore` of a backup made before schema 5 (issue 29): the node's copy is upgraded, the operator's
/// backup file is only read.
@Suite struct NodeBackupRestoreTests {
    @Test func aBackupOfAnOlderSchemaIsRestoredUpgradedAndTheBackupFileIsLeftAsItWas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-restore-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        let registry = try PrivateKey.generate()
        try GenesisFile.write(Genesis(chainID: "restore-test", genesisTime: 1_700_000_000_000, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: registry.publicKey, address: "http://127.0.0.1:9"),
        ]), path: home.genesisPath)
        try NodeConfig(moniker: "registry", listen: "127.0.0.1:0").write(path: home.configPath)
        try KeyFile.write(registry, to: home.keyPath)
        _ = try Node(home: home, logger: Logger(level: .error))

        // A backup as a schema 4 binary made it: no leaves beside the state.
        let backup = dir + "/old.sqlite"
        do {
            let s = try ChainStore(path: home.databasePath)
            try s.writer.exec("ALTER TABLE state DROP COLUMN leaf")
            try s.writer.run("UPDATE meta SET value = '4' WHERE key = 'schema'")
            try s.backup(to: backup)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: backup))

        #expect(try NodeBackup.restore(home: home, from: backup, force: true) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)) == before, "the backup file was written to")
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: home.databasePath + ".restoring"))

        let restored = try ChainStore(path: home.databasePath)
        var schema = "", rows = -1, withoutLeaf = -1
        try restored.writer.query("SELECT value FROM meta WHERE key = 'schema'") { schema = String(decoding: $0.blob(0), as: UTF8.self) }
        try restored.writer.query("SELECT count(*), sum(length(leaf) IS NOT 64) FROM state") { rows = Int($0.int(0)); withoutLeaf = Int($0.int(1)) }
        #expect(schema == "\(ChainStore.schemaVersion)" && rows > 0 && withoutLeaf == 0, "schema \(schema), \(rows) rows, \(withoutLeaf) without a leaf")
        try restored.committedSnapshot { _, _ in }
    }
}
