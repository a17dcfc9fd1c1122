import CSQLite
import Foundation

/// Takes the WAL checkpoints off the commit path. SQLite runs one inside the commit that takes the WAL past
/// 1,000 pages, copying them into the database file and syncing it while the writer's lock is held. Here a
/// PASSIVE checkpoint runs on a thread and SQLite connection of its own, beside commits, when the writer's WAL
/// passes `checkpointPages`; if the thread falls far behind (`inlineCheckpointPages`), the writer checkpoints as
/// SQLite would, so the WAL stays bounded. The thread starts with the first checkpoint due and ends when the
/// store is released.
final class Checkpointer: @unchecked Sendable {
    static let checkpointPages: Int32 = 1_000
    static let inlineCheckpointPages: Int32 = 16_000

    private let path: String
    private let condition = NSCondition()
    // Under `condition`:
    private var due = false
    private var started = false
    private var stopping = false
    private var failure: String?

    init(path: String) { self.path = path }

    /// Registers on the writer's connection the hook that hands its WAL checkpoints to this thread (it replaces
    /// SQLite's automatic checkpoint on that connection).
    func takeCheckpoints(from writer: Connection) {
        sqlite3_wal_hook(writer.handle, { context, db, _, pages in
            if pages >= Checkpointer.inlineCheckpointPages {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= Checkpointer.checkpointPages, let context {
                Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().checkpointSoon()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func checkpointSoon() {
        condition.lock()
        defer { condition.unlock() }
        due = true
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.name = "yongchain-checkpoints"
            thread.start()
        }
        condition.signal()
    }

    /// The last checkpoint's failure, if it failed (the next one retries).
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
            while !stopping, !due { condition.wait() }
            if stopping { condition.unlock(); return }
            due = false
            condition.unlock()
            var outcome: String?
            do {
                let c: Connection
                if let connection { c = connection } else {
                    c = try Connection(path: path, readOnly: false)
                    connection = c
                }
                try c.query("PRAGMA wal_checkpoint(PASSIVE)")
            } catch {
                outcome = "\(error)"
            }
            condition.withLock { failure = outcome }
        }
    }
}

extension ChainStore {
    /// Why the background checkpoint last failed, if it did (it retries when the WAL grows again). For a health
    /// check; nil when it works.
    public var checkpointFailure: String? { checkpointer.lastFailure }
}
