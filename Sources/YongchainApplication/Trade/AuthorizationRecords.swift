import YongchainCore
import YongchainCrypto

/// `authorization/<enterprise>/<bank>`: a live grant. Revocation deletes it.
struct AuthorizationRecord: Sendable, Equatable, CanonicalCodable {
    var expiresAt: Int64
    var grantedAtHeight: UInt64
    var grantedAtTime: Int64

    func encode(to w: inout CanonicalWriter) {
        w.i64(expiresAt)
        w.u64(grantedAtHeight)
        w.i64(grantedAtTime)
    }
    init(expiresAt: Int64, grantedAtHeight: UInt64, grantedAtTime: Int64) {
        self.expiresAt = expiresAt
        self.grantedAtHeight = grantedAtHeight
        self.grantedAtTime = grantedAtTime
    }
    init(from r: inout CanonicalReader) throws {
        expiresAt = try r.i64("expiresAt")
        grantedAtHeight = try r.u64("grantedAtHeight")
        grantedAtTime = try r.i64("grantedAtTime")
    }

    static func load(_ c: CreditCode, _ bank: PublicKey, _ state: StateReader) -> AuthorizationRecord? {
        state.get(StateKey.authorization(c, bank)).flatMap { try? AuthorizationRecord(canonical: $0) }
    }
}

/// `credit-query/<enterprise>/<height>/<index>`: one logged credit query.
struct CreditQueryRecord: Sendable, Equatable, CanonicalCodable {
    var bank: PublicKey
    var purpose: String
    var height: UInt64
    var time: Int64
    var txHash: Hash

    func encode(to w: inout CanonicalWriter) {
        w.publicKey(bank)
        w.string(purpose)
        w.u64(height)
        w.i64(time)
        w.hash(txHash)
    }
    init(bank: PublicKey, purpose: String, height: UInt64, time: Int64, txHash: Hash) {
        self.bank = bank
        self.purpose = purpose
        self.height = height
        self.time = time
        self.txHash = txHash
    }
    init(from r: inout CanonicalReader) throws {
        bank = try r.publicKey("bank")
        purpose = try r.string("purpose")
        height = try r.u64("height")
        time = try r.i64("time")
        txHash = try r.hash("txHash")
    }
}
