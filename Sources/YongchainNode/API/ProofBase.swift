import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainLightClient
import YongchainStorage

/// What every proven answer at one height carries whatever it asks (docs/proofs.md): the header of the tip, its
/// commit certificate, and every change of validator set up to it. Read once per height, not once per answer:
/// each proven answer read the tip's block whole (checked against its stored digest, every transaction hashed
/// again for its root), its certificate and the set history, a fifth of its cost with an empty tip and
/// milliseconds with a full one (docs/performance.md, session 9).
///
/// Thread rule: any thread; the lock is held only to look at or replace the one entry.
final class ProofBase: Sendable {
    struct Parts: Sendable {
        let height: UInt64
        let blockHash: Hash
        let header: BlockHeader
        let certificate: CommitCertificate
        let changes: [ProofBundle.ValidatorSetChange]
        /// The bundle's bytes before its entries (`ProofBundle.head`): the header, the certificate and the changes
        /// encoded once a height, not once an answer.
        let head: [UInt8]
        /// The base64 of `head`'s first `encodedHead` bytes, its whole groups of three: base64 turns each group of
        /// three bytes into four characters alone, so the bundle's text is this followed by the base64 of the rest.
        let headBase64: String
        let encodedHead: Int

        init(height: UInt64, blockHash: Hash, header: BlockHeader, certificate: CommitCertificate, changes: [ProofBundle.ValidatorSetChange]) {
            self.height = height
            self.blockHash = blockHash
            self.header = header
            self.certificate = certificate
            self.changes = changes
            head = ProofBundle.head(changes: changes, header: header, certificate: certificate)
            encodedHead = head.count / 3 * 3
            headBase64 = Data(head[..<encodedHead]).base64EncodedString()
        }

        /// The base64 of the canonical bytes of the bundle of these parts and `entries`: exactly
        /// `Data(ProofBundle(changes:header:certificate:entries:).canonicalBytes).base64EncodedString()`.
        func bundleBase64(_ entries: [ProofBundle.Entry]) -> String {
            var w = CanonicalWriter(capacity: head.count - encodedHead + 4 + entries.count * 1_024)
            w.raw(Array(head[encodedHead...]))
            ProofBundle.encodeEntries(entries, to: &w)
            return headBase64 + Data(w.bytes).base64EncodedString()
        }
    }

    private let newest = Mutex<Parts?>(nil)

    /// The parts at `tip`, which MUST be `v`'s own tip: the newest kept if they are of that block, else read from
    /// `v` (STORAGE_CORRUPT if the block or a certificate is missing or altered) and kept if no newer ones are.
    func parts(at tip: ChainTip, _ v: ReadView) throws -> Parts {
        if let p = newest.withLock({ $0 }), p.height == tip.height, p.blockHash == tip.blockHash { return p }
        guard let block = try v.block(at: tip.height), let certificate = try v.certificate(at: tip.height) else {
            throw APIError(NodeCode.storageCorrupt, "block \(tip.height) or its certificate is missing")
        }
        // Every change of validator set up to this height: header `from − 1` names the new set as its
        // `nextValidatorsHash` and is certified by the set before, so a client follows them from genesis.
        let changes = try LedgerApplication().validatorSetHistory(state: v).filter { $0.from > 1 && $0.from <= tip.height }
            .map { change -> ProofBundle.ValidatorSetChange in
                guard let b = try v.block(at: change.from - 1), let c = try v.certificate(at: change.from - 1) else {
                    throw APIError(NodeCode.storageCorrupt, "block \(change.from - 1) or its certificate is missing")
                }
                return ProofBundle.ValidatorSetChange(header: b.header, certificate: c, next: change.set)
            }
        try v.checkReads()
        let parts = Parts(height: tip.height, blockHash: tip.blockHash, header: block.header, certificate: certificate, changes: changes)
        newest.withLock { if ($0?.height ?? 0) <= tip.height { $0 = parts } }
        return parts
    }
}
