import CSQLite
import YongchainCrypto

/// A failure from SQLite, with its result code, message and what was being done (like GRDB's DatabaseError).
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let sqliteCode: Int32
    public let message: String
    public let context: String

    public init(code: String, sqliteCode: Int32 = 0, message: String, context: String = "") {
        self.code = code
        self.sqliteCode = sqliteCode
        self.message = message
        self.context = context
    }

    public var description: String {
        context.isEmpty ? "\(code): \(message)" : "\(code): \(message) (while \(context))"
    }
}

private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe: a connection belongs to one thread at a time (the store hands
/// connections out under a lock).
final class Connection {
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, readOnly: Bool) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StorageError(code: "STORAGE_OPEN", sqliteCode: rc, message: msg, context: "opening \(path)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        for s in statements.values { sqlite3_finalize(s) }
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ context: String) -> StorageError {
        StorageError(code: rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? "STORAGE_CORRUPT" : "STORAGE_FAILED",
                     sqliteCode: rc, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? ""
            sqlite3_free(err)
            throw StorageError(code: "STORAGE_FAILED", sqliteCode: rc, message: msg, context: sql)
        }
    }

    /// Runs `sql` with `args`, calling `row` for each result row.
    func query(_ sql: String, _ args: [Value] = [], row: (Row) throws -> Void = { _ in }) throws {
        let stmt = try prepare(sql)
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        for (i, a) in args.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch a {
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .text(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT)
            case .blob(let b):
                rc = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count), SQLITE_TRANSIENT) }
            case .hash(let h): rc = h.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, 32, SQLITE_TRANSIENT) }
            case .null: rc = sqlite3_bind_null(stmt, idx)
            }
            // A bind failure is a programming error (wrong index/type), never input's fault.
            precondition(rc == SQLITE_OK, "sqlite bind failed for \(sql)")
        }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            try row(Row(stmt: stmt))
        }
    }

    func run(_ sql: String, _ args: [Value] = []) throws { try query(sql, args) }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "preparing \(sql)") }
        statements[sql] = stmt
        return stmt
    }

    /// Runs `body` in one transaction: all of it commits, or none of it.
    /// (BEGIN, COMMIT and ROLLBACK go through the statement cache like everything else: sqlite3_exec would
    /// compile them again for every block and every read.)
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try run("COMMIT")
            return r
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }

    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN")
        defer { try? run("COMMIT") }
        return try body()
    }
}

enum Value {
    case int(Int64)
    case text(String)
    case blob([UInt8])
    /// A hash's 32 bytes as a blob, bound from the stack: no array made for a look-up by hash.
    case hash(Hash)
    case null
}

extension Value {
    /// A height or count as SQLite's signed 64-bit integer. Heights above `Int64.max` cannot be stored, so a
    /// caller asking for one gets nil (a read finds nothing there) instead of a trap.
    static func int(exactly v: UInt64) -> Value? { Int64(exactly: v).map { .int($0) } }

    /// For writes: a value that cannot be stored is an error, never a trap.
    static func int(checked v: UInt64, _ what: String) throws -> Value {
        guard let x = Int64(exactly: v) else {
            throw StorageError(code: "STORAGE_FAILED", message: "\(what) \(v) is larger than SQLite can store", context: what)
        }
        return .int(x)
    }
}

struct Row {
    let stmt: OpaquePointer
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    /// A column that must hold a non-negative integer (a height, an index, a count). A negative one means the file
    /// was altered or damaged: STORAGE_CORRUPT, never a trap.
    func unsigned(_ i: Int32) throws -> UInt64 {
        let v = sqlite3_column_int64(stmt, i)
        guard v >= 0 else { throw StorageError(code: "STORAGE_CORRUPT", message: "column \(i) holds \(v), which is negative") }
        return UInt64(v)
    }
    func count(_ i: Int32) throws -> Int { Int(try unsigned(i)) }
    func text(_ i: Int32) -> String { sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "" }
    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
}
