import YongchainCore
import YongchainCrypto

/// Trade-finance rejection codes. Stable strings: clients match on them; never rename one.
/// Nested so another area's codes of the same Swift name cannot collide with these.
extension Codes {
    public enum Trade {
        /// The signer of a grant / revoke is not a registered enterprise's key.
        public static let notEnterprise = "NOT_ENTERPRISE"
        /// A named exporter / enterprise is not registered.
        public static let unknownEnterprise = "UNKNOWN_ENTERPRISE"
        /// A named bank is not a bank member.
        public static let unknownBank = "UNKNOWN_BANK"
        /// A declaration number is published twice (in one batch or across batches).
        public static let duplicateDeclaration = "DUPLICATE_DECLARATION"
        /// The declaration is unknown, or the fields the bank holds do not match the published commitment.
        public static let fakeDeclaration = "FAKE_DECLARATION"
        /// The declaration has no free value left: it is fully pledged (at this or another bank).
        public static let duplicateFinancing = "DUPLICATE_FINANCING"
        /// A pledge exceeds the declaration's free value, or the financing exceeds the value pledged.
        public static let excessFinancing = "EXCESS_FINANCING"
        /// The declaration's exporter is not the financing's exporter.
        public static let exporterMismatch = "EXPORTER_MISMATCH"
        /// Amounts in different currencies where one currency is required.
        public static let currencyMismatch = "CURRENCY_MISMATCH"
        public static let unknownFinancing = "UNKNOWN_FINANCING"
        /// Only the bank that recorded a financing may repay it.
        public static let notFinancingBank = "NOT_FINANCING_BANK"
        public static let repayExceedsOutstanding = "REPAY_EXCEEDS_OUTSTANDING"
        /// No authorisation from this enterprise to this bank (never granted, or revoked).
        public static let notAuthorized = "NOT_AUTHORIZED"
        /// The authorisation's expiry has passed, or a grant's expiry is not in the future.
        public static let authorizationExpired = "AUTHORIZATION_EXPIRED"
        /// A credit query id that is not a logged query of the asking bank.
        public static let unknownQuery = "UNKNOWN_QUERY"
        /// A logged credit query older than the answer window.
        public static let queryExpired = "QUERY_EXPIRED"

        /// A running total (an exporter's financed amount with one bank and currency) would leave 64 bits.
        public static let amountOutOfRange = "AMOUNT_OUT_OF_RANGE"

        /// Every trade code, for documentation and API descriptions.
        public static let all = [
            notEnterprise, unknownEnterprise, unknownBank, duplicateDeclaration, fakeDeclaration, duplicateFinancing,
            excessFinancing, exporterMismatch, currencyMismatch, unknownFinancing, notFinancingBank,
            repayExceedsOutstanding, notAuthorized, authorizationExpired, unknownQuery, queryExpired, amountOutOfRange,
        ]
    }
}

/// Trade-finance state layout (a schema: changing a key's form changes every state hash). docs/trade-finance.md
/// draws it. Sequence parts are zero-padded decimal so key order is chronological order.
extension StateKey {
    static func declaration(_ n: DeclarationNumber) -> [UInt8] { Array("declaration/\(n.value)".utf8) }
    static func declarationByExporter(_ c: CreditCode, _ n: DeclarationNumber) -> [UInt8] {
        Array("declaration-by-exporter/\(c.value)/\(n.value)".utf8)
    }
    static func declarationByExporterPrefix(_ c: CreditCode) -> [UInt8] { Array("declaration-by-exporter/\(c.value)/".utf8) }

    static func financing(_ id: Hash) -> [UInt8] { Array("financing/\(id.hex)".utf8) }
    static func financingByExporter(_ c: CreditCode, height: UInt64, index: Int) -> [UInt8] {
        Array("financing-by-exporter/\(c.value)/\(TradeWire.pad(height, 20))/\(TradeWire.pad(UInt64(index), 6))".utf8)
    }
    static func financingByExporterPrefix(_ c: CreditCode) -> [UInt8] { Array("financing-by-exporter/\(c.value)/".utf8) }

    static func pledge(_ n: DeclarationNumber, _ financing: Hash) -> [UInt8] { Array("pledge/\(n.value)/\(financing.hex)".utf8) }
    static func pledgePrefix(_ n: DeclarationNumber) -> [UInt8] { Array("pledge/\(n.value)/".utf8) }

    static func repayment(_ financing: Hash, _ seq: UInt32) -> [UInt8] {
        Array("repayment/\(financing.hex)/\(TradeWire.pad(UInt64(seq), 10))".utf8)
    }
    static func repaymentPrefix(_ financing: Hash) -> [UInt8] { Array("repayment/\(financing.hex)/".utf8) }

    static func exposure(_ c: CreditCode, _ bank: PublicKey, _ currency: Currency) -> [UInt8] {
        Array("credit-exposure/\(c.value)/\(bank.text)/\(currency.code)".utf8)
    }
    static func exposurePrefix(_ c: CreditCode) -> [UInt8] { Array("credit-exposure/\(c.value)/".utf8) }

    static func authorization(_ c: CreditCode, _ bank: PublicKey) -> [UInt8] { Array("authorization/\(c.value)/\(bank.text)".utf8) }
    static func authorizationPrefix(_ c: CreditCode) -> [UInt8] { Array("authorization/\(c.value)/".utf8) }

    static func creditQuery(_ c: CreditCode, height: UInt64, index: Int) -> [UInt8] {
        Array("credit-query/\(c.value)/\(TradeWire.pad(height, 20))/\(TradeWire.pad(UInt64(index), 6))".utf8)
    }
    static func creditQueryPrefix(_ c: CreditCode) -> [UInt8] { Array("credit-query/\(c.value)/".utf8) }
    static func creditQueryID(_ tx: Hash) -> [UInt8] { Array("credit-query-id/\(tx.hex)".utf8) }
}

/// Limits on trade-finance input. Every list that crosses the trust boundary is bounded.
public enum TradeLimits {
    /// Declarations in one `declaration.publish` batch.
    public static let maxDeclarationsPerBatch = 1000
    /// Declarations pledged by one financing.
    public static let maxPledgesPerFinancing = 100
    /// Declarations in one pre-check request.
    public static let maxPrecheckItems = 1000
    /// Bytes of a credit query's stated purpose.
    public static let maxPurposeBytes = 200
    /// Default and maximum page size of list queries.
    public static let defaultPageSize = 200
    public static let maxPageSize = 1000
    /// How long after its block a logged credit query may be answered (ms of block time): long enough to page
    /// through a large record, short enough that one log entry is not a standing permission.
    public static let queryAnswerWindowMs: Int64 = 10 * 60 * 1000
}

/// Small canonical-encoding and validation helpers shared by the trade files.
enum TradeWire {
    static func pad(_ v: UInt64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func money(_ w: inout CanonicalWriter, _ m: Money) {
        w.i64(m.minorUnits)
        w.string(m.currency.code)
    }

    static func money(_ r: inout CanonicalReader, _ field: String) throws -> Money {
        let units = try r.i64(field)
        let code = try r.string(field, max: 8)
        do {
            return try Money(minorUnits: units, currency: try Currency(code, field: field), field: field)
        } catch let e as ValidationError {
            throw EncodingError.invalid(e.field, e.message)
        }
    }

    static func creditCode(_ r: inout CanonicalReader, _ field: String) throws -> CreditCode {
        do { return try CreditCode(try r.string(field, max: 64), field: field) } catch let e as ValidationError {
            throw EncodingError.invalid(e.field, e.message)
        }
    }

    static func declarationNumber(_ r: inout CanonicalReader, _ field: String) throws -> DeclarationNumber {
        do { return try DeclarationNumber(try r.string(field, max: 64), field: field) } catch let e as ValidationError {
            throw EncodingError.invalid(e.field, e.message)
        }
    }

    /// JSON decoding of `Money` bypasses its validating initialiser, so payloads re-check amounts here.
    static func checkMoney(_ m: Money, _ field: String) throws {
        _ = try Money(minorUnits: m.minorUnits, currency: try Currency(m.currency.code, field: "\(field).currency"), field: field)
    }

    /// An export date is a calendar date written as the integer YYYYMMDD (e.g. 20200315), years 1900-9999.
    static func checkDate(_ d: UInt32, _ field: String) throws {
        let y = d / 10000, m = d / 100 % 100, day = d % 100
        let days: [UInt32] = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1900...9999).contains(y), (1...12).contains(m), day >= 1, day <= days[Int(m) - 1] else {
            throw ValidationError(field: field, message: "\(d) is not a calendar date written YYYYMMDD")
        }
    }

    static func hash(_ text: String, _ field: String) throws -> Hash {
        guard let h = Hash(hex: text) else { throw ValidationError(field: field, message: "expected 64 hex digits") }
        return h
    }
}

/// A hash in JSON: 64 lower-case hex digits.
struct JSONHash: Decodable {
    let hash: Hash
    init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let h = Hash(hex: s) else { throw ValidationError(field: decoder.codingPath.map(\.stringValue).joined(separator: "."), message: "expected 64 hex digits") }
        hash = h
    }
}
