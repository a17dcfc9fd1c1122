import Foundation

/// The first failure of the reads made through one reader. `StateReader` reads cannot throw, so a failed one
/// answers a neutral value and is recorded here; `check()` then throws it (see `StateReader.checkReads`).
/// A cache-only view (`ChainStore.readCacheFirst`) also records here the first read it could not answer.
public final class ReadFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    private var snapshotNeeded = false

    /// A cache-only view met a read it cannot answer: whatever was computed from it is void, and the reader runs again
    /// against a SQLite snapshot. Returns the error to throw where the read could throw.
    func needSnapshot() -> Error {
        lock.withLock {
            snapshotNeeded = true
            if first == nil { first = SnapshotNeeded() }
        }
        return SnapshotNeeded()
    }

    /// Whether a cache-only view met a read it could not answer.
    var neededSnapshot: Bool { lock.withLock { snapshotNeeded } }

    func answer<T>(_ neutral: T, _ read: () throws -> T) -> T {
        do { return try read() } catch {
            lock.withLock { if first == nil { first = error } }
            return neutral
        }
    }

    public func check() throws {
        if let e = lock.withLock({ first }) { throw e }
    }
}

/// What a cache-only view's read throws when the state cache cannot answer it. Never a storage failure and never
/// an answer's: `ChainStore.readCacheFirst` sees it recorded and reads again from a SQLite snapshot.
struct SnapshotNeeded: Error {}
