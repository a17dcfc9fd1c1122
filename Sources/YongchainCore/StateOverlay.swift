import YongchainCrypto

/// Uncommitted writes over committed state: one transaction's writes nest inside one block's.
///
/// The node begins each transaction, lets the application execute, then keeps or discards that transaction's
/// writes. At the end of the block, `blockWrites` is what storage commits, atomically with the block, and what
/// the state hash covers.
public final class StateOverlay: StateReader {
    typealias Key = HashedBytes

    private let base: StateReader
    private var block: [Key: [UInt8]?] = [:]
    private var tx: [Key: [UInt8]?] = [:]
    /// What `base` answered, so a key every transaction reads (the signer's membership, say) is read from
    /// storage once per block. `base` does not change while the overlay lives.
    private var reads: [Key: [UInt8]?] = [:]

    public init(base: StateReader) { self.base = base }

    public func checkReads() throws { try base.checkReads() }

    public func get(_ key: [UInt8]) -> [UInt8]? {
        let k = Key(bytes: key)
        if let v = tx[k] { return v }
        if let v = block[k] { return v }
        if let v = reads[k] { return v }
        let v = base.get(key)
        reads[k] = .some(v)
        return v
    }

    public func set(_ key: [UInt8], _ value: [UInt8]) { tx[Key(bytes: key)] = .some(value) }
    public func delete(_ key: [UInt8]) { tx[Key(bytes: key)] = .some(nil) }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        var pending: [[UInt8]: [UInt8]?] = [:]
        for (k, v) in block where k.bytes.starts(with: prefix) { pending[k.bytes] = v }
        for (k, v) in tx where k.bytes.starts(with: prefix) { pending[k.bytes] = v }
        var merged: [[UInt8]: [UInt8]] = [:]
        for e in base.scan(prefix: prefix, after: after, limit: limit + pending.count) { merged[e.key] = e.value }
        for (k, v) in pending {
            if let after, !after.lexicographicallyPrecedes(k) { continue }
            merged[k] = v
        }
        return merged.sorted { $0.key.lexicographicallyPrecedes($1.key) }.prefix(limit).map { ($0.key, $0.value) }
    }

    /// Keeps the current transaction's writes.
    public func commitTransaction() {
        for (k, v) in tx { block[k] = v }
        tx.removeAll(keepingCapacity: true)
    }

    /// Drops the current transaction's writes.
    public func discardTransaction() { tx.removeAll(keepingCapacity: true) }

    /// The block's writes in key order; a nil value deletes.
    public var blockWrites: [(key: [UInt8], value: [UInt8]?)] {
        precondition(tx.isEmpty, "a transaction is still open")
        return block.sorted { HashedBytes.precedes($0.key.bytes, $1.key.bytes) }.map { ($0.key.bytes, $0.value) }
    }
}
