import YongchainCore
import YongchainCrypto

/// A refused query: a stable code (`NOT_AUTHORIZED`, `AUTHORIZATION_EXPIRED`, `UNKNOWN_ENTERPRISE`,
/// `UNKNOWN_QUERY`, `QUERY_EXPIRED`) and a sentence for a person.
public struct TradeQueryError: Error, Sendable, Equatable, Codable {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// Whether a bank may query an enterprise's credit record at a given block time.
public struct AuthorizationStatus: Sendable, Equatable, Codable {
    public let enterprise: String
    public let bank: String
    public let authorized: Bool
    /// "OK", `UNKNOWN_ENTERPRISE`, `NOT_AUTHORIZED` or `AUTHORIZATION_EXPIRED`.
    public let code: String
    public let message: String
    /// Block time (ms) at which the grant lapses; nil when there is no grant.
    public let expiresAt: Int64?
    public let grantedAtHeight: UInt64?
    public let grantedAtTime: Int64?
}

// MARK: Pre-check

/// One declaration to pre-check, with the fields the bank holds if it wants them checked.
public struct PrecheckItem: Sendable, Equatable, Codable {
    public var number: DeclarationNumber
    public var fields: DeclarationFields?
    public init(number: DeclarationNumber, fields: DeclarationFields? = nil) {
        self.number = number
        self.fields = fields
    }
}

/// Body of POST /v1/trade/precheck.
public struct PrecheckRequest: Sendable, Equatable, Codable {
    public var declarations: [PrecheckItem]
    public init(declarations: [PrecheckItem]) { self.declarations = declarations }

    /// Throws `ValidationError` naming the first bad field.
    public func validate() throws {
        guard !declarations.isEmpty, declarations.count <= TradeLimits.maxPrecheckItems else {
            throw ValidationError(field: "declarations", message: "1 to \(TradeLimits.maxPrecheckItems) declarations")
        }
        for (i, d) in declarations.enumerated() {
            guard let f = d.fields else { continue }
            try f.validate("declarations[\(i)].fields")
            guard f.number == d.number else {
                throw ValidationError(field: "declarations[\(i)].fields.number", message: "differs from declarations[\(i)].number")
            }
        }
    }
}

public struct PrecheckResult: Sendable, Equatable, Codable {
    public var declarations: [PrecheckItemResult]
}

public struct PrecheckItemResult: Sendable, Equatable, Codable {
    public var number: String
    /// "OK" (financeable up to `free`), `FAKE_DECLARATION` (unknown, or held fields do not match) or
    /// `DUPLICATE_FINANCING` (nothing free).
    public var code: String
    public var known: Bool
    public var exporter: String? = nil
    public var amount: Money? = nil
    public var exportDate: UInt32? = nil
    public var commitment: String? = nil
    /// nil when no fields were given.
    public var fieldsMatch: Bool? = nil
    /// Minor units pledged now / still free, in the declaration's currency.
    public var pledged: Int64? = nil
    public var free: Int64? = nil
}

// MARK: Credit record

/// Paging of a credit record: pass back the `next…After` cursors of the previous page. A cursor is a position in
/// the enterprise's declaration or financing list (decimal digits); the page holds the entries after it.
public struct CreditRecordPage: Sendable, Equatable, Codable {
    public var declarationsAfter: String?
    public var financingsAfter: String?
    public var limit: Int
    public init(declarationsAfter: String? = nil, financingsAfter: String? = nil, limit: Int = TradeLimits.defaultPageSize) {
        self.declarationsAfter = declarationsAfter
        self.financingsAfter = financingsAfter
        self.limit = limit
    }
    var effectiveLimit: Int { max(1, min(limit, TradeLimits.maxPageSize)) }

    /// The cursors as list positions (0 = from the start). Throws `ValidationError` naming the malformed one.
    func cursors() throws -> (declarations: UInt64, financings: UInt64) {
        (try TradeWire.cursor(declarationsAfter, field: "declarationsAfter"), try TradeWire.cursor(financingsAfter, field: "financingsAfter"))
    }
}

/// An enterprise's cross-border credit record. `totals` and `exposures` always cover the whole history;
/// `declarations` and `financings` are one page each.
public struct CreditRecord: Sendable, Equatable, Codable {
    public var enterprise: CreditRecordEnterprise
    /// Per currency, across all banks.
    public var totals: [CreditRecordTotal]
    /// Per bank and currency.
    public var exposures: [CreditRecordExposure]
    public var declarations: [DeclarationView]
    public var financings: [FinancingView]
    public var nextDeclarationsAfter: String?
    public var nextFinancingsAfter: String?
}

public struct CreditRecordEnterprise: Sendable, Equatable, Codable {
    public var creditCode: String
    public var name: String
    public var registeredAt: UInt64
}

/// Minor units, in `currency`.
public struct CreditRecordTotal: Sendable, Equatable, Codable {
    public var currency: String
    public var financed: Int64
    public var repaid: Int64
    public var outstanding: Int64
}

public struct CreditRecordExposure: Sendable, Equatable, Codable {
    public var bank: String
    public var bankName: String
    public var currency: String
    public var financings: UInt64
    public var financed: Int64
    public var repaid: Int64
    public var outstanding: Int64
}

public struct DeclarationView: Sendable, Equatable, Codable {
    public var number: String
    public var exporter: String
    public var amount: Money
    public var exportDate: UInt32
    public var commitment: String
    public var publishedAt: UInt64
    public var pledged: Int64
    public var free: Int64
    /// Current (non-zero) pledges.
    public var pledges: [PledgeView]

    init(_ r: DeclarationRecord, pledges: [PledgeView]) {
        number = r.published.number.value
        exporter = r.published.exporter.value
        amount = r.published.amount
        exportDate = r.published.exportDate
        commitment = r.published.commitment.hex
        publishedAt = r.publishedAt
        pledged = r.pledged
        free = r.free
        self.pledges = pledges
    }
}

public struct PledgeView: Sendable, Equatable, Codable {
    public var financingId: String
    public var bank: String
    public var bankName: String
    public var pledged: Int64
}

public struct FinancingView: Sendable, Equatable, Codable {
    public struct Pledge: Sendable, Equatable, Codable {
        public var number: String
        public var original: Int64
        public var current: Int64
    }
    public var id: String
    public var bank: String
    public var bankName: String
    public var exporter: String
    public var amount: Money
    public var outstanding: Int64
    public var pledges: [Pledge]
    public var height: UInt64
    public var time: Int64
    public var repayments: [RepaymentView]

    init(_ f: FinancingRecord, bankName: String, repayments: [RepaymentView]) {
        id = f.id.hex
        bank = f.bank.text
        self.bankName = bankName
        exporter = f.exporter.value
        amount = f.amount
        outstanding = f.outstanding
        pledges = f.pledges.map { Pledge(number: $0.number.value, original: $0.original, current: $0.current) }
        height = f.height
        time = f.time
        self.repayments = repayments
    }
}

public struct RepaymentView: Sendable, Equatable, Codable {
    public struct Release: Sendable, Equatable, Codable {
        public var number: String
        public var amount: Int64
    }
    public var amount: Money
    public var outstandingAfter: Int64
    public var released: [Release]
    public var height: UInt64
    public var time: Int64
    public var txHash: String

    init(_ r: RepaymentRecord) {
        amount = r.amount
        outstandingAfter = r.outstandingAfter
        released = r.released.map { Release(number: $0.number.value, amount: $0.amount) }
        height = r.height
        time = r.time
        txHash = r.txHash.hex
    }
}

// MARK: Query log

public struct CreditQueryList: Sendable, Equatable, Codable {
    public var enterprise: String
    public var queries: [CreditQueryView]
    public var nextAfter: String?
}

public struct CreditQueryView: Sendable, Equatable, Codable {
    /// The `creditQuery.record` transaction's hash.
    public var queryId: String
    public var bank: String
    public var bankName: String
    public var purpose: String
    public var height: UInt64
    public var time: Int64
}
