import CSQLite
import Foundation
import YongchainCore

/// Pruning the state tree: deleting the nodes no kept version reaches, in sorted batches, off the commit path.
///
/// Why this shape (docs/performance.md, session 6):
/// - A block's stale nodes were made at every earlier height, so they are spread over the whole `tree_nodes`
///   table (keyed by version, then path). Deleting each block's list inside its commit dirtied most of the
///   table's pages at every commit; at 10^5 transactions a chain fell from 1,800 to about 900 tx/s.
/// - So a commit only records its list (one row of `tree_stale`). A pass gathers the lists of many heights, sorts
///   their keys into primary-key order and deletes them in bounded transactions: consecutive deletes land on the
///   same or the next B-tree page, so a page is rewritten about once per pass instead of once per block.
/// - Passes run on the pruner's own thread and SQLite connection. Each pruning transaction holds the store's
///   writer lock, so a commit waits for at most one chunk (on the lock, not in SQLite's sleeping busy handler)
///   and a commit is never inside a pruning transaction.
/// - Crash safety: a height's list is deleted in the same transaction as the last of the nodes gathered with
///   it. Deleting a node twice is a no-op, and a key (version, path) is never stored again once it is stale (the
///   version is the height that made the node), so a pass cut short anywhere is simply redone.
///
/// What is kept (K = `treeVersionsKept`): the trees of the newest K heights stay whole. A node listed stale at
/// height s is reached from no root at s or later, so the lists with s ≤ tip − K + 1 may go.
/// K = 8 by default, because nothing reads an older tree:
/// - the API proves only at the tip, inside one read transaction, and SQLite's WAL snapshot keeps every page that
///   transaction reads even while a pass deletes its version's nodes (so a proof begun at the tip is whole);
/// - executing the next block, catch-up included, reads the tip's tree.
/// The newest heights stay for tools and diagnostics looking a few blocks back; each kept height costs what a
/// block made stale (at 2,000 tx/s, a block of 1,000 register transactions makes about 36,000 nodes stale, 4 MB).
extension ChainStore {
    public static let defaultTreeVersionsKept: UInt64 = 8

    /// Deletes per SQLite transaction: about a millisecond, the longest a commit waits behind a pass, and at most
    /// a few MB of WAL before the next checkpoint may run (the deletes of a pass are spread over the table, so
    /// nearly each dirties a page of its own).
    static let pruneDeletesPerTransaction = 500

    /// How many bytes of stale lists one pass gathers, sorts and deletes (about 13 bytes a key, so about 150,000
    /// keys and 10 MB of memory while sorting).
    static let pruneListBytesPerPass = 2 << 20

    /// Deletes one stored node by its key (StateTreeStoreTests checks SQLite finds it by the primary key).
    static let pruneNodeSQL = "DELETE FROM tree_nodes WHERE version = ? AND path = ?"

    /// What a pruning call did.
    public struct PruneReport: Sendable, Equatable {
        /// Delete statements run (a node already deleted by a pass cut short counts again).
        public var nodesDeleted = 0
        /// Stale lists finished and removed.
        public var heightsDone = 0
        /// Whether prunable lists remain (only when `maxDeletes` stopped the call).
        public var stoppedEarly = false
    }

    /// Prunes now, on a connection of its own, everything the kept versions allow (the same passes the background
    /// pruner runs). For a store made with `pruneInBackground: false`; a store with no `treeVersionsKept` prunes
    /// nothing. `maxDeletes` stops after that many deletes without finishing any list — where a crash could
    /// stop a pass (tests).
    @discardableResult
    public func pruneTree(maxDeletes: Int? = nil) throws -> PruneReport {
        guard let kept = treeVersionsKept else { return PruneReport() }
        let c = try ChainStore.prunerConnection(path)
        return try ChainStore.prune(c, tip: tip.height, kept: kept, maxDeletes: maxDeletes) { body in try locked(body) }
    }

    /// A connection for pruning. Its commits need no sync of their own (SQLite's default is FULL): a delete lost
    /// in a crash is redone by the next pass, since the list that names it goes only with its last delete.
    static func prunerConnection(_ path: String) throws -> Connection {
        let c = try Connection(path: path, readOnly: false)
        try c.exec("PRAGMA synchronous=NORMAL")
        return c
    }

    /// Runs passes until every list at a prunable height is gone (or `maxDeletes` deletes were made).
    /// `exclusive` runs its body holding the store's writer lock.
    static func prune(_ c: Connection, tip: UInt64, kept: UInt64, maxDeletes: Int?,
                      exclusive: (() throws -> Void) throws -> Void) throws -> PruneReport {
        var report = PruneReport()
        let kept = max(kept, 1)
        guard tip + 1 > kept else { return report }
        let limit = try Value.int(checked: tip + 1 - kept, "height")
        while true {
            // 1. Which lists this pass takes: the oldest, up to the byte budget (at least one).
            var sizes: [(since: Int64, bytes: Int)] = []
            try c.readTransaction {
                try c.query("SELECT since, length(keys) FROM tree_stale WHERE since <= ? ORDER BY since", [limit]) {
                    sizes.append(($0.int(0), Int($0.int(1))))
                }
            }
            guard let first = sizes.first else { return report }
            var last = first.since, total = 0
            for s in sizes {
                if total > 0, total + s.bytes > pruneListBytesPerPass { break }
                total += s.bytes
                last = s.since
            }
            // 2. Their keys, in the table's primary-key order (version, then path as SQLite compares blobs).
            var stale: [NodeKey] = []
            var heights = 0
            try c.readTransaction {
                try c.query("SELECT keys FROM tree_stale WHERE since >= ? AND since <= ?", [.int(first.since), .int(last)]) { row in
                    var r = CanonicalReader(row.blob(0))
                    do { stale += try r.list("stale nodes", max: 1 << 24) { try $0.item(NodeKey.self) } } catch {
                        throw StorageError(code: "STORAGE_CORRUPT", message: "a stale-node list does not decode: \(error)")
                    }
                    heights += 1
                }
            }
            let keys = primaryKeyOrder(stale)
            // 3. Bounded transactions; the lists go with the last one.
            var start = 0
            repeat {
                var end = min(start + pruneDeletesPerTransaction, keys.count)
                if let maxDeletes {
                    let left = maxDeletes - report.nodesDeleted
                    if left < end - start {
                        end = start + max(left, 0)
                        report.stoppedEarly = true
                    }
                }
                let finishing = end == keys.count && !report.stoppedEarly
                let chunk = keys[start..<end]
                try exclusive {
                    try c.transaction {
                        for k in chunk {
                            guard let v = Int64(exactly: k.version) else { continue }  // never stored
                            try k.path.withCanonicalBytes { try c.run(pruneNodeSQL, v, $0) }
                        }
                        if finishing { try c.run("DELETE FROM tree_stale WHERE since >= ? AND since <= ?", [.int(first.since), .int(last)]) }
                    }
                }
                report.nodesDeleted += chunk.count
                start = end
                if report.stoppedEarly { return report }
            } while start < keys.count
            report.heightsDone += heights
        }
    }
}

extension ChainStore {
    /// `keys` sorted as `tree_nodes`' primary key orders them: version, then the path's canonical bytes as SQLite
    /// compares blobs.
    static func primaryKeyOrder(_ keys: [NodeKey]) -> [NodeKey] {
        keys.sorted { $0.version != $1.version ? $0.version < $1.version : TreePath.canonicalOrder($0.path, $1.path) }
    }
}

/// The store's background pruner: after commits it runs `ChainStore.prune` passes on its own thread and SQLite
/// connection. A pass starts once enough has gone stale to be worth a sorted batch (`nodesPerPass` nodes or
/// `heightsPerPass` heights), so its deletes share pages. The thread starts with the first commit and ends when
/// the store is released.
///
/// It also takes the WAL checkpoints off the commit path (`takeCheckpoints`): SQLite runs one inside the commit
/// that takes the WAL past 1,000 pages, copying them into the database file and syncing it while the writer's
/// lock is held. Here a PASSIVE checkpoint runs on the pruner's connection, beside commits, when the writer's
/// WAL passes `checkpointPages`; if the thread falls far behind (`inlineCheckpointPages`), the writer checkpoints
/// as SQLite would, so the WAL stays bounded.
final class TreePruner: @unchecked Sendable {
    static let nodesPerPass = 131_072
    static let heightsPerPass = 32
    static let checkpointPages: Int32 = 1_000
    static let inlineCheckpointPages: Int32 = 16_000

    private let path: String
    private let kept: UInt64
    private let writerLock: NSLock
    private let condition = NSCondition()
    // Under `condition`:
    private var tip: UInt64 = 0
    private var pendingNodes = 0
    private var pendingHeights = 0
    private var forced = false
    private var checkpointDue = false
    private var started = false
    private var stopping = false
    private var passesStarted = 0
    private var passesDone = 0
    private var failure: String?

    init(path: String, kept: UInt64, writerLock: NSLock) {
        self.path = path
        self.kept = kept
        self.writerLock = writerLock
    }

    /// Called after each commit (cheap: it only counts and, when a pass is due, wakes the thread).
    func committed(height: UInt64, staleNodes: Int) {
        condition.lock()
        defer { condition.unlock() }
        tip = height
        pendingNodes += staleNodes
        pendingHeights += 1
        startIfNeeded()
        if due { condition.signal() }
    }

    /// Registers on the writer's connection the hook that hands its WAL checkpoints to this thread (it replaces
    /// SQLite's automatic checkpoint on that connection).
    func takeCheckpoints(from writer: Connection) {
        sqlite3_wal_hook(writer.handle, { context, db, _, pages in
            if pages >= TreePruner.inlineCheckpointPages {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= TreePruner.checkpointPages, let context {
                Unmanaged<TreePruner>.fromOpaque(context).takeUnretainedValue().checkpointSoon()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func checkpointSoon() {
        condition.lock()
        defer { condition.unlock() }
        checkpointDue = true
        startIfNeeded()
        condition.signal()
    }

    /// Under `condition`.
    private func startIfNeeded() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in run() }
        thread.name = "yongchain-tree-pruner"
        thread.start()
    }

    /// After a pass: a pass rewrites pages all over the table, so the WAL grows by tens of MB, and with readers
    /// always active it seldom starts afresh (the file keeps its largest size). Copy it back beside commits
    /// (PASSIVE), then, holding the writer's lock, copy the rest and truncate the file (TRUNCATE waits only for
    /// readers already in the WAL, at most 100 ms here; if they outlast that, the next pass tries again).
    private func truncateLog(_ c: Connection) throws {
        try c.query("PRAGMA wal_checkpoint(PASSIVE)")
        writerLock.lock()
        defer { writerLock.unlock() }
        sqlite3_busy_timeout(c.handle, 100)
        defer { sqlite3_busy_timeout(c.handle, 5000) }
        try c.query("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// A PASSIVE checkpoint if one is due (never waits for the writer or readers; what it cannot copy yet waits
    /// for the next).
    private func checkpointIfDue(_ c: Connection) throws {
        guard condition.withLock({ () -> Bool in defer { checkpointDue = false }; return checkpointDue }) else { return }
        try c.query("PRAGMA wal_checkpoint(PASSIVE)")
    }

    private var due: Bool { forced || pendingNodes >= TreePruner.nodesPerPass || pendingHeights >= TreePruner.heightsPerPass }

    /// Starts a pass now, whatever is pending, and waits (up to `timeout` seconds) until it has run. Returns
    /// whether it ran (tests).
    func passNow(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard started else { return false }
        forced = true
        // The next pass to start (one running now began with an older tip).
        let goal = passesStarted + 1
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while passesDone < goal { if !condition.wait(until: deadline) { return false } }
        return true
    }

    /// The last pass's failure, if it failed (the next pass retries).
    var lastFailure: String? { condition.withLock { failure } }

    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    private func run() {
        var connection: Connection?
        while true {
            condition.lock()
            while !stopping, !due, !checkpointDue { condition.wait() }
            if stopping { condition.unlock(); return }
            let pass = due
            let t = tip
            if pass {
                pendingNodes = 0
                pendingHeights = 0
                forced = false
                passesStarted += 1
            }
            condition.unlock()

            var outcome: String?
            do {
                let c: Connection
                if let connection { c = connection } else {
                    c = try ChainStore.prunerConnection(path)
                    // Its own commits leave checkpoints to `checkpointIfDue` too, outside the writer's lock.
                    try c.query("PRAGMA wal_autocheckpoint=0")
                    connection = c
                }
                try checkpointIfDue(c)
                guard pass else { continue }
                let report = try ChainStore.prune(c, tip: t, kept: kept, maxDeletes: nil) { body in
                    // A released store stops between chunks (what is left is redone by the next store's passes).
                    if condition.withLock({ stopping }) { throw CancellationError() }
                    try checkpointIfDue(c)
                    // Lets a waiting commit take the lock before the next chunk (runs after the unlock below).
                    defer { usleep(200) }
                    writerLock.lock()
                    defer { writerLock.unlock() }
                    try body()
                }
                if report.nodesDeleted > 0 { try truncateLog(c) }
            } catch {
                outcome = "\(error)"
            }
            condition.withLock {
                failure = outcome
                if pass { passesDone += 1 }
                condition.broadcast()
            }
        }
    }
}

extension ChainStore {
    /// Why the background pruner's last pass failed, if it did (it retries after later commits). For a health
    /// check; nil when it works or the store does not prune in the background.
    public var treePruningFailure: String? { pruner?.lastFailure }
}
