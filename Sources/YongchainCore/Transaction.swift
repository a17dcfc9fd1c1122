import YongchainCrypto

/// A signed transaction envelope. Consensus and storage treat `body` as opaque bytes; the application decodes it
/// according to `type`.
///
/// The signature covers `Domain.transaction` || chain id || the unsigned envelope (type, body, signer, nonce).
/// The transaction's hash is the chain's hash of exactly those signing bytes, so a transaction has one identity whatever
/// signature bytes accompany it, and the same (type, body, signer, nonce) can be committed only once.
public struct Transaction: Sendable, Equatable, CanonicalCodable {
    public static let maxTypeLength = 64
    public static let maxBodyBytes = 1 << 20

    public let type: String
    public let body: [UInt8]
    public let signer: PublicKey
    public let nonce: UInt64
    public let signature: [UInt8]

    public init(type: String, body: [UInt8], signer: PublicKey, nonce: UInt64, signature: [UInt8]) {
        self.type = type
        self.body = body
        self.signer = signer
        self.nonce = nonce
        self.signature = signature
    }

    /// Builds and signs a transaction.
    public static func signed(type: String, body: [UInt8], nonce: UInt64, key: PrivateKey, chainID: String) -> Transaction {
        let unsigned = Transaction(type: type, body: body, signer: key.publicKey, nonce: nonce, signature: [])
        return Transaction(type: type, body: body, signer: key.publicKey, nonce: nonce,
                           signature: key.sign(unsigned.signingBytes(chainID: chainID)))
    }

    func encodeUnsigned(to w: inout CanonicalWriter) {
        w.string(type)
        w.bytes(body)
        w.publicKey(signer)
        w.u64(nonce)
    }

    public func signingBytes(chainID: String) -> [UInt8] {
        Domain.transaction.signingBytes(chainID: chainID, capacity: body.count + type.utf8.count + 96) { encodeUnsigned(to: &$0) }
    }

    public func hash(on chain: Chain) -> Hash { chain.hashSuite.digest(signingBytes(chainID: chain.id)) }

    public func verifySignature(chainID: String) -> Bool {
        signer.verify(signature: signature, message: signingBytes(chainID: chainID))
    }

    public func encode(to w: inout CanonicalWriter) {
        encodeUnsigned(to: &w)
        w.bytes(signature)
    }

    /// The length of `encode(to:)`'s output (docs/transactions.md): four length prefixes, the key's suite byte and
    /// the nonce beside the type, body, key and signature — for a writer of exact capacity.
    public var canonicalSize: Int {
        25 + type.utf8.count + body.count + signer.bytes.count + signature.count
    }

    public init(from r: inout CanonicalReader) throws {
        type = try r.string("tx.type", max: Transaction.maxTypeLength)
        body = try r.bytes("tx.body", max: Transaction.maxBodyBytes)
        signer = try r.publicKey("tx.signer")
        nonce = try r.u64("tx.nonce")
        signature = try r.bytes("tx.signature", max: 256)
    }
}
