import Foundation
import YongchainCore
import YongchainCrypto

/// Limits of the transaction pool; a full pool answers 503 `MEMPOOL_FULL`.
public struct MempoolLimits: Sendable {
    public var maxTransactions = 50_000
    public var maxBytes = 64 << 20
    public init() {}
}

/// Transactions admitted but not yet committed, in arrival order. Thread-safe.
///
/// Admission (by the node) has already checked signature, format and duplicates against the committed index;
/// the pool adds de-duplication among pending transactions and the bounds.
final class Mempool: @unchecked Sendable {
    struct Entry {
        let tx: Transaction
        let hash: Hash
        let size: Int
    }

    enum AddResult: Equatable {
        case added
        case duplicate
        case full
    }

    private let lock = NSLock()
    private var order: [Hash] = []
    private var head = 0
    private var entries: [Hash: Entry] = [:]
    private var bytes = 0
    private let limits: MempoolLimits

    init(limits: MempoolLimits) { self.limits = limits }

    var count: Int { lock.withLock { entries.count } }

    func contains(_ hash: Hash) -> Bool { lock.withLock { entries[hash] != nil } }

    func add(_ tx: Transaction, hash: Hash, size: Int) -> AddResult {
        lock.withLock {
            if entries[hash] != nil { return .duplicate }
            if entries.count >= limits.maxTransactions || bytes + size > limits.maxBytes { return .full }
            entries[hash] = Entry(tx: tx, hash: hash, size: size)
            order.append(hash)
            bytes += size
            return .added
        }
    }

    /// Up to `max` pending transactions in arrival order, without removing them.
    func peek(max: Int, maxBytes: Int = 16 << 20) -> [Entry] {
        lock.withLock {
            var out: [Entry] = []
            var size = 0
            var i = head
            while i < order.count, out.count < max {
                if let e = entries[order[i]] {
                    if size + e.size > maxBytes { break }
                    out.append(e)
                    size += e.size
                }
                i += 1
            }
            return out
        }
    }

    /// Drops committed transactions.
    func remove(_ hashes: [Hash]) {
        lock.withLock {
            for h in hashes {
                if let e = entries.removeValue(forKey: h) { bytes -= e.size }
            }
            // Skip the removed prefix; compact once the dead part dominates.
            while head < order.count, entries[order[head]] == nil { head += 1 }
            if head > 4096 && head * 2 > order.count {
                order = order[head...].filter { entries[$0] != nil }
                head = 0
            }
        }
    }
}
