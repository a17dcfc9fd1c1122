import Foundation
import YongchainCore
import YongchainCrypto

/// Limits of the transaction pool; a full pool answers 503 `MEMPOOL_FULL`, a signer holding its share 429
/// `MEMPOOL_SIGNER_FULL`.
public struct MempoolLimits: Sendable {
    /// 20,000 was tried (docs/performance.md, session 14): 3–16 MiB off the city-year's peaks, but its clients,
    /// refused by a full pool, retried for twice as long (each retry decoded and checked again), and one unpaired
    /// run each on a loaded machine could not show that throughput did not suffer. 50,000 until a quiet pair does.
    public var maxTransactions = 50_000
    /// The pool's memory: each transaction counts its canonical bytes and `Mempool.entryOverhead`.
    public var maxBytes = 64 << 20
    /// Pending transactions of one signing key (a member's key); nil: half of `maxTransactions`. A block takes the
    /// oldest first, so without it one member's flood would fill the pool and hold every other member's
    /// transactions behind its own; with it, the others always find half the pool. (10,000 of 50,000 was tried in
    /// session 14: a single signer's bench at 2,000 tx/s offered was refused and retried so often that the nodes
    /// spent more CPU per committed transaction; docs/performance.md.)
    public var maxPerSigner: Int?
    public init() {}

    /// `maxPerSigner`, or half the pool.
    public var perSigner: Int { maxPerSigner ?? max(1, maxTransactions / 2) }
}

/// Transactions admitted but not yet committed, in arrival order. Thread-safe.
///
/// Admission (by the node) has already checked signature, format and duplicates against the committed index;
/// the pool adds de-duplication among pending transactions and the bounds. A pending transaction is held as its
/// canonical bytes, one allocation (decoded, it is five: the envelope, type, body, key and signature), and decoded
/// again when a block is built from it (`peek`): a backlog of tens of thousands is the largest thing a node holds
/// under load (docs/performance.md, session 13).
final class Mempool: @unchecked Sendable {
    struct Entry {
        let tx: Transaction
        let hash: Hash
    }

    enum AddResult: Equatable {
        case added
        case duplicate
        case full
        /// The signer already holds `limits.perSigner` pending transactions.
        case signerFull
    }

    /// A pending transaction: its canonical bytes and whose share it counts against (its signer's key's hash in
    /// this process — 64 random-seeded bits, so two signers sharing one count is not a thing anyone can arrange).
    private struct Pending {
        let bytes: [UInt8]
        let signer: Int
    }

    /// What one pending transaction holds beyond its canonical bytes: the array's header and malloc's (48), its
    /// slot in the table of entries at the table's lowest load (48 / 0.375) and in the arrival order (32, up to
    /// twice over between compactions).
    static let entryOverhead = 48 + 128 + 64

    private let lock = NSLock()
    private var order: [Hash] = []
    private var head = 0
    private var entries: [Hash: Pending] = [:]
    /// Pending transactions per signer (`Pending.signer`); a signer with none has no entry.
    private var perSigner: [Int: Int] = [:]
    private var bytes = 0
    let limits: MempoolLimits

    init(limits: MempoolLimits) { self.limits = limits }

    var count: Int { lock.withLock { entries.count } }

    /// The memory the pool's transactions count against `maxBytes`.
    var countedBytes: Int { lock.withLock { bytes } }

    func contains(_ hash: Hash) -> Bool { lock.withLock { entries[hash] != nil } }

    /// Whether the pool refuses every transaction it does not hold, whatever its size: it holds `maxTransactions`,
    /// or not even a transaction's fixed overhead fits in `maxBytes`. Decided without the transaction, so a
    /// submission can be refused before its body is parsed (docs/http.md, "A full pool").
    var isFull: Bool { lock.withLock { entries.count >= limits.maxTransactions || bytes + Self.entryOverhead >= limits.maxBytes } }

    func add(_ tx: Transaction, hash: Hash) -> AddResult {
        let size = tx.canonicalSize + Self.entryOverhead
        let signer = tx.signer.hashValue
        // The bounds first, so a refused transaction is not encoded; then again with its bytes, under the same lock
        // as the insertion.
        if let refused = lock.withLock({ refusal(hash, size: size, signer: signer) }) { return refused }
        let encoded = Self.encode(tx)
        return lock.withLock {
            if let refused = refusal(hash, size: size, signer: signer) { return refused }
            entries[hash] = Pending(bytes: encoded, signer: signer)
            perSigner[signer, default: 0] += 1
            order.append(hash)
            bytes += size
            return .added
        }
    }

    /// Why `add` refuses a transaction of `size` counted bytes (nil: it fits). Call under `lock`.
    private func refusal(_ hash: Hash, size: Int, signer: Int) -> AddResult? {
        if entries[hash] != nil { return .duplicate }
        if entries.count >= limits.maxTransactions || bytes + size > limits.maxBytes { return .full }
        if perSigner[signer, default: 0] >= limits.perSigner { return .signerFull }
        return nil
    }

    /// Pending transactions signed by `key`.
    func pending(signedBy key: PublicKey) -> Int { lock.withLock { perSigner[key.hashValue] ?? 0 } }

    /// Up to `max` pending transactions in arrival order, without removing them, decoded. Their canonical bytes
    /// came from a `Transaction` that admission decoded and checked, so they decode; one that does not (a bug) is
    /// dropped from the pool rather than proposed.
    func peek(max: Int, maxBytes: Int = 16 << 20) -> [Entry] {
        let picked: [(hash: Hash, bytes: [UInt8])] = lock.withLock {
            var out: [(hash: Hash, bytes: [UInt8])] = []
            var size = 0
            var i = head
            while i < order.count, out.count < max {
                if let e = entries[order[i]] {
                    if size + e.bytes.count > maxBytes { break }
                    out.append((order[i], e.bytes))
                    size += e.bytes.count
                }
                i += 1
            }
            return out
        }
        var undecodable: [Hash] = []
        let decoded = picked.compactMap { p -> Entry? in
            guard let tx = try? Transaction(canonical: p.bytes) else { undecodable.append(p.hash); return nil }
            return Entry(tx: tx, hash: p.hash)
        }
        if !undecodable.isEmpty { remove(undecodable) }
        return decoded
    }

    /// Drops committed transactions.
    func remove(_ hashes: [Hash]) {
        lock.withLock {
            for h in hashes {
                guard let e = entries.removeValue(forKey: h) else { continue }
                bytes -= e.bytes.count + Self.entryOverhead
                if let n = perSigner[e.signer], n > 1 { perSigner[e.signer] = n - 1 } else { perSigner[e.signer] = nil }
            }
            // Skip the removed prefix; compact once the dead part dominates.
            while head < order.count, entries[order[head]] == nil { head += 1 }
            if head > 4096 && head * 2 > order.count {
                order = order[head...].filter { entries[$0] != nil }
                head = 0
            }
        }
    }

    /// `tx`'s canonical bytes in an array of their size (a writer left to grow doubles its array).
    static func encode(_ tx: Transaction) -> [UInt8] {
        var w = CanonicalWriter(capacity: tx.canonicalSize)
        tx.encode(to: &w)
        return w.bytes
    }
}
