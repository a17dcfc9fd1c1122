import CSQLite
import Foundation
import YongchainCore
import YongchainCrypto

/// The committed chain as the node sees it.
public struct ChainTip: Sendable, Equatable {
    public let height: UInt64
    public let blockHash: Hash
    /// Application state hash after applying block `height` (the next header must carry it).
    public let stateHash: Hash
    public let time: Int64

    public init(height: UInt64, blockHash: Hash, stateHash: Hash, time: Int64) {
        self.height = height
        self.blockHash = blockHash
        self.stateHash = stateHash
        self.time = time
    }
}

/// Where a committed transaction is and what became of it.
public struct TxRecord: Sendable, Equatable {
    public let hash: Hash
    public let height: UInt64
    public let index: Int
    public let result: TxResult
}

/// Block store, transaction index, application state, signer state and evidence, in one SQLite database (WAL).
///
/// Everything a block changes — the block, its commit certificate, its transactions' results, the state writes
/// and the new tip — is written in one SQLite transaction, so a crash leaves the whole block or none of it.
/// Writes go through one connection under a lock; reads use a small pool of connections, each reading a
/// consistent snapshot.
public final class ChainStore: @unchecked Sendable {
    public let path: String
    private let writer: Connection
    private let writerLock = NSLock()
    private var readers: [Connection] = []
    private let readersLock = NSLock()
    private var cachedTip: ChainTip?

    public static let schemaVersion = 1

    public init(path: String) throws {
        self.path = path
        writer = try Connection(path: path, readOnly: false)
        try writer.exec("PRAGMA journal_mode=WAL")
        try writer.exec("PRAGMA synchronous=FULL")
        try writer.exec("PRAGMA foreign_keys=OFF")
        try writer.transaction {
            try writer.exec("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, time INTEGER NOT NULL,
                tx_count INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS commits (height INTEGER PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS state_hashes (height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,
                code TEXT NOT NULL, message TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS signer (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, height INTEGER NOT NULL, validator INTEGER NOT NULL,
                data BLOB NOT NULL, UNIQUE (height, validator, data));
            """)
            var version: Int64?
            try writer.query("SELECT value FROM meta WHERE key = 'schema'") { version = Int64(String(decoding: $0.blob(0), as: UTF8.self)) }
            if let version, version != Int64(ChainStore.schemaVersion) {
                throw StorageError(code: "STORAGE_SCHEMA", message: "database schema \(version) is not \(ChainStore.schemaVersion)")
            }
            try writer.run("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", [.blob(Array("\(ChainStore.schemaVersion)".utf8))])
        }
    }

    // MARK: - Genesis and tip

    /// The genesis hash this database belongs to, if it was initialised.
    public func genesisHash() throws -> Hash? {
        try locked { try meta("genesis").flatMap(Hash.init) }
    }

    /// First start: records genesis and its initial state (height 0). Later starts: refuses a database made for a
    /// different genesis, then checks the tip.
    public func open(genesis: Genesis, initialWrites: [(key: [UInt8], value: [UInt8]?)], initialStateHash: Hash) throws {
        try locked {
            if let existing = try meta("genesis").flatMap(Hash.init) {
                guard existing == genesis.hash else {
                    throw StorageError(code: "GENESIS_MISMATCH",
                                       message: "this database belongs to genesis \(existing.short), not \(genesis.hash.short); use a fresh --home or the right genesis file")
                }
                try checkTipLocked()
                return
            }
            try writer.transaction {
                try setMeta("genesis", genesis.hash.bytes)
                try setMeta("chain_id", Array(genesis.chainID.utf8))
                try applyWrites(initialWrites)
                try writer.run("INSERT INTO state_hashes (height, hash) VALUES (0, ?)", [.blob(initialStateHash.bytes)])
                try setTip(ChainTip(height: 0, blockHash: Hash.zero, stateHash: initialStateHash, time: genesis.genesisTime))
            }
        }
    }

    public var tip: ChainTip {
        if let t = locked({ cachedTip }) { return t }
        return (try? locked { try loadTip() }) ?? ChainTip(height: 0, blockHash: .zero, stateHash: .zero, time: 0)
    }

    private func loadTip() throws -> ChainTip {
        guard let b = try meta("tip") else {
            throw StorageError(code: "STORAGE_UNINITIALISED", message: "the database has no genesis yet")
        }
        var r = CanonicalReader(b)
        let t = ChainTip(height: try r.u64(), blockHash: try r.hash(), stateHash: try r.hash(), time: try r.i64())
        cachedTip = t
        return t
    }

    /// Re-reads the tip block and checks its hash, its link to its parent and the recorded state hash.
    private func checkTipLocked() throws {
        let t = try loadTip()
        guard t.height > 0 else { return }
        guard let block = try blockLocked(t.height) else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "tip block \(t.height) is missing")
        }
        guard block.hash == t.blockHash else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "tip block \(t.height) does not hash to the recorded tip")
        }
        if t.height > 1 {
            guard let parent = try blockLocked(t.height - 1), parent.hash == block.header.previousBlockHash else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "tip block \(t.height) does not link to block \(t.height - 1)")
            }
        }
        var prevState: Hash?
        try writer.query("SELECT hash FROM state_hashes WHERE height = ?", [.int(Int64(t.height - 1))]) { prevState = Hash($0.blob(0)) }
        guard prevState == block.header.stateHash else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "state hash recorded for height \(t.height - 1) differs from block \(t.height)'s header")
        }
    }

    // MARK: - Commit

    /// Stores a decided block with its certificate, its transactions' results, the state writes and the new state
    /// hash, atomically. The block MUST extend the tip.
    public func commit(block: Block, certificate: CommitCertificate, writes: [(key: [UInt8], value: [UInt8]?)],
                       results: [(hash: Hash, result: TxResult)], stateHash: Hash) throws {
        try locked {
            let t = try loadTip()
            guard block.height == t.height + 1 else {
                throw StorageError(code: "STORAGE_NOT_NEXT", message: "block \(block.height) does not extend tip \(t.height)")
            }
            try writer.transaction {
                try writer.run("INSERT INTO blocks (height, hash, time, tx_count, data) VALUES (?, ?, ?, ?, ?)",
                               [.int(Int64(block.height)), .blob(block.hash.bytes), .int(block.header.time),
                                .int(Int64(block.transactions.count)), .blob(block.canonicalBytes)])
                try writer.run("INSERT INTO commits (height, data) VALUES (?, ?)", [.int(Int64(block.height)), .blob(certificate.canonicalBytes)])
                for (i, r) in results.enumerated() {
                    try writer.run("INSERT INTO txs (hash, height, idx, code, message) VALUES (?, ?, ?, ?, ?)",
                                   [.blob(r.hash.bytes), .int(Int64(block.height)), .int(Int64(i)), .text(r.result.code), .text(r.result.message)])
                }
                try applyWrites(writes)
                try writer.run("INSERT INTO state_hashes (height, hash) VALUES (?, ?)", [.int(Int64(block.height)), .blob(stateHash.bytes)])
                try setTip(ChainTip(height: block.height, blockHash: block.hash, stateHash: stateHash, time: block.header.time))
            }
        }
    }

    private func applyWrites(_ writes: [(key: [UInt8], value: [UInt8]?)]) throws {
        for w in writes {
            if let v = w.value {
                try writer.run("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", [.blob(w.key), .blob(v)])
            } else {
                try writer.run("DELETE FROM state WHERE key = ?", [.blob(w.key)])
            }
        }
    }

    private func setTip(_ t: ChainTip) throws {
        var w = CanonicalWriter()
        w.u64(t.height); w.hash(t.blockHash); w.hash(t.stateHash); w.i64(t.time)
        try setMeta("tip", w.bytes)
        cachedTip = nil
    }

    private func meta(_ key: String) throws -> [UInt8]? {
        var out: [UInt8]?
        try writer.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { out = $0.blob(0) }
        return out
    }

    private func setMeta(_ key: String, _ value: [UInt8]) throws {
        try writer.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [.text(key), .blob(value)])
    }

    // MARK: - Execution-time state (writer connection)

    /// Committed state as the writer sees it. For executing blocks on the node's commit path only.
    public var committedState: StateReader { WriterState(store: self) }

    struct WriterState: StateReader {
        let store: ChainStore
        func get(_ key: [UInt8]) -> [UInt8]? { store.locked { (try? ChainStore.get(store.writer, key)) ?? nil } }
        func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
            store.locked { (try? ChainStore.scan(store.writer, prefix: prefix, after: after, limit: limit)) ?? [] }
        }
    }

    static func get(_ c: Connection, _ key: [UInt8]) throws -> [UInt8]? {
        var out: [UInt8]?
        try c.query("SELECT value FROM state WHERE key = ?", [.blob(key)]) { out = $0.blob(0) }
        return out
    }

    static func scan(_ c: Connection, prefix: [UInt8], after: [UInt8]?, limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        let lower = after ?? prefix
        let op = after == nil ? ">=" : ">"
        if let upper = ChainStore.prefixUpperBound(prefix) {
            try c.query("SELECT key, value FROM state WHERE key \(op) ? AND key < ? ORDER BY key LIMIT ?",
                        [.blob(lower), .blob(upper), .int(Int64(limit))]) { out.append(($0.blob(0), $0.blob(1))) }
        } else {
            try c.query("SELECT key, value FROM state WHERE key \(op) ? ORDER BY key LIMIT ?",
                        [.blob(lower), .int(Int64(limit))]) { out.append(($0.blob(0), $0.blob(1))) }
        }
        return out
    }

    /// The smallest key greater than every key starting with `prefix`, or nil if there is none.
    static func prefixUpperBound(_ prefix: [UInt8]) -> [UInt8]? {
        var p = prefix
        while let last = p.last {
            if last < 0xff { p[p.count - 1] = last + 1; return p }
            p.removeLast()
        }
        return nil
    }

    // MARK: - Reads (pooled connections, consistent snapshots)

    /// Runs `body` against one consistent snapshot: the tip it reports and the state it reads belong together.
    public func read<T>(_ body: (ReadView) throws -> T) throws -> T {
        let c = try checkoutReader()
        defer { checkin(c) }
        return try c.readTransaction { try body(ReadView(connection: c)) }
    }

    private func checkoutReader() throws -> Connection {
        if let c = readersLock.withLock({ readers.popLast() }) { return c }
        return try Connection(path: path, readOnly: true)
    }

    private func checkin(_ c: Connection) {
        readersLock.withLock { if readers.count < 16 { readers.append(c) } }
    }

    public func block(at height: UInt64) throws -> Block? { try read { try $0.block(at: height) } }
    public func certificate(at height: UInt64) throws -> CommitCertificate? { try read { try $0.certificate(at: height) } }
    public func transaction(_ hash: Hash) throws -> TxRecord? { try read { try $0.transaction(hash) } }

    private func blockLocked(_ height: UInt64) throws -> Block? {
        var data: [UInt8]?
        try writer.query("SELECT data FROM blocks WHERE height = ?", [.int(Int64(height))]) { data = $0.blob(0) }
        return try data.map { try Block(canonical: $0) }
    }

    /// Whether a transaction hash is already committed (writer's view, for block validation on the commit path).
    public func isCommitted(_ hash: Hash) -> Bool {
        locked { ChainStore.isCommitted(writer, hash) }
    }

    static func isCommitted(_ c: Connection, _ hash: Hash) -> Bool {
        var found = false
        try? c.query("SELECT 1 FROM txs WHERE hash = ?", [.blob(hash.bytes)]) { _ in found = true }
        return found
    }

    // MARK: - Signer state and evidence

    public func loadSignerState() throws -> [UInt8]? {
        try locked {
            var out: [UInt8]?
            try writer.query("SELECT data FROM signer WHERE id = 1") { out = $0.blob(0) }
            return out
        }
    }

    /// Durably records what this validator is about to sign. MUST return before the signature leaves the node.
    public func saveSignerState(_ data: [UInt8]) throws {
        try locked { try writer.run("INSERT OR REPLACE INTO signer (id, data) VALUES (1, ?)", [.blob(data)]) }
    }

    public func addEvidence(height: UInt64, validator: Int, data: [UInt8]) throws {
        try locked {
            try writer.run("INSERT OR IGNORE INTO evidence (height, validator, data) VALUES (?, ?, ?)",
                           [.int(Int64(height)), .int(Int64(validator)), .blob(data)])
        }
    }

    public func evidence(limit: Int = 100) throws -> [(height: UInt64, validator: Int, data: [UInt8])] {
        try read { v in
            var out: [(UInt64, Int, [UInt8])] = []
            try v.connection.query("SELECT height, validator, data FROM evidence ORDER BY id DESC LIMIT ?", [.int(Int64(limit))]) {
                out.append((UInt64($0.int(0)), Int($0.int(1)), $0.blob(2)))
            }
            return out.map { (height: $0.0, validator: $0.1, data: $0.2) }
        }
    }

    // MARK: - Backup

    /// A consistent online copy of the whole database to `destination`, using SQLite's backup API.
    public func backup(to destination: String) throws {
        let dest = try Connection(path: destination, readOnly: false)
        try locked {
            guard let b = sqlite3_backup_init(dest.handle, "main", writer.handle, "main") else {
                throw dest.error(sqlite3_errcode(dest.handle), "starting backup to \(destination)")
            }
            let rc = sqlite3_backup_step(b, -1)
            sqlite3_backup_finish(b)
            guard rc == SQLITE_DONE else { throw dest.error(rc, "backing up to \(destination)") }
        }
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        return try body()
    }
}

/// One consistent snapshot of the chain for reading.
public struct ReadView: StateReader {
    let connection: Connection

    public func tip() throws -> ChainTip {
        var b: [UInt8]?
        try connection.query("SELECT value FROM meta WHERE key = 'tip'") { b = $0.blob(0) }
        guard let b else { throw StorageError(code: "STORAGE_UNINITIALISED", message: "the database has no genesis yet") }
        var r = CanonicalReader(b)
        return ChainTip(height: try r.u64(), blockHash: try r.hash(), stateHash: try r.hash(), time: try r.i64())
    }

    public func get(_ key: [UInt8]) -> [UInt8]? { (try? ChainStore.get(connection, key)) ?? nil }

    /// Whether a transaction hash is committed as of this snapshot (admission's check: it never waits for the
    /// writer, so a block being fsynced does not stall the API; a transaction committed just after the snapshot
    /// may enter the mempool, and the next proposal, reading a snapshot taken after that commit, removes it).
    public func isCommitted(_ hash: Hash) -> Bool { ChainStore.isCommitted(connection, hash) }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        (try? ChainStore.scan(connection, prefix: prefix, after: after, limit: limit)) ?? []
    }

    public func block(at height: UInt64) throws -> Block? {
        var data: [UInt8]?
        try connection.query("SELECT data FROM blocks WHERE height = ?", [.int(Int64(height))]) { data = $0.blob(0) }
        return try data.map { try Block(canonical: $0) }
    }

    public func blockHeight(hash: Hash) throws -> UInt64? {
        var h: UInt64?
        try connection.query("SELECT height FROM blocks WHERE hash = ?", [.blob(hash.bytes)]) { h = UInt64($0.int(0)) }
        return h
    }

    public func certificate(at height: UInt64) throws -> CommitCertificate? {
        var data: [UInt8]?
        try connection.query("SELECT data FROM commits WHERE height = ?", [.int(Int64(height))]) { data = $0.blob(0) }
        return try data.map { try CommitCertificate(canonical: $0) }
    }

    public func stateHash(at height: UInt64) throws -> Hash? {
        var h: Hash?
        try connection.query("SELECT hash FROM state_hashes WHERE height = ?", [.int(Int64(height))]) { h = Hash($0.blob(0)) }
        return h
    }

    public func transaction(_ hash: Hash) throws -> TxRecord? {
        var rec: TxRecord?
        try connection.query("SELECT height, idx, code, message FROM txs WHERE hash = ?", [.blob(hash.bytes)]) {
            rec = TxRecord(hash: hash, height: UInt64($0.int(0)), index: Int($0.int(1)),
                           result: TxResult(code: $0.text(2), message: $0.text(3)))
        }
        return rec
    }

    /// Recent block headers, newest first.
    public func recentBlocks(limit: Int, before: UInt64? = nil) throws -> [(height: UInt64, hash: Hash, time: Int64, txCount: Int)] {
        var out: [(UInt64, Hash, Int64, Int)] = []
        try connection.query("SELECT height, hash, time, tx_count FROM blocks WHERE height < ? ORDER BY height DESC LIMIT ?",
                             [.int(Int64(before ?? UInt64(Int64.max))), .int(Int64(limit))]) {
            out.append((UInt64($0.int(0)), Hash($0.blob(1)) ?? .zero, $0.int(2), Int($0.int(3))))
        }
        return out.map { (height: $0.0, hash: $0.1, time: $0.2, txCount: $0.3) }
    }
}
