import CSQLite
import Foundation
import YongchainCore
import YongchainCrypto

/// Each state key's leaf — its key hash and its value hash, the two digests the state tree is made of — stored
/// with its value (schema 5), so that building the tree at a restart reads 64 bytes a key and hashes only the
/// tree's own nodes, instead of reading every value and hashing every key and value (docs/performance.md,
/// "Restart from stored leaves").
///
/// - A commit writes a key's leaf in the same statement as its value (`state.leaf`), from the digests its
///   `TreeUpdate` already computed; so the value and its leaf are one row, committed or lost together.
/// - The tree built from the leaves must give the root the tip records (`ensureTreeLocked`): a leaf altered or
///   missing is `STORAGE_CORRUPT` at the first tree read, as an altered value was before.
/// - A value altered on disk under an intact leaf is not seen by that check: a proof of it is refused
///   (`STORAGE_CORRUPT`, ReadView.stateProof), and the node's background scrub finds it (`verifyStoredState`).
/// - A schema 2, 3 or 4 database gets its leaves once, at open (`upgradeSchema`): every row's digests computed
///   from its key and value, a batch of rows per transaction, then schema 5; interrupted, the next open does it
///   again. Its first tree read then checks those leaves against the recorded root like any other.
extension ChainStore {
    /// Rows given their leaves per transaction while upgrading (a few MB of WAL each).
    static let upgradeBatch = 20_000

    /// The 64 bytes stored for a key's leaf: its key hash, then its value hash.
    static func leafBytes(_ keyHash: Hash, _ valueHash: Hash) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64)
        keyHash.withUnsafeBytes { out.append(contentsOf: $0) }
        valueHash.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Writes a block's (or genesis's) state writes, each with its leaf. `digests` MUST be the `writeDigests` of
    /// the `TreeUpdate` made from exactly these writes (a mismatch is a programmer's mistake, and traps).
    func applyWrites(_ writes: [(key: [UInt8], value: [UInt8]?)], digests: [(keyHash: Hash, valueHash: Hash?)]) throws {
        precondition(writes.count == digests.count, "ChainStore.applyWrites: \(writes.count) writes, \(digests.count) digests")
        for (w, d) in zip(writes, digests) {
            if let v = w.value {
                guard let valueHash = d.valueHash else { preconditionFailure("ChainStore.applyWrites: a put with a delete's digests") }
                try writer.run("INSERT OR REPLACE INTO state (key, value, leaf) VALUES (?, ?, ?)",
                               [.blob(w.key), .blob(v), .blob(ChainStore.leafBytes(d.keyHash, valueHash))])
            } else {
                precondition(d.valueHash == nil, "ChainStore.applyWrites: a delete with a put's digests")
                try writer.run("DELETE FROM state WHERE key = ?", [.blob(w.key)])
            }
        }
    }

    /// Every state key's leaf, sorted by key hash (writer lock held). A row without a well-formed leaf, or two
    /// rows with one key hash, is `STORAGE_CORRUPT`.
    func storedLeaves() throws -> [TreeMemory.Leaf] {
        var leaves: [TreeMemory.Leaf] = []
        try writer.query("SELECT leaf FROM state") { row in
            guard let leaf = row.leaf(0) else {
                throw StorageError(code: "STORAGE_CORRUPT", message: "a state row has no 64-byte leaf (key hash and value hash)")
            }
            leaves.append(leaf)
        }
        let sorted = ChainStore.sortedByKeyHash(leaves)
        for i in sorted.indices.dropFirst() where sorted[i].key == sorted[i - 1].key {
            throw StorageError(code: "STORAGE_CORRUPT", message: "two state rows carry the key hash \(sorted[i].key.short)")
        }
        return sorted
    }

    /// `leaves` sorted by key hash: placed by bucket (their first `bucketDepth` bits, a counting sort), then each
    /// bucket's few sorted. A comparison sort of the whole moved each 64-byte leaf some 21 times at 2·10^6 keys,
    /// 18 % of a restart (docs/performance.md, "Restart from stored leaves").
    static func sortedByKeyHash(_ leaves: [TreeMemory.Leaf]) -> [TreeMemory.Leaf] {
        let buckets = 1 << ChainStore.bucketDepth
        var starts = [Int](repeating: 0, count: buckets + 1)
        for l in leaves { starts[TreeMemory.bucket(of: l.key) + 1] += 1 }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
        var next = starts
        var out = [TreeMemory.Leaf](repeating: (Hash.zero, Hash.zero), count: leaves.count)
        for l in leaves {
            let b = TreeMemory.bucket(of: l.key)
            out[next[b]] = l
            next[b] += 1
        }
        for b in 0..<buckets where starts[b + 1] - starts[b] > 1 {
            out[starts[b]..<starts[b + 1]].sort { $0.key < $1.key }
        }
        return out
    }

    /// Checks up to `limit` state rows after key `after` (from the first when nil), in key order and one read
    /// snapshot: each row's leaf must be its key's hash and its value's hash. Returns the last key checked, nil when
    /// none was left. The restart builds the tree from the leaves alone; this gives back, off its critical path
    /// (the node's background scrub), the check of every value a restart made before: a value altered under its
    /// leaf is `STORAGE_CORRUPT`, naming the key.
    public func verifyStoredState(after: [UInt8]?, limit: Int) throws -> [UInt8]? {
        try read { v in
            let suite = try v.chain().hashSuite
            var last: [UInt8]?, bad: [UInt8]?
            try v.connection.query("SELECT key, value, leaf FROM state WHERE key \(after == nil ? ">=" : ">") ? ORDER BY key LIMIT ?",
                                   [.blob(after ?? []), .int(Int64(max(limit, 1)))]) { row in
                let key = row.blob(0)
                last = key
                guard bad == nil else { return }
                let leaf = row.leaf(2)
                if leaf?.key != StateTree.keyHash(key, suite: suite) || leaf?.value != StateTree.valueHash(row.blob(1), suite: suite) { bad = key }
            }
            if let bad {
                throw StorageError(code: "STORAGE_CORRUPT", message: "the state row of key \(Hex.encode(bad)) holds a value or leaf altered since it was committed (its leaf is not its key's and value's digests)")
            }
            return last
        }
    }

    /// Brings the database to `schemaVersion` (inside `init`, before anything else uses it): a new one is created
    /// at it; schemas 2 and 3 drop their stored tree; 2, 3 and 4 get every state row's leaf (`log` says so before
    /// and after, since at 10^6 keys it takes seconds). Any other version is `STORAGE_SCHEMA`.
    func upgradeSchema(log: (String) -> Void) throws {
        var version: Int64?
        try writer.transaction {
            try writer.query("SELECT value FROM meta WHERE key = 'schema'") { version = Int64(String(decoding: $0.blob(0), as: UTF8.self)) }
            switch version {
            case nil:
                try writer.run("INSERT INTO meta (key, value) VALUES ('schema', ?)", [.blob(Array("\(ChainStore.schemaVersion)".utf8))])
            case .some(Int64(ChainStore.schemaVersion)):
                break
            case 2, 3, 4:
                // Schemas 2 and 3 stored the tree; 4 derives it from the state (the first use checks the recorded root).
                try dropStoredTree()
                var columns: [String] = []
                try writer.query("PRAGMA table_info(state)") { columns.append($0.text(1)) }
                if !columns.contains("leaf") { try writer.exec("ALTER TABLE state ADD COLUMN leaf BLOB") }
            case let v?:
                throw StorageError(code: "STORAGE_SCHEMA", message: "database schema \(v) is not \(ChainStore.schemaVersion)")
            }
        }
        guard let version, (2...4).contains(version) else { return }
        log("upgrading the database from schema \(version) to \(ChainStore.schemaVersion): storing each state key's digests beside its value (once; about 5 s per 10^6 state keys)")
        let started = Date()
        let rows = try storeEveryLeaf()
        try writer.transaction {
            try writer.run("UPDATE meta SET value = ? WHERE key = 'schema'", [.blob(Array("\(ChainStore.schemaVersion)".utf8))])
        }
        log(String(format: "upgraded the database to schema %d: %d state keys in %.1f s", ChainStore.schemaVersion, rows, Date().timeIntervalSince(started)))
    }

    /// Computes and stores every state row's leaf from its key and value, in key order, `upgradeBatch` rows per
    /// transaction; returns the number of rows.
    private func storeEveryLeaf() throws -> Int {
        // A database with no genesis has no state (and no hash suite to hash it with).
        guard let id = try meta("chain_id") else { return 0 }
        let suite = try ChainStore.chain(id, suite: meta("hash_suite")).hashSuite
        var after: [UInt8]?
        var total = 0
        while true {
            let n: Int = try writer.transaction {
                let rows = try ChainStore.scan(writer, prefix: [], after: after, limit: ChainStore.upgradeBatch)
                for r in rows {
                    let leaf = ChainStore.leafBytes(StateTree.keyHash(r.key, suite: suite), StateTree.valueHash(r.value, suite: suite))
                    try writer.run("UPDATE state SET leaf = ? WHERE key = ?", [.blob(leaf), .blob(r.key)])
                }
                after = rows.last?.key
                return rows.count
            }
            total += n
            if n < ChainStore.upgradeBatch { return total }
        }
    }
}

extension Row {
    /// A stored leaf: exactly 64 bytes, the key hash then the value hash; nil for anything else.
    func leaf(_ i: Int32) -> ChainStore.TreeMemory.Leaf? {
        guard let p = sqlite3_column_blob(stmt, i), sqlite3_column_bytes(stmt, i) == 64 else { return nil }
        let raw = UnsafeRawBufferPointer(start: p, count: 64)
        return (Hash(raw: raw), Hash(raw: UnsafeRawBufferPointer(rebasing: raw[32...])))
    }
}
