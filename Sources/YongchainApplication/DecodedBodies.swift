import Foundation
import YongchainCore
import YongchainCrypto

/// Transaction bodies admission decoded and found admissible, kept for their execution (docs/performance.md,
/// session 14): every node admits a transaction (from a client or a peer's gossip) and then executes it in a
/// block, and decoding a body is a few percent of a transaction's CPU. Keyed by the transaction's hash; an entry
/// is used only for a transaction of the same type and the same body bytes, and a body's payload is a pure
/// function of them (`Payload.decode`), so a memo can never change an outcome — a wrong hash finds nothing.
///
/// Bounded: two generations of `generation` entries (when the current one is full it becomes the previous one),
/// and an entry leaves when its execution takes it.
///
/// Thread rule: any thread, at once (admission runs on the API's and the peers' threads, execution on the chain's).
final class DecodedBodies: @unchecked Sendable {
    /// Entries in one generation: a few blocks' worth, the backlog between admission and execution when a node
    /// keeps up (past that, a body evicted before its block is decoded again, as before the memo). An entry holds
    /// the body's bytes and its payload, about 1–2 KB for a mortgage application, so a full memo is a few MB.
    static let defaultGeneration = 2_048

    /// Bodies shorter than this are not kept: decoding one (an approval: an application id) costs less than the
    /// memo's own work (about 1,000 instructions to keep, 3,000 to take, by callgrind).
    static let minBodyBytes = 64

    /// One memo for the process (the handlers are static).
    static let shared = DecodedBodies()

    private struct Entry {
        let type: String
        let body: [UInt8]
        let payload: AnyObject
    }

    /// A payload in a class box: a class cast on the way out, cheaper than an existential's.
    private final class Box<P: Payload>: @unchecked Sendable {
        let payload: P
        init(_ payload: P) { self.payload = payload }
    }

    private let lock = NSLock()
    private var current: [Hash: Entry] = [:]
    private var previous: [Hash: Entry] = [:]
    private let generation: Int

    init(generation: Int = DecodedBodies.defaultGeneration) {
        precondition(generation > 0, "a generation holds at least one body")
        self.generation = generation
        current.reserveCapacity(generation)
    }

    /// Entries held (both generations).
    var count: Int { lock.withLock { current.count + previous.count } }

    /// Remembers `payload`, decoded from `tx`'s body, under `hash` (the transaction's hash), unless the body is
    /// shorter than `minBodyBytes`.
    func keep<P: Payload>(_ payload: P, of tx: Transaction, hash: Hash) {
        guard tx.body.count >= Self.minBodyBytes else { return }
        let entry = Entry(type: tx.type, body: tx.body, payload: Box(payload))
        lock.withLock {
            current[hash] = entry
            if current.count >= generation {
                previous = current
                current = Dictionary(minimumCapacity: generation)
            }
        }
    }

    /// The payload kept for `hash` if it was decoded from exactly `tx`'s type and body, removed from the memo;
    /// nil otherwise (then the caller decodes).
    func take<P: Payload>(_: P.Type, of tx: Transaction, hash: Hash) -> P? {
        guard tx.body.count >= Self.minBodyBytes else { return nil }
        let entry: Entry? = lock.withLock { current.removeValue(forKey: hash) ?? previous.removeValue(forKey: hash) }
        guard let entry, entry.type == tx.type, entry.body == tx.body else { return nil }
        return (entry.payload as? Box<P>)?.payload
    }
}
