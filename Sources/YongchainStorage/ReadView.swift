import Foundation
import YongchainCore
import YongchainCrypto

/// One consistent snapshot of the chain for reading: a SQLite read transaction (`ChainStore.read`), or the state
/// cache alone at the cache's height (`ChainStore.readCacheFirst`), which reads no SQLite and, at the first read
/// the cache cannot answer, records that it needs a snapshot (`ReadFailures.neededSnapshot`) instead.
public struct ReadView: StateReader {
    /// The read transaction's connection; nil for a view of the state cache alone.
    private let sqlite: Connection?
    let failures: ReadFailures
    /// The store's chain when it is known (after `open`); otherwise read from the database.
    let knownChain: Chain?
    /// Where the tree's nodes above its buckets are (ChainStore+StateTree.swift).
    let store: ChainStore?
    /// The buckets this view has built.
    let buckets = BucketCache()
    /// The tip as this snapshot holds it (its first read), nil before genesis.
    let tipBytes: [UInt8]?
    /// The tip already decoded: a cache-only view's, the store's committed tip at the cache's height.
    private let knownTip: ChainTip?
    /// This snapshot's height, when the store's state cache may answer for it (`get`).
    private let cacheHeight: UInt64?

    init(connection: Connection, failures: ReadFailures, knownChain: Chain?, store: ChainStore?, tipBytes: [UInt8]?) {
        self.sqlite = connection
        self.failures = failures
        self.knownChain = knownChain
        self.store = store
        self.tipBytes = tipBytes
        knownTip = nil
        var r = CanonicalReader(tipBytes ?? [])
        cacheHeight = store?.stateCache.limits.maxEntries == 0 ? nil : try? r.u64()
    }

    /// A view of `store`'s state cache alone at `tip`'s height: it answers `tip()`, `chain()` and the keys the cache
    /// holds at exactly that height; anything else needs a SQLite snapshot.
    init(cacheOnlyAt tip: ChainTip, chain: Chain, store: ChainStore) {
        sqlite = nil
        failures = ReadFailures()
        knownChain = chain
        self.store = store
        tipBytes = nil
        knownTip = tip
        cacheHeight = tip.height
    }

    /// The read transaction's connection. A cache-only view has none: asking for it records that the view needs a
    /// snapshot and throws.
    var connection: Connection {
        get throws {
            guard let sqlite else { throw failures.needSnapshot() }
            return sqlite
        }
    }

    public func tip() throws -> ChainTip {
        if let knownTip { return knownTip }
        guard let tipBytes else { throw StorageError(code: "STORAGE_UNINITIALISED", message: "the database has no genesis yet") }
        return try ChainTip(tipBytes: tipBytes)
    }

    /// The value at this snapshot: from the state cache when it speaks for this snapshot's height, otherwise from
    /// SQLite (and then kept in the cache if it still speaks for that height). A cache-only view's miss (the key
    /// not held, or the cache moved off its height) answers nil and records that the view needs a snapshot.
    public func get(_ key: [UInt8]) -> [UInt8]? {
        guard let store else { return failures.answer(nil) { try ChainStore.get(connection, key) } }
        store.stateRowsRead.add(1, ordering: .relaxed)
        guard let h = cacheHeight else { return failures.answer(nil) { try ChainStore.get(connection, key) } }
        if let hit = store.stateCache.value(key, at: h) { return hit }
        guard let sqlite else {
            _ = failures.needSnapshot()
            return nil
        }
        do {
            let value = try ChainStore.get(sqlite, key)
            store.stateCache.insert(key, value, at: h)
            return value
        } catch {
            return failures.answer(nil) { throw error }
        }
    }

    public func checkReads() throws { try failures.check() }

    /// Whether a transaction hash is committed as of this snapshot (admission's check: it never waits for the
    /// writer, so a block being fsynced does not stall the API; a transaction committed just after the snapshot
    /// may enter the mempool, and the next proposal, reading a snapshot taken after that commit, removes it).
    /// A failed look-up is recorded (and `read` then throws), never answered as "not committed".
    public func isCommitted(_ hash: Hash) -> Bool { failures.answer(false) { try ChainStore.isCommitted(connection, hash) } }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        let rows = failures.answer([]) { try ChainStore.scan(connection, prefix: prefix, after: after, limit: limit) }
        store?.stateRowsRead.add(rows.count, ordering: .relaxed)
        return rows
    }

    /// The block at `height`, checked against its recorded hash and its own roots (`ChainStore.block`); nil if
    /// there is none. Throws STORAGE_CORRUPT for a block altered on disk.
    public func block(at height: UInt64) throws -> Block? {
        try ChainStore.block(connection, height, chain: try chain())
    }

    public func blockHeight(hash: Hash) throws -> UInt64? {
        var h: UInt64?
        try connection.query("SELECT height FROM blocks WHERE hash = ?", [.hash(hash)]) { h = try $0.unsigned(0) }
        return h
    }

    /// The commit certificate stored for `height`. It must certify this height; `committedBlock(at:)` also
    /// checks that it certifies the stored block.
    public func certificate(at height: UInt64) throws -> CommitCertificate? {
        guard let h = Value.int(exactly: height) else { return nil }
        var data: [UInt8]?
        try connection.query("SELECT data FROM commits WHERE height = ?", [h]) { data = $0.blob(0) }
        guard let data else { return nil }
        let c: CommitCertificate
        do { c = try CommitCertificate(canonical: data) } catch {
            throw StoredBlockCorrupt(height: height, reason: "its commit certificate does not decode: \(error)")
        }
        guard c.height == height else { throw StoredBlockCorrupt(height: height, reason: "its commit certificate is for height \(c.height)") }
        return c
    }

    /// A block with its commit certificate, both checked, and the certificate checked to name this block: what
    /// the node serves to peers catching up and to clients.
    public func committedBlock(at height: UInt64) throws -> (block: Block, certificate: CommitCertificate)? {
        guard let b = try block(at: height), let c = try certificate(at: height) else { return nil }
        guard c.blockHash == b.hash else { throw StoredBlockCorrupt(height: height, reason: "its commit certificate names another block") }
        return (b, c)
    }

    public func stateRoot(at height: UInt64) throws -> Hash? {
        guard let h = Value.int(exactly: height) else { return nil }
        var out: Hash?
        try connection.query("SELECT hash FROM state_roots WHERE height = ?", [h]) { out = Hash($0.blob(0)) }
        return out
    }

    public func transaction(_ hash: Hash) throws -> TxRecord? {
        var rec: TxRecord?
        try connection.query("SELECT height, idx, code, message FROM txs WHERE hash = ?", [.hash(hash)]) {
            rec = TxRecord(hash: hash, height: try $0.unsigned(0), index: try $0.count(1),
                           result: TxResult(code: $0.text(2), message: $0.text(3)))
        }
        return rec
    }

    /// Recent block headers, newest first.
    public func recentBlocks(limit: Int, before: UInt64? = nil) throws -> [(height: UInt64, hash: Hash, time: Int64, txCount: Int)] {
        var out: [(UInt64, Hash, Int64, Int)] = []
        let upper = Int64(clamping: before ?? UInt64(Int64.max))
        try connection.query("SELECT height, hash, time, tx_count FROM blocks WHERE height < ? ORDER BY height DESC LIMIT ?",
                             [.int(upper), .int(Int64(max(limit, 0)))]) {
            out.append((try $0.unsigned(0), Hash($0.blob(1)) ?? .zero, $0.int(2), try $0.count(3)))
        }
        return out.map { (height: $0.0, hash: $0.1, time: $0.2, txCount: $0.3) }
    }
}
