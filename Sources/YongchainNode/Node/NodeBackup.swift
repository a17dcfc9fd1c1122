import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// `yongchain backup` and `yongchain restore`: a consistent copy of a node's database, and installing one in a
/// stopped node's home without losing what its validator signed since (docs/operations.md, "Backup").
public enum NodeBackup {
    /// A consistent online copy of a node's database (SQLite backup API), safe while the node runs.
    public static func backup(home: NodeHome, to out: String) throws -> UInt64 {
        guard !FileManager.default.fileExists(atPath: out) else {
            throw NodeError(code: NodeCode.backupExists, message: "\(out) already exists; refusing to overwrite it")
        }
        return try ChainStore(path: home.databasePath).backup(to: out).height
    }

    /// Installs a backup as a stopped node's database after checking it belongs to this node's genesis. The backup
    /// file is only read: it is opened as a copy beside the database, since opening a database of an older schema
    /// upgrades it (ChainStore), and installed from that copy with SQLite's backup API, complete whatever the copy's
    /// write-ahead log still holds.
    public static func restore(home: NodeHome, from backup: String, force: Bool) throws -> UInt64 {
        let genesis = try GenesisFile.load(path: home.genesisPath)
        let fm = FileManager.default
        guard fm.fileExists(atPath: backup) else { throw NodeError(code: NodeCode.backupMissing, message: "no file \(backup)") }
        try fm.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        let staging = home.databasePath + ".restoring"
        func removeStaging() { for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: staging + suffix) } }
        removeStaging()
        defer { removeStaging() }
        try fm.copyItem(atPath: backup, toPath: staging)
        let store = try ChainStore(path: staging)
        guard try store.genesisHash() == genesis.hash else {
            throw NodeError(code: NodeCode.genesisMismatch, message: "\(backup) belongs to another genesis than \(home.genesisPath)")
        }
        let height = try store.read { try $0.tip() }.height
        if fm.fileExists(atPath: home.databasePath) && !force {
            throw NodeError(code: NodeCode.dataExists, message: "\(home.databasePath) exists; stop the node and pass --force to replace it")
        }
        // The validator's own record of what it signed is newer than any backup's: keep it, or the restored node
        // could sign again, differently, for heights it signed after the backup was taken.
        // (Read in a scope of its own: the connection closes before its files are replaced.)
        let (signed, signedBlocks): ([UInt8]?, [Block]) = try {
            guard fm.fileExists(atPath: home.databasePath) else { return (nil, []) }
            let live = try ChainStore(path: home.databasePath)
            return (try live.loadSignerState(), try live.loadSignerBlocks())
        }()
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: home.databasePath + suffix) }
        try store.backup(to: home.databasePath)
        // With the blocks that record names (its own proposals), which a restart needs to propose them again.
        if let signed { try ChainStore(path: home.databasePath).saveSignerState(signed, blocks: signedBlocks) }
        return height
    }
}
