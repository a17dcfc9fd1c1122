import CSQLite
import YongchainCore

extension ChainStore {
    /// A consistent online copy of the whole database to `destination`, using SQLite's backup API; returns the
    /// copy's tip. The copy is one self-contained file: switched to a rollback journal and closed, it leaves no
    /// `-wal` or `-shm` beside it (a node that opens it turns WAL on again).
    @discardableResult
    public func backup(to destination: String) throws -> ChainTip {
        let dest = try Connection(path: destination, readOnly: false)
        try locked {
            guard let b = sqlite3_backup_init(dest.handle, "main", writer.handle, "main") else {
                throw dest.error(sqlite3_errcode(dest.handle), "starting backup to \(destination)")
            }
            let rc = sqlite3_backup_step(b, -1)
            sqlite3_backup_finish(b)
            guard rc == SQLITE_DONE else { throw dest.error(rc, "backing up to \(destination)") }
        }
        try dest.exec("PRAGMA journal_mode=DELETE")
        var tip: [UInt8]?
        try dest.query("SELECT value FROM meta WHERE key = 'tip'") { tip = $0.blob(0) }
        guard let tip else { throw StorageError(code: "STORAGE_UNINITIALISED", message: "the copy at \(destination) has no tip") }
        return try ChainTip(tipBytes: tip)
    }
}
