import Foundation
import YongchainCore
import YongchainCrypto

/// Remembers signatures this node has already verified, so a transaction checked at admission is not checked
/// again when a block carrying it arrives (before or after the transaction itself), and a precommit checked as a
/// vote is not checked again inside the next block's commit certificate. Ed25519 verification is the node's
/// largest CPU cost (see docs/performance.md).
///
/// Two generations bound memory: when the current one is full it becomes the previous one.
final class SignatureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Set<Hash>()
    private var previous = Set<Hash>()
    private let generation: Int
    let chainID: String

    init(chainID: String, generation: Int = 100_000) {
        self.chainID = chainID
        self.generation = generation
    }

    /// True if `signature` is `key`'s valid signature of `message`, from memory or by verifying now.
    func verify(_ key: PublicKey, _ signature: [UInt8], _ message: [UInt8]) -> Bool {
        let id = Hash.sha256(parts: [key.bytes, signature, message])
        if contains(id) { return true }
        guard key.verify(signature: signature, message: message) else { return false }
        insert(id)
        return true
    }

    /// A transaction's signature; `hash` is the transaction's hash, which covers every signed byte.
    func verify(_ tx: Transaction, hash: Hash) -> Bool {
        let id = Hash.sha256(parts: [hash.bytes, tx.signature])
        if contains(id) { return true }
        guard tx.verifySignature(chainID: chainID) else { return false }
        insert(id)
        return true
    }

    private func contains(_ id: Hash) -> Bool { lock.withLock { current.contains(id) || previous.contains(id) } }

    private func insert(_ id: Hash) {
        lock.withLock {
            current.insert(id)
            if current.count >= generation {
                previous = current
                current = Set(minimumCapacity: generation)
            }
        }
    }
}
