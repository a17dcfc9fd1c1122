import Synchronization
import YongchainCore
import YongchainCrypto

/// How much a `StateRootCache` may hold: fixed per node, not configured.
public struct StateRootCacheLimits: Sendable, Equatable {
    /// Bytes held, as each insertion counts them (0 turns the cache off).
    public var maxBytes: Int
    /// Entries held.
    public var maxEntries: Int

    public init(maxBytes: Int, maxEntries: Int) {
        self.maxBytes = max(0, maxBytes)
        self.maxEntries = max(0, maxEntries)
    }

    /// A store's state proofs (`ChainStore`): 8 MiB, 16,384 proofs (a proof of a key among 10^5 to 10^6 is some 20
    /// sibling hashes, about 900 bytes with its key and value).
    public static let proofs = StateRootCacheLimits(maxBytes: 8 << 20, maxEntries: 16_384)
    /// Turned off.
    public static let off = StateRootCacheLimits(maxBytes: 0, maxEntries: 0)
}

/// What was worked out from the state at one state root, by a key: a state proof (`ChainStore`'s proofs, the proof's
/// walk, its bucket's hashes, the value's SQLite read and its check against the leaf: about 35,000 instructions a
/// key), or a verification question's answer and the keys it read (`QueryService`'s answers). Asked again at the
/// same state — every answer about a unit asks the same few keys, and an empty block keeps the root — it costs a
/// look-up instead (docs/performance.md, session 17).
///
/// A value kept here MUST be a function of the state root and the key alone (the root commits to every state
/// entry), so it never goes stale: it is simply of no use once the state has another root. The cache keeps the
/// values of one root, the root of the highest height it was given; a value worked out at an older snapshot's root
/// is returned to its asker and kept by no one.
///
/// Bounded by `StateRootCacheLimits`; emptied when full, like `StateCache` (hot keys come back at their next ask).
/// Thread-safe: a read-write lock, read for a look-up, written for an insertion.
public final class StateRootCache<Value: Sendable>: Sendable {
    private struct Contents {
        var root: Hash?
        var height: UInt64 = 0
        var values: [HashedBytes: Value] = [:]
        var bytes = 0
    }

    public let limits: StateRootCacheLimits
    private let contents = ReadWriteLock(Contents())
    /// Values returned from here.
    public let hits = Atomic<Int>(0)

    public init(limits: StateRootCacheLimits) { self.limits = limits }

    /// The value kept for `key` in the state whose root is `root`.
    public func value(_ key: [UInt8], root: Hash) -> Value? {
        guard limits.maxEntries > 0 else { return nil }
        let k = HashedBytes(bytes: key)
        let kept = contents.read { c in c.root == root ? c.values[k] : nil }
        if kept != nil { hits.add(1, ordering: .relaxed) }
        return kept
    }

    /// Keeps `value` for `key` in the state with root `root`, committed at `height`, unless the cache holds a higher
    /// height's root. `cost` is what the entry counts against `limits.maxBytes`.
    public func insert(_ key: [UInt8], _ value: Value, cost: Int, root: Hash, height: UInt64) {
        guard cost <= limits.maxBytes, limits.maxEntries > 0 else { return }
        contents.write { c in
            if c.root != root {
                guard c.root == nil || height > c.height else { return }
                c = Contents(root: root, height: height)
            }
            c.height = max(c.height, height)
            if c.values.count >= limits.maxEntries || c.bytes + cost > limits.maxBytes {
                c.values.removeAll(keepingCapacity: true)
                c.bytes = 0
            }
            if c.values.updateValue(value, forKey: HashedBytes(bytes: key)) == nil { c.bytes += cost }
        }
    }

    /// Forgets everything kept (for tests that alter the database behind the store's back).
    func reset() { contents.write { $0 = Contents() } }

    /// The root whose values are kept, and the entries and bytes they count (for tests).
    var size: (root: Hash?, entries: Int, bytes: Int) { contents.read { ($0.root, $0.values.count, $0.bytes) } }
}
