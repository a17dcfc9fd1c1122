import Synchronization
import YongchainCore

/// Reads answered from the state cache alone, without a SQLite read transaction: a verification answer reads a few
/// keys the cache holds, and the transaction around them (a pooled connection, BEGIN, the tip, COMMIT, SQLite's WAL
/// read-mark lock taken and dropped) cost more than its reads (docs/performance.md, session 14).
extension ChainStore {
    /// Runs `body` as `read` does, first against a view of the state cache alone when the cache is on: the committed
    /// tip this store holds in memory, and the keys the cache holds at exactly that tip's height. At the first read
    /// that view cannot answer (a key the cache does not hold, the cache moved off that height because a commit
    /// began, a scan, a block, a proof, anything of SQLite's) its work is void: `body` runs again, from the start,
    /// through `read`. So an answer is either all of one height from the cache, or all of one SQLite snapshot.
    ///
    /// `body` MUST be safe to run twice: whatever it did before the read that sent it to SQLite (take a quota,
    /// remember a nonce) it meets again in the second run. What a cache-only run throws without having needed a
    /// snapshot is its answer (a 404 found in the cache is as true as one found in SQLite).
    public func readCacheFirst<T>(_ body: (ReadView) throws -> T) throws -> T {
        if stateCache.limits.maxEntries > 0, let tip = cachedTip.withLock({ $0 }), let chain = cachedChain.withLock({ $0 }) {
            let view = ReadView(cacheOnlyAt: tip, chain: chain, store: self)
            do {
                let result = try body(view)
                if !view.failures.neededSnapshot {
                    try view.failures.check()
                    readsFromCache.add(1, ordering: .relaxed)
                    return result
                }
            } catch {
                if !view.failures.neededSnapshot { throw error }
            }
        }
        return try read(body)
    }
}
