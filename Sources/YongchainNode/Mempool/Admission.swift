import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Admission of clients' and peers' transactions into the pool, each batch against one snapshot of committed
/// state: not already committed, signature (through the signature cache, shared with block validation), the
/// application's check, the pool's bounds. It serves `POST /v1/txs` and `POST /v1/txs/batch`
/// (Admission+Routes.swift) and peers' gossiped transactions, and relays what it admits.
///
/// Thread rule: any thread, at once; its state is the mempool's (under the mempool's lock), the signature cache's
/// and the count of submissions waiting for their commit.
final class Admission: Sendable {
    let chain: Chain
    let application: Application
    let store: ChainStore
    let mempool: Mempool
    let signatures: SignatureCache
    /// Where admitted transactions are relayed (every peer).
    let gossip: Gossip
    let view: ChainView
    let limits: APILimits
    let health: NodeHealth
    let metrics: Metrics
    let logger: Logger
    /// Submissions waiting for their commit (`wait=commit`, bounded by `limits.maxCommitWaiters`).
    let commitWaiters = Atomic<Int>(0)

    init(chain: Chain, application: Application, store: ChainStore, mempool: Mempool, signatures: SignatureCache, gossip: Gossip,
         view: ChainView, limits: APILimits, health: NodeHealth, metrics: Metrics, logger: Logger) {
        self.chain = chain
        self.application = application
        self.store = store
        self.mempool = mempool
        self.signatures = signatures
        self.gossip = gossip
        self.view = view
        self.limits = limits
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// Mempool admission (not already committed, signature, the application's check, pool bounds) of a batch —
    /// one transaction from `POST /v1/txs`, up to 1,000 from `POST /v1/txs/batch`, or a peer's gossip — against
    /// one snapshot of committed state. With `relay`, the transactions this call added to the pool go to every
    /// peer as one gossip batch (a peer's own gossip is not relayed again: its sender sends it to everyone).
    /// The results are in the batch's order; if the snapshot cannot be read, every one is STORAGE_UNAVAILABLE
    /// and the failure counts as a storage failure.
    func admit(_ batch: [Transaction], relay: Bool) -> [Admitted] {
        // Each transaction's hash, once: the pool, the committed index, the signature cache and the answer use it.
        let hashes = batch.map { $0.hash(on: chain) }
        var results: [Admitted]
        var fresh: [Transaction] = []
        do {
            results = try store.read { view in
                let reads = StateOverlay(base: view)
                return zip(batch, hashes).map { tx, hash in
                    let r = admit(tx, hash: hash, view: view, state: reads)
                    if relay, r.added { fresh.append(tx) }
                    return r
                }
            }
        } catch {
            health.storageError(error, "admitting transactions", logger: logger)
            results = hashes.map { Admitted(hash: $0, refusal: Self.storageUnavailable) }
            fresh = []
        }
        if !fresh.isEmpty { gossip.broadcast(.transactions(fresh)) }
        return results
    }

    /// One transaction's admission: its hash, and why it was refused (nil: it is in the pool).
    struct Admitted {
        let hash: Hash
        let refusal: APIError?
        /// Whether this call added it to the pool (rather than finding it there already).
        var added = false
    }

    static let mempoolFull = APIError(NodeCode.mempoolFull, "the transaction pool is full; retry later (a transaction already submitted: GET /v1/txs/{hash})")

    /// A submission to a full pool is refused before its body is parsed: the refusal does not depend on the body
    /// (docs/http.md, "A full pool"), and reading it — strict JSON, the envelopes, hex and keys, about 94,000
    /// instructions a transaction — is what a flood of refused retries would otherwise cost. Counted in
    /// `yongchain_mempool_refused_unparsed_total`.
    func refuseIfFull() throws {
        guard mempool.isFull else { return }
        metrics.count("mempool_refused_unparsed_total")
        throw Self.mempoolFull
    }

    static let storageUnavailable = APIError(NodeCode.storageUnavailable, "the node could not read its committed state; retry shortly")

    /// One transaction against a snapshot. `state` reads `view`, through a batch's read cache (checks only read,
    /// and every transaction of a batch reads its signer's membership).
    private func admit(_ tx: Transaction, hash: Hash, view: ReadView, state: StateReader) -> Admitted {
        if mempool.contains(hash) { return Admitted(hash: hash, refusal: nil) }
        if view.isCommitted(hash) {
            return Admitted(hash: hash, refusal: APIError(NodeCode.txAlreadyCommitted, "transaction \(hash.hex) is already committed; a replay is refused"))
        }
        guard signatures.verify(tx, hash: hash) else {
            return Admitted(hash: hash, refusal: APIError(NodeCode.badSignature, "the signature does not match the transaction and its signer for chain \(chain.id)"))
        }
        // A full pool refuses before the application's check (the body decoded, the signer's standing read): the
        // check would be done again on a later submission anyway. After the signature, on purpose: see .signerFull.
        if mempool.isFull { return Admitted(hash: hash, refusal: Self.mempoolFull) }
        if let bad = application.check(tx, hash: hash, state: state) {
            return Admitted(hash: hash, refusal: APIError(bad.code, bad.message))
        }
        switch mempool.add(tx, hash: hash) {
        case .added: return Admitted(hash: hash, refusal: nil, added: true)
        case .duplicate: return Admitted(hash: hash, refusal: nil)
        case .full: return Admitted(hash: hash, refusal: Self.mempoolFull)
        // Decided after the signature on purpose: a peer's gossip refused here is still memoised, so the block
        // that carries it later does not verify it on the consensus path; a client's retry finds the memo too.
        case .signerFull: return Admitted(hash: hash, refusal: signerFull)
        }
    }

    private var signerFull: APIError {
        APIError(NodeCode.mempoolSignerFull, "this node's pool already holds \(mempool.limits.perSigner) pending transactions signed by this key; retry as they commit")
    }
}
