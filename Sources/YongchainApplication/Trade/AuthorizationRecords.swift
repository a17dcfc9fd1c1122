import YongchainCore
import YongchainCrypto

/// `authorization/<enterprise>/<bank>`: the latest grant. Revocation marks it revoked rather than deleting it, so
/// the bank keeps its one entry in `authorization-by-enterprise/<enterprise>/<seq>` and a re-grant adds none.
struct AuthorizationRecord: Sendable, Equatable, CanonicalCodable {
    var expiresAt: Int64
    var grantedAtHeight: UInt64
    var grantedAtTime: Int64
    var revoked = false

    func encode(to w: inout CanonicalWriter) {
        w.i64(expiresAt)
        w.u64(grantedAtHeight)
        w.i64(grantedAtTime)
        w.bool(revoked)
    }
    init(expiresAt: Int64, grantedAtHeight: UInt64, grantedAtTime: Int64, revoked: Bool = false) {
        self.expiresAt = expiresAt
        self.grantedAtHeight = grantedAtHeight
        self.grantedAtTime = grantedAtTime
        self.revoked = revoked
    }
    init(from r: inout CanonicalReader) throws {
        expiresAt = try r.i64("expiresAt")
        grantedAtHeight = try r.u64("grantedAtHeight")
        grantedAtTime = try r.i64("grantedAtTime")
        revoked = try r.bool("revoked")
    }

    /// The record, revoked or not; nil if the enterprise never authorised the bank.
    static func load(_ c: CreditCode, _ bank: PublicKey, _ state: StateReader) throws(DamagedRecord) -> AuthorizationRecord? {
        try DamagedRecord.load(AuthorizationRecord.self, StateKey.authorization(c, bank), state)
    }

    /// The grant in force (possibly expired); nil if never granted or revoked.
    static func live(_ c: CreditCode, _ bank: PublicKey, _ state: StateReader) throws(DamagedRecord) -> AuthorizationRecord? {
        try load(c, bank, state).flatMap { $0.revoked ? nil : $0 }
    }
}

/// `credit-query/<enterprise>/<seq>`: one logged credit query.
struct CreditQueryRecord: Sendable, Equatable, CanonicalCodable {
    var enterprise: CreditCode
    var bank: PublicKey
    var purpose: String
    var height: UInt64
    var time: Int64
    var txHash: Hash

    func encode(to w: inout CanonicalWriter) {
        w.string(enterprise.value)
        w.publicKey(bank)
        w.string(purpose)
        w.u64(height)
        w.i64(time)
        w.hash(txHash)
    }
    init(enterprise: CreditCode, bank: PublicKey, purpose: String, height: UInt64, time: Int64, txHash: Hash) {
        self.enterprise = enterprise
        self.bank = bank
        self.purpose = purpose
        self.height = height
        self.time = time
        self.txHash = txHash
    }
    init(from r: inout CanonicalReader) throws {
        enterprise = try TradeWire.creditCode(&r, "enterprise")
        bank = try r.publicKey("bank")
        purpose = try r.string("purpose")
        height = try r.u64("height")
        time = try r.i64("time")
        txHash = try r.hash("txHash")
    }
}
