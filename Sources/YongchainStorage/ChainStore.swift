import CSQLite
import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto

/// Block store, transaction index, application state, signer state and evidence, in one SQLite database (WAL).
///
/// Everything a block changes — the block, its commit certificate, its transactions' results, the state writes
/// and the new tip — is written in one SQLite transaction, so a crash leaves the whole block or none of it.
/// Writes go through one connection under a lock; reads use a small pool of connections, each reading a
/// consistent snapshot.
public final class ChainStore: @unchecked Sendable {
    public let path: String
    let writer: Connection
    private let writerLock = NSLock()
    private var readers: [Connection] = []
    private let readersLock = NSLock()
    /// The committed tip, under its own lock: reading it never waits for the writer (which holds its lock through
    /// each block's fsync).
    let cachedTip = Mutex<ChainTip?>(nil)
    /// The chain id, fixed once the database belongs to a genesis: known from `open`, so checking a block read does
    /// not cost a query of its own.
    let cachedChain = Mutex<Chain?>(nil)
    /// The state tree, built from the state on first use (ChainStore+StateTree.swift).
    let treeMemory = ReadWriteLock<TreeMemory?>(nil)
    /// State rows read through snapshots (`ReadView`: answers, admission, execution), each key looked up or entry
    /// scanned counting one: `yongchain_storage_state_rows_read_total`, how much a request or a block reads.
    public let stateRowsRead = Atomic<Int>(0)
    /// The newest committed state's hot values (StateCache.swift).
    let stateCache: StateCache
    public var stateCacheHits: Int { stateCache.hits.load(ordering: .relaxed) }
    /// State proofs handed out from `proofCache` (`/metrics`: `yongchain_storage_kept_proof_hits_total`).
    public var keptProofHits: Int { proofCache.hits.load(ordering: .relaxed) }
    /// State proofs made at the newest state root they were asked at (`ReadView.stateProof`).
    let proofCache: StateRootCache<KeptProof>
    /// Reads `readCacheFirst` answered from the state cache alone, with no SQLite transaction.
    public let readsFromCache = Atomic<Int>(0)

    public static let schemaVersion = 5

    /// Runs the WAL checkpoints on a thread of its own (ChainStore+Checkpoints.swift).
    let checkpointer: Checkpointer

    /// Opens (or creates) the database at `path`, upgrading an older schema first (`upgradeSchema`; `log` hears of
    /// an upgrade, which can take seconds).
    public init(path: String, stateCache: StateCacheLimits = StateCacheLimits(), proofCache: StateRootCacheLimits = .proofs,
                log: (String) -> Void = { _ in }) throws {
        self.path = path
        self.stateCache = StateCache(limits: stateCache)
        self.proofCache = StateRootCache(limits: proofCache)
        checkpointer = Checkpointer(path: path)
        writer = try Connection(path: path, readOnly: false)
        try writer.exec("PRAGMA journal_mode=WAL")
        // Blocks commit without an fsync of their own; the signer's record is written with FULL, which syncs the
        // WAL and so every block committed before it (`durably` says why that is safe).
        try writer.exec("PRAGMA synchronous=NORMAL")
        checkpointer.takeCheckpoints(from: writer)
        try writer.exec("PRAGMA foreign_keys=OFF")
        try writer.transaction {
            try writer.exec("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, time INTEGER NOT NULL,
                tx_count INTEGER NOT NULL, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS commits (height INTEGER PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS state_roots (height INTEGER PRIMARY KEY, hash BLOB NOT NULL, root BLOB);
            CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL,
                code TEXT NOT NULL, message TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL, leaf BLOB) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS parties (member TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL,
                PRIMARY KEY (member, height, idx)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS signer (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS signer_blocks (hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, height INTEGER NOT NULL, validator INTEGER NOT NULL,
                data BLOB NOT NULL, UNIQUE (height, validator, data));
            """)
            // SHA-256 of each block's stored bytes (a checksum of this node's own, never a chain hash, so SHA-256 on
            // every chain), so that a change to any byte — a transaction's signature too,
            // which no header hash covers — is seen when the block is read. Databases made before it have NULL.
            var columns: [String] = []
            try writer.query("PRAGMA table_info(blocks)") { columns.append($0.text(1)) }
            if !columns.contains("data_hash") { try writer.exec("ALTER TABLE blocks ADD COLUMN data_hash BLOB") }
        }
        try upgradeSchema(log: log)
    }

    deinit { checkpointer.stop() }

    // MARK: - Genesis and tip

    /// The genesis hash this database belongs to, if it was initialised.
    public func genesisHash() throws -> Hash? {
        try locked { try meta("genesis").flatMap(Hash.init) }
    }

    /// First start: records genesis and its initial state (height 0). Later starts: refuses a database made for a
    /// different genesis, then checks the tip.
    public func open(genesis: Genesis, initialWrites: [(key: [UInt8], value: [UInt8]?)], initialTree: TreeUpdate) throws {
        try locked {
            if let existing = try meta("genesis").flatMap(Hash.init) {
                guard existing == genesis.hash else {
                    throw StorageError(code: "GENESIS_MISMATCH",
                                       message: "this database belongs to genesis \(existing.short), not \(genesis.hash.short); use a fresh --home or the right genesis file")
                }
                cachedChain.withLock { $0 = genesis.chain }
                try checkTipLocked()
                stateCache.endCommit(at: tip.height)
                return
            }
            try writer.transaction {
                try setMeta("genesis", genesis.hash.bytes)
                try setMeta("chain_id", Array(genesis.chainID.utf8))
                try setMeta("hash_suite", Array(genesis.chain.hashSuite.rawValue.utf8))
                try applyWrites(initialWrites, digests: initialTree.writeDigests)
                try storeRoot(initialTree, height: 0)
                try setTip(ChainTip(height: 0, blockHash: Hash.zero, stateRoot: initialTree.rootHash, time: genesis.genesisTime,
                                    stateTree: initialTree.root))
            }
            cachedChain.withLock { $0 = genesis.chain }
            stateCache.endCommit(at: try loadTip().height)
        }
    }

    /// The committed tip. Read from disk by `open` and replaced by each successful `commit`, so it never needs a
    /// read that could fail. The store MUST be opened before it is asked.
    public var tip: ChainTip {
        guard let t = cachedTip.withLock({ $0 }) else { preconditionFailure("ChainStore.tip asked before open(genesis:)") }
        return t
    }

    private func loadTip() throws -> ChainTip {
        guard let b = try meta("tip") else {
            throw StorageError(code: "STORAGE_UNINITIALISED", message: "the database has no genesis yet")
        }
        let t = try ChainTip(tipBytes: b)
        cachedTip.withLock { $0 = t }
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
        var root: Hash?
        try writer.query("SELECT hash FROM state_roots WHERE height = ?", [try .int(checked: t.height, "height")]) { root = Hash($0.blob(0)) }
        guard root == block.header.stateRoot, t.stateRoot == root, t.stateTree?.hash ?? Hash.zero == root else {
            throw StorageError(code: "STORAGE_CORRUPT", message: "the state root recorded for height \(t.height) differs from its block's header")
        }
    }

    // MARK: - Commit

    /// Stores a decided block with its certificate, its transactions' results, the state writes and the new state
    /// root, atomically. The block MUST extend the tip, and `tree` MUST be `StateTree.update` of exactly `writes`
    /// (the store keeps its `writeDigests` beside the values).
    public func commit(block: Block, certificate: CommitCertificate, writes: [(key: [UInt8], value: [UInt8]?)],
                       results: [(hash: Hash, result: TxResult)], parties: [[String]] = [], tree: TreeUpdate) throws {
        try locked {
            let t = try loadTip()
            guard block.height == t.height + 1 else {
                throw StorageError(code: "STORAGE_NOT_NEXT", message: "block \(block.height) does not extend tip \(t.height)")
            }
            let height = try Value.int(checked: block.height, "height")
            let next = ChainTip(height: block.height, blockHash: block.hash, stateRoot: tree.rootHash, time: block.header.time,
                                stateTree: tree.root)
            do {
                try writer.transaction {
                    let data = block.canonicalBytes
                    try writer.run("INSERT INTO blocks (height, hash, time, tx_count, data, data_hash) VALUES (?, ?, ?, ?, ?, ?)",
                                   [height, .hash(block.hash), .int(block.header.time),
                                    .int(Int64(block.transactions.count)), .blob(data), .blob(HashSuite.sha256.digest(data).bytes)])
                    try writer.run("INSERT INTO commits (height, data) VALUES (?, ?)", [height, .blob(certificate.canonicalBytes)])
                    for (i, r) in results.enumerated() {
                        try writer.run("INSERT INTO txs (hash, height, idx, code, message) VALUES (?, ?, ?, ?, ?)",
                                       [.hash(r.hash), height, .int(Int64(i)), .text(r.result.code), .text(r.result.message)])
                    }
                    try storeParties(parties, height: height)
                    try applyWrites(writes, digests: tree.writeDigests)
                    try storeRoot(tree, height: block.height)
                    try setTip(next)
                    // The memory's tree before the commit, so that no snapshot of the new state finds it missing;
                    // readers of the state before still find theirs. Dropped if the commit fails.
                    applyTree(tree, height: block.height)
                    stateCache.beginCommit(writing: writes.map(\.key))
                }
            } catch {
                dropTree()
                stateCache.reset()
                throw error
            }
            stateCache.endCommit(at: block.height)
            cachedTip.withLock { $0 = next }
        }
    }

    /// Records the state root of `height` (its `ChildRef`, for a later reader of that height's tree).
    private func storeRoot(_ tree: TreeUpdate, height: UInt64) throws {
        try writer.run("INSERT INTO state_roots (height, hash, root) VALUES (?, ?, ?)",
                       [try Value.int(checked: height, "height"), .blob(tree.rootHash.bytes), tree.root.map { .blob($0.canonicalBytes) } ?? .null])
    }

    private func setTip(_ t: ChainTip) throws {
        var w = CanonicalWriter()
        w.u64(t.height); w.hash(t.blockHash); w.hash(t.stateRoot); w.i64(t.time)
        if let ref = t.stateTree { w.u8(1); w.item(ref) } else { w.u8(0) }
        try setMeta("tip", w.bytes)
    }

    func meta(_ key: String) throws -> [UInt8]? {
        var out: [UInt8]?
        try writer.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { out = $0.blob(0) }
        return out
    }

    private func setMeta(_ key: String, _ value: [UInt8]) throws {
        try writer.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [.text(key), .blob(value)])
    }

    // MARK: - Execution-time state (writer connection)

    /// Committed state as the writer sees it, for executing one block on the commit path. Each call gives a
    /// reader with its own failure record: check it (`checkReads()`) before committing what was computed.
    public var committedState: StateReader { WriterState(store: self, failures: ReadFailures()) }

    struct WriterState: StateReader {
        let store: ChainStore
        let failures: ReadFailures
        func get(_ key: [UInt8]) -> [UInt8]? {
            store.locked { failures.answer(nil) { try ChainStore.get(store.writer, key) } }
        }
        func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
            store.locked { failures.answer([]) { try ChainStore.scan(store.writer, prefix: prefix, after: after, limit: limit) } }
        }
        func checkReads() throws { try failures.check() }
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
                        [.blob(lower), .blob(upper), .int(Int64(max(limit, 0)))]) { out.append(($0.blob(0), $0.blob(1))) }
        } else {
            try c.query("SELECT key, value FROM state WHERE key \(op) ? ORDER BY key LIMIT ?",
                        [.blob(lower), .int(Int64(max(limit, 0)))]) { out.append(($0.blob(0), $0.blob(1))) }
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
    /// A read that failed inside `body` (even one a `StateReader` answered as absent) makes this throw, so no
    /// answer is ever computed from a failed read.
    public func read<T>(_ body: (ReadView) throws -> T) throws -> T {
        let c = try checkoutReader()
        defer { checkin(c) }
        return try c.readTransaction {
            // The snapshot opens with its tip, whose height says whether the state cache speaks for it.
            var tip: [UInt8]?
            try c.query("SELECT value FROM meta WHERE key = 'tip'") { tip = $0.blob(0) }
            let view = ReadView(connection: c, failures: ReadFailures(), knownChain: cachedChain.withLock { $0 }, store: self, tipBytes: tip)
            let result = try body(view)
            try view.failures.check()
            return result
        }
    }

    private func checkoutReader() throws -> Connection {
        if let c = readersLock.withLock({ readers.popLast() }) { return c }
        let c = try Connection(path: path, readOnly: true)
        try c.exec("PRAGMA cache_size=-\(Self.readerCacheKiB)")
        return c
    }

    /// Each pooled reader's page cache in KiB (SQLite's default: 2,000). A read touches a few pages; 16 readers at the
    /// default grew a running node by up to 32 MiB that a restarted one did not hold (docs/performance.md, session 9).
    static let readerCacheKiB = 512

    private func checkin(_ c: Connection) {
        readersLock.withLock { if readers.count < 16 { readers.append(c) } }
    }

    public func block(at height: UInt64) throws -> Block? { try read { try $0.block(at: height) } }
    public func certificate(at height: UInt64) throws -> CommitCertificate? { try read { try $0.certificate(at: height) } }
    public func transaction(_ hash: Hash) throws -> TxRecord? { try read { try $0.transaction(hash) } }

    private func blockLocked(_ height: UInt64) throws -> Block? {
        try ChainStore.block(writer, height, chain: try chainLocked())
    }

    /// The chain this database belongs to (writer lock held).
    func chainLocked() throws -> Chain {
        try cachedChain.withLock({ $0 }) ?? ChainStore.chain(meta("chain_id"), suite: meta("hash_suite"))
    }

    /// Whether a transaction hash is already committed (writer's view, for block validation on the commit path).
    public func isCommitted(_ hash: Hash) throws -> Bool {
        try locked { try ChainStore.isCommitted(writer, hash) }
    }

    static func isCommitted(_ c: Connection, _ hash: Hash) throws -> Bool {
        var found = false
        try c.query("SELECT 1 FROM txs WHERE hash = ?", [.hash(hash)]) { _ in found = true }
        return found
    }

    /// The block stored at `height`, checked against what it must match: its header hashes to the hash recorded
    /// beside it (which the next block and the commit certificate point at), its transactions to the header's
    /// transaction root, and its last commit to the header's last-commit hash. A block altered on disk is never
    /// handed out: it throws STORAGE_CORRUPT naming the height.
    static func block(_ c: Connection, _ height: UInt64, chain: Chain) throws -> Block? {
        guard let h = Value.int(exactly: height) else { return nil }
        var row: (hash: [UInt8], data: [UInt8], dataHash: [UInt8]?)?
        try c.query("SELECT hash, data, data_hash FROM blocks WHERE height = ?", [h]) { row = ($0.blob(0), $0.blob(1), $0.isNull(2) ? nil : $0.blob(2)) }
        guard let row else { return nil }
        if let d = row.dataHash, HashSuite.sha256.digest(row.data).bytes != d {
            throw StoredBlockCorrupt(height: height, reason: "its stored bytes changed since it was committed")
        }
        let block: Block
        do { block = try Block(canonical: row.data, hashSuite: chain.hashSuite) } catch {
            throw StoredBlockCorrupt(height: height, reason: "it does not decode: \(error)")
        }
        guard block.height == height else { throw StoredBlockCorrupt(height: height, reason: "it says it is block \(block.height)") }
        guard block.hash.bytes == row.hash else { throw StoredBlockCorrupt(height: height, reason: "its header does not hash to the recorded block hash") }
        if let reason = block.integrityProblem(chain: chain) { throw StoredBlockCorrupt(height: height, reason: reason) }
        return block
    }

    /// Checks the stored blocks `from...through` without the writer's lock: each block against its recorded hash,
    /// its roots and its stored bytes (`block(at:)`), its link to the block before, its certificate, and the state
    /// root its header carries against the one recorded for it. Throws `StoredBlockCorrupt` naming
    /// the first bad height. It needs no signature check: a block is bound to its successor's link and to a
    /// certificate that was verified when it was committed, and the stored bytes to their digest.
    public func verifyStoredBlocks(from: UInt64, through: UInt64) throws {
        guard from <= through else { return }
        try read { v in
            var previous: Hash? = from > 1 ? try v.block(at: from - 1)?.hash : nil
            var h = from
            while h <= through {
                guard let (b, _) = try v.committedBlock(at: h) else { throw StoredBlockCorrupt(height: h, reason: "it is missing") }
                if h > 1 {
                    guard let p = previous, b.header.previousBlockHash == p else {
                        throw StoredBlockCorrupt(height: h, reason: "it does not link to block \(h - 1)")
                    }
                }
                guard try v.stateRoot(at: h) == b.header.stateRoot else {
                    throw StoredBlockCorrupt(height: h, reason: "its header's state root differs from the one recorded for it")
                }
                previous = b.hash
                h += 1
            }
        }
    }

    /// Runs `body` (writes on the writer, lock held) with SQLite syncing the WAL when it commits: FULL for this
    /// write only. Since the WAL is one file, the sync also makes every earlier commit durable.
    ///
    /// Why blocks may commit with NORMAL: a power loss (a process crash loses nothing) can then undo only the
    /// blocks committed after this validator's last signed message — a state a crash between saving a
    /// precommit and committing its block always could leave. The node restarts at that height with its signer
    /// record (its lock too) and catch-up fetches the block and its certificate from peers again. What guards
    /// safety, never signing twice for a height, round and step, is the signer record, written here with FULL.
    func durably<T>(_ body: () throws -> T) throws -> T {
        try writer.run("PRAGMA synchronous=FULL")
        // Left at FULL if the reset fails: slower, never less safe.
        defer { try? writer.run("PRAGMA synchronous=NORMAL") }
        return try body()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        return try body()
    }
}
