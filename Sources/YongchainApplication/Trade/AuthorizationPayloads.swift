import YongchainCore
import YongchainCrypto

/// `authorization.grant`: an enterprise, signing with its own registered key, authorises a bank to query its
/// credit record until block time `expiresAt` (ms since the Unix epoch, exclusive). A new grant to the same bank
/// replaces the old one (extends or shortens it). Signed by anyone but a registered enterprise: `NOT_ENTERPRISE`.
public struct GrantAuthorization: Payload, Equatable {
    public static let type = "authorization.grant"
    public var bank: PublicKey
    /// Block time in milliseconds since the Unix epoch; the authorisation holds while block time < expiresAt.
    public var expiresAt: Int64

    public init(bank: PublicKey, expiresAt: Int64) {
        self.bank = bank
        self.expiresAt = expiresAt
    }

    public func validate() throws {
        guard expiresAt > 0 else { throw ValidationError(field: "expiresAt", message: "milliseconds since the Unix epoch, positive") }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.publicKey(bank)
        w.i64(expiresAt)
    }

    public init(from r: inout CanonicalReader) throws {
        bank = try r.publicKey("bank")
        expiresAt = try r.i64("expiresAt")
    }
}

/// `authorization.revoke`: the enterprise, with its own key, withdraws a bank's authorisation at once.
public struct RevokeAuthorization: Payload, Equatable {
    public static let type = "authorization.revoke"
    public var bank: PublicKey

    public init(bank: PublicKey) { self.bank = bank }

    public func validate() throws {}

    public func encode(to w: inout CanonicalWriter) { w.publicKey(bank) }
    public init(from r: inout CanonicalReader) throws { bank = try r.publicKey("bank") }

}

/// `creditQuery.record`: a bank logs, before it is answered, its query of an enterprise's credit record.
/// Executes only if the enterprise's authorisation holds at the block's time; the transaction's hash is then the
/// query id the bank presents to get the answer (see `TradeQueries.creditRecord(queryID:...)`).
public struct RecordCreditQuery: Payload, Equatable {
    public static let type = "creditQuery.record"
    public var enterprise: CreditCode
    /// Why the bank asks, e.g. "pre-loan review"; shown to the enterprise.
    public var purpose: String

    public init(enterprise: CreditCode, purpose: String) {
        self.enterprise = enterprise
        self.purpose = purpose
    }

    public func validate() throws {
        guard !purpose.isEmpty, purpose.utf8.count <= TradeLimits.maxPurposeBytes else {
            throw ValidationError(field: "purpose", message: "1 to \(TradeLimits.maxPurposeBytes) bytes")
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(enterprise.value)
        w.string(purpose)
    }

    public init(from r: inout CanonicalReader) throws {
        enterprise = try TradeWire.creditCode(&r, "enterprise")
        purpose = try r.string("purpose", max: 4 * TradeLimits.maxPurposeBytes)
    }
}
