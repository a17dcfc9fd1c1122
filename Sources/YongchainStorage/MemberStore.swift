import Foundation
import YongchainCore
import YongchainCrypto

/// A member node's database (docs/confidentiality.md, "The member node"): certified headers, their commit
/// certificates, the member's own transactions with their results, and the sync position — no blocks of others,
/// no state table, no state tree. ChainStore's `meta`, `commits` and `txs` tables, with its genesis check; the
/// headers and the own transactions' bodies in tables of their own. One SQLite file, WAL; every batch accepted is
/// written in one transaction with the position it leads to, so a crash leaves the position and what it covers
/// together.
public final class MemberStore: @unchecked Sendable {
    public let path: String
    private let connection: Connection
    private let lock = NSLock()
    private var chain: Chain?

    public init(path: String) throws {
        self.path = path
        connection = try Connection(path: path, readOnly: false)
        try connection.exec("PRAGMA journal_mode=WAL")
        try connection.exec("PRAGMA synchronous=NORMAL")
        try connection.transaction {
            try connection.exec("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS headers (height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, tx_count INTEGER NOT NULL,
                data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS commits (height INTEGER PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,
                code TEXT NOT NULL, message TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS own_txs (hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
            """)
        }
    }

    /// First start: records genesis. Later starts: refuses a database made for another genesis (GENESIS_MISMATCH)
    /// or by a full node (STORAGE_SCHEMA).
    public func open(genesis: Genesis) throws {
        try lock.withLock {
            if let existing = try meta("genesis").flatMap(Hash.init) {
                guard existing == genesis.hash else {
                    throw StorageError(code: "GENESIS_MISMATCH",
                                       message: "this database belongs to genesis \(existing.short), not \(genesis.hash.short); use a fresh --home or the right genesis file")
                }
                guard try meta("kind") == Array("member".utf8) else {
                    throw StorageError(code: "STORAGE_SCHEMA", message: "\(path) is not a member node's database")
                }
            } else {
                try connection.transaction {
                    try setMeta("genesis", genesis.hash.bytes)
                    try setMeta("kind", Array("member".utf8))
                }
            }
            chain = genesis.chain
        }
    }

    /// The sync position last stored (the caller's encoding), nil before the first batch.
    public func position() throws -> [UInt8]? { try lock.withLock { try meta("position") } }

    /// The highest stored header's height (0: none).
    public func height() throws -> UInt64 {
        try lock.withLock {
            var h: UInt64 = 0
            try connection.query("SELECT MAX(height) FROM headers") { if !$0.isNull(0) { h = try $0.unsigned(0) } }
            return h
        }
    }

    /// One own transaction of a batch: where it is, its body, and its result code.
    public struct Own: Sendable {
        public let height: UInt64
        public let index: UInt32
        public let transaction: Transaction
        public let code: String
        public init(height: UInt64, index: UInt32, transaction: Transaction, code: String) {
            self.height = height
            self.index = index
            self.transaction = transaction
            self.code = code
        }
    }

    /// Stores an accepted batch's headers, certificates and own transactions, and `position`, atomically.
    public func append(headers: [(header: BlockHeader, certificate: CommitCertificate, txCount: UInt32)], own: [Own],
                       position: [UInt8]) throws {
        try lock.withLock {
            guard let chain else { preconditionFailure("MemberStore.append before open(genesis:)") }
            try connection.transaction {
                for h in headers {
                    let height = try Value.int(checked: h.header.height, "height")
                    try connection.run("INSERT INTO headers (height, hash, tx_count, data) VALUES (?, ?, ?, ?)",
                                       [height, .blob(h.header.hash.bytes), .int(Int64(h.txCount)), .blob(h.header.canonicalBytes)])
                    try connection.run("INSERT INTO commits (height, data) VALUES (?, ?)", [height, .blob(h.certificate.canonicalBytes)])
                }
                for o in own {
                    let hash = o.transaction.hash(on: chain)
                    try connection.run("INSERT INTO txs (hash, height, idx, code, message) VALUES (?, ?, ?, ?, '')",
                                       [.blob(hash.bytes), try Value.int(checked: o.height, "height"), .int(Int64(o.index)), .text(o.code)])
                    try connection.run("INSERT INTO own_txs (hash, data) VALUES (?, ?)", [.blob(hash.bytes), .blob(o.transaction.canonicalBytes)])
                }
                try setMeta("position", position)
            }
        }
    }

    /// Drops everything above `height` (provisional batches a party-log proof did not confirm) and stores
    /// `position`, atomically.
    public func truncate(above height: UInt64, position: [UInt8]) throws {
        try lock.withLock {
            let h = try Value.int(checked: height, "height")
            try connection.transaction {
                try connection.run("DELETE FROM own_txs WHERE hash IN (SELECT hash FROM txs WHERE height > ?)", [h])
                try connection.run("DELETE FROM txs WHERE height > ?", [h])
                try connection.run("DELETE FROM commits WHERE height > ?", [h])
                try connection.run("DELETE FROM headers WHERE height > ?", [h])
                try setMeta("position", position)
            }
        }
    }

    /// The certified header stored at `height`, with its certificate and transaction count.
    public func header(at height: UInt64) throws -> (header: BlockHeader, certificate: CommitCertificate, txCount: UInt32)? {
        guard let h = Value.int(exactly: height) else { return nil }
        return try lock.withLock {
            guard let chain else { return nil }
            var row: (header: [UInt8], commit: [UInt8], count: UInt64)?
            try connection.query("SELECT h.data, c.data, h.tx_count FROM headers h JOIN commits c ON c.height = h.height WHERE h.height = ?", [h]) {
                row = ($0.blob(0), $0.blob(1), try $0.unsigned(2))
            }
            guard let row else { return nil }
            do {
                let header = try BlockHeader(canonical: row.header, hashSuite: chain.hashSuite)
                let certificate = try CommitCertificate(canonical: row.commit, hashSuite: chain.hashSuite)
                guard header.height == height, let count = UInt32(exactly: row.count) else { throw StoredBlockCorrupt(height: height, reason: "its header says another height") }
                return (header, certificate, count)
            } catch let e as StoredBlockCorrupt { throw e } catch {
                throw StoredBlockCorrupt(height: height, reason: "its header or certificate does not decode: \(error)")
            }
        }
    }

    /// One of the member's own transactions by hash, with where it is and its result code; nil for any other.
    public func ownTransaction(_ hash: Hash) throws -> (transaction: Transaction, height: UInt64, index: UInt32, code: String)? {
        try lock.withLock {
            guard let chain else { return nil }
            var row: (data: [UInt8], height: UInt64, index: UInt64, code: String)?
            try connection.query("SELECT o.data, t.height, t.idx, t.code FROM txs t JOIN own_txs o ON o.hash = t.hash WHERE t.hash = ?", [.blob(hash.bytes)]) {
                row = ($0.blob(0), try $0.unsigned(1), try $0.unsigned(2), $0.text(3))
            }
            guard let row, let index = UInt32(exactly: row.index) else { return nil }
            let tx = try Transaction(canonical: row.data, hashSuite: chain.hashSuite)
            guard tx.hash(on: chain) == hash else {
                throw StoredBlockCorrupt(height: row.height, reason: "own transaction \(hash.short) no longer hashes to its key")
            }
            return (tx, row.height, index, row.code)
        }
    }

    /// What the member database at `path` holds, read without writing (the node may be running): its certified
    /// headers, its own transaction bodies, and how many of `others` (hashes of transactions the member is no party
    /// to) have a body in it — 0 when need to know holds. For `yongchain demo`.
    public static func holdings(path: String, others: [Hash]) throws -> (headers: Int, ownTransactions: Int, othersHeld: Int) {
        let c = try Connection(path: path, readOnly: true)
        var headers: Int64 = 0, own: Int64 = 0, held = 0
        try c.query("SELECT (SELECT COUNT(*) FROM headers), (SELECT COUNT(*) FROM own_txs)") { (headers, own) = ($0.int(0), $0.int(1)) }
        for h in others { try c.query("SELECT 1 FROM own_txs WHERE hash = ?", [.blob(h.bytes)]) { _ in held += 1 } }
        return (Int(headers), Int(own), held)
    }

    private func meta(_ key: String) throws -> [UInt8]? {
        var out: [UInt8]?
        try connection.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { out = $0.blob(0) }
        return out
    }

    private func setMeta(_ key: String, _ value: [UInt8]) throws {
        try connection.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [.text(key), .blob(value)])
    }
}
