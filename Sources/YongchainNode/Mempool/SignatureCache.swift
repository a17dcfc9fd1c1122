import Foundation
import YongchainCore
import YongchainCrypto

/// The node's memo of verified signatures (`SignatureMemo`), with the transaction form: a transaction's hash
/// covers every byte it signs, so hash and signature identify the check.
final class SignatureCache: Sendable {
    private let memo: SignatureMemo
    let chainID: String

    init(chainID: String, generation: Int = SignatureMemo.defaultGeneration) {
        self.chainID = chainID
        memo = SignatureMemo(generation: generation)
    }

    /// True if `signature` is `key`'s valid signature of `message`, from memory or by verifying now.
    func verify(_ key: PublicKey, _ signature: [UInt8], _ message: [UInt8]) -> Bool {
        memo.verify(key, signature: signature, message: message)
    }

    /// A transaction's signature; `hash` is the transaction's hash, which covers every signed byte.
    func verify(_ tx: Transaction, hash: Hash) -> Bool {
        memo.verify(id: HashSuite.sha256.digest { $0.add(hash); $0.add(tx.signature) }) { tx.verifySignature(chainID: chainID) }
    }
}
