import Synchronization
import YongchainCore
import YongchainCrypto

/// How much the committed-state cache (`StateCache`) may hold. Node config: `stateCacheMiB`.
public struct StateCacheLimits: Sendable, Equatable {
    /// Bytes held: each entry's key and value, plus `entryOverhead` for its slot (default 8 MiB; 0 turns the
    /// cache off). 16 MiB before session 14: execution fills the cache too, so in a backlog it is emptied and
    /// filled every few blocks and held up to its bound at a node's peak; a verification answer's few hot keys
    /// fit in either (docs/performance.md, session 14).
    public var maxBytes: Int
    /// Entries held (default: one per 256 bytes of `maxBytes`, 32,768 at 8 MiB).
    public var maxEntries: Int

    /// What an entry costs beyond its bytes: the dictionary's slot and the two arrays' headers.
    static let entryOverhead = 96

    public init(maxBytes: Int = 8 << 20, maxEntries: Int? = nil) {
        self.maxBytes = max(0, maxBytes)
        self.maxEntries = max(0, maxEntries ?? maxBytes / 256)
    }
}

/// The newest committed state's hot values, out of SQLite: a verification answer reads a few keys (a unit's
/// status and liens, the caller's member record), and each SQLite point read cost about 7,000 instructions against
/// a few hundred here (docs/performance.md, session 12).
///
/// The cache speaks for exactly one height, the latest committed (`height`), and answers only a reader whose
/// snapshot is at that height (`ReadView` knows its snapshot's height from the tip it reads first); any other
/// reader (a proof's pinned base, a snapshot a commit has passed) goes to SQLite. Invariant: while `height` is h,
/// every entry is exactly what SQLite holds for its key at h (a value, or nil for a key absent). It holds because
///
/// 1. a commit, before SQLite's COMMIT, takes the height away (`beginCommit`: no answers, no new entries) and drops
///    every key the block writes or deletes; once SQLite committed, the height moves to the block's
///    (`endCommit`), and the entries left are the keys the block did not touch, unchanged at the new height;
/// 2. an entry is added only by a reader whose snapshot is at `height`, checked under the same lock as the
///    insertion, so a value read at h never enters a cache that has moved on;
/// 3. a failed commit leaves the cache empty and without a height until the next commit succeeds.
///
/// Bounded by `StateCacheLimits`; emptied when full (hot keys come back at their next read).
/// Thread-safe: one read-write lock, read for a look-up (so that the API's threads never wait for each other: under
/// a `Mutex` they spun for it), written for an insertion or a block's evictions.
final class StateCache: Sendable {
    private struct Contents {
        var height: UInt64?
        var values: [HashedBytes: [UInt8]?] = [:]
        var bytes = 0
    }

    let limits: StateCacheLimits
    private let contents = ReadWriteLock(Contents())
    /// Look-ups answered here: `yongchain_storage_state_cache_hits_total`.
    let hits = Atomic<Int>(0)

    init(limits: StateCacheLimits) { self.limits = limits }

    /// `key`'s value at `height` if the cache holds it and speaks for that height: `.some(nil)` is a key known
    /// absent; nil means ask SQLite.
    func value(_ key: [UInt8], at height: UInt64) -> [UInt8]?? {
        let k = HashedBytes(bytes: key)
        let found: [UInt8]?? = contents.read { c in c.height == height ? c.values[k] : nil }
        if found != nil { hits.add(1, ordering: .relaxed) }
        return found
    }

    /// Remembers what a reader whose snapshot is at `height` read from SQLite for `key`: kept only if the cache
    /// still speaks for that height.
    func insert(_ key: [UInt8], _ value: [UInt8]?, at height: UInt64) {
        let cost = key.count + (value?.count ?? 0) + StateCacheLimits.entryOverhead
        guard cost <= limits.maxBytes, limits.maxEntries > 0 else { return }
        contents.write { c in
            guard c.height == height else { return }
            if c.values.count >= limits.maxEntries || c.bytes + cost > limits.maxBytes {
                c.values.removeAll(keepingCapacity: true)
                c.bytes = 0
            }
            if c.values.updateValue(value, forKey: HashedBytes(bytes: key)) == nil { c.bytes += cost }
        }
    }

    /// A commit is about to reach SQLite: no height until `endCommit`, and the block's keys dropped.
    func beginCommit(writing keys: [[UInt8]]) {
        contents.write { c in
            c.height = nil
            for key in keys {
                if let old = c.values.removeValue(forKey: HashedBytes(bytes: key)) {
                    c.bytes -= key.count + (old?.count ?? 0) + StateCacheLimits.entryOverhead
                }
            }
        }
    }

    /// SQLite committed `height` (or the store opened at it, with nothing cached yet): the entries speak for it.
    func endCommit(at height: UInt64) {
        contents.write { $0.height = height }
    }

    /// A commit failed: nothing is known until the next one succeeds.
    func reset() {
        contents.write { $0 = Contents() }
    }

    /// The entries and the bytes they count (for tests).
    var size: (entries: Int, bytes: Int) { contents.read { ($0.values.count, $0.bytes) } }
}
