import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Mempool admission of clients' and peers' transactions, each against one snapshot of committed state.
extension Node {
    // MARK: - Transactions

    /// Mempool admission (not already committed, signature, the application's check, pool bounds) of a client's
    /// transaction, relayed to the peers if it is new here.
    func admit(_ tx: Transaction) -> Result<Hash, APIError> {
        let r = (try? store.read { admit(tx, view: $0, state: $0) }) ?? .failure(Self.storageUnavailable)
        if case .success(let a) = r, a.added { gossip.broadcast(.transactions([tx])) }
        return r.map(\.hash)
    }

    /// Admits a client's batch against one snapshot of committed state, relaying the ones it added to the pool
    /// as one gossip batch (resending a batch does not gossip it again); the results are in the batch's order.
    func admit(submitted batch: [Transaction]) -> [Result<Hash, APIError>] {
        let results = (try? store.read { view in
            let reads = StateOverlay(base: view)
            return batch.map { admit($0, view: view, state: reads) }
        }) ?? batch.map { _ in .failure(Self.storageUnavailable) }
        let fresh = zip(batch, results).compactMap { tx, r in (try? r.get())?.added == true ? tx : nil }
        if !fresh.isEmpty { gossip.broadcast(.transactions(fresh)) }
        return results.map { $0.map(\.hash) }
    }

    /// Admits a batch (a peer's gossip) against one snapshot of committed state; answers how many were refused.
    func admit(batch: [Transaction]) -> Int {
        (try? store.read { view in
            let reads = StateOverlay(base: view)
            return batch.filter { if case .failure = admit($0, view: view, state: reads) { return true }; return false }.count
        }) ?? batch.count
    }

    static let storageUnavailable = APIError("STORAGE_UNAVAILABLE", "the node could not read its committed state; retry shortly")

    /// One transaction against a snapshot: its hash, and whether this call added it to the pool (rather than
    /// finding it there already). `state` reads `view`, through a batch's read cache where there is one (checks
    /// only read, and every transaction of a batch reads its signer's membership).
    func admit(_ tx: Transaction, view: ReadView, state: StateReader) -> Result<(hash: Hash, added: Bool), APIError> {
        let hash = tx.hash(chainID: chainID)
        if mempool.contains(hash) { return .success((hash, false)) }
        if view.isCommitted(hash) {
            return .failure(APIError("TX_ALREADY_COMMITTED", "transaction \(hash.hex) is already committed; a replay is refused"))
        }
        guard signatures.verify(tx, hash: hash) else {
            return .failure(APIError("BAD_SIGNATURE", "the signature does not match the transaction and its signer for chain \(chainID)"))
        }
        if let bad = application.check(tx, state: state) {
            return .failure(APIError(bad.code, bad.message))
        }
        switch mempool.add(tx, hash: hash, size: tx.body.count + 200) {
        case .added: return .success((hash, true))
        case .duplicate: return .success((hash, false))
        case .full:
            return .failure(APIError("MEMPOOL_FULL", "the transaction pool is full; retry later"))
        }
    }
}
