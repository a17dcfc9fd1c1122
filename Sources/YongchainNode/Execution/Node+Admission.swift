import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Mempool admission of clients' and peers' transactions, each against one snapshot of committed state.
extension Node {
    /// Mempool admission (not already committed, signature, the application's check, pool bounds) of a batch —
    /// one transaction from `POST /v1/txs`, up to 1,000 from `POST /v1/txs/batch`, or a peer's gossip — against
    /// one snapshot of committed state. With `relay`, the transactions this call added to the pool go to every
    /// peer as one gossip batch (a peer's own gossip is not relayed again: its sender sends it to everyone).
    /// The results are in the batch's order; if the snapshot cannot be read, every one is STORAGE_UNAVAILABLE
    /// and the failure counts as a storage failure.
    func admit(_ batch: [Transaction], relay: Bool) -> [Result<Hash, APIError>] {
        let results: [Result<(hash: Hash, added: Bool), APIError>]
        do {
            results = try store.read { view in
                let reads = StateOverlay(base: view)
                return batch.map { admit($0, view: view, state: reads) }
            }
        } catch {
            storageError(error, "admitting transactions")
            results = batch.map { _ in .failure(Self.storageUnavailable) }
        }
        if relay {
            let fresh = zip(batch, results).compactMap { tx, r in (try? r.get())?.added == true ? tx : nil }
            if !fresh.isEmpty { gossip.broadcast(.transactions(fresh)) }
        }
        return results.map { $0.map(\.hash) }
    }

    static let storageUnavailable = APIError(NodeCode.storageUnavailable, "the node could not read its committed state; retry shortly")

    /// One transaction against a snapshot: its hash, and whether this call added it to the pool (rather than
    /// finding it there already). `state` reads `view`, through a batch's read cache where there is one (checks
    /// only read, and every transaction of a batch reads its signer's membership).
    private func admit(_ tx: Transaction, view: ReadView, state: StateReader) -> Result<(hash: Hash, added: Bool), APIError> {
        let hash = tx.hash(on: chain)
        if mempool.contains(hash) { return .success((hash, false)) }
        if view.isCommitted(hash) {
            return .failure(APIError(NodeCode.txAlreadyCommitted, "transaction \(hash.hex) is already committed; a replay is refused"))
        }
        guard signatures.verify(tx, hash: hash) else {
            return .failure(APIError(NodeCode.badSignature, "the signature does not match the transaction and its signer for chain \(chainID)"))
        }
        if let bad = application.check(tx, state: state) {
            return .failure(APIError(bad.code, bad.message))
        }
        switch mempool.add(tx, hash: hash, size: tx.body.count + 200) {
        case .added: return .success((hash, true))
        case .duplicate: return .success((hash, false))
        case .full:
            return .failure(APIError(NodeCode.mempoolFull, "the transaction pool is full; retry later"))
        }
    }
}
