import YongchainCore
import YongchainCrypto

/// One declaration pledged by a financing: the fields the bank holds (checked against the published commitment)
/// and the part of the declaration's value pledged, in the declaration's currency.
public struct PledgeRequest: Sendable, Equatable, Codable, CanonicalCodable {
    public var declaration: DeclarationFields
    public var amount: Money

    public init(declaration: DeclarationFields, amount: Money) {
        self.declaration = declaration
        self.amount = amount
    }

    public func encode(to w: inout CanonicalWriter) {
        w.item(declaration)
        TradeWire.money(&w, amount)
    }

    public init(from r: inout CanonicalReader) throws {
        declaration = try r.item(DeclarationFields.self, at: "declaration")
        amount = try TradeWire.money(&r, "amount")
    }
}

/// `financing.record`: a bank finances `exporter` for `amount` against pledges of published declarations. The
/// financing's id is the transaction's hash. `validate()` checks the body's own shape; the rules against state
/// (fake, duplicate and excess financing, currencies) are all in `TradeHandlers.swift`, section
/// "financing.record", in the order they are applied.
public struct RecordFinancing: Payload, Equatable {
    public static let type = "financing.record"
    public var exporter: CreditCode
    public var amount: Money
    public var pledges: [PledgeRequest]

    public init(exporter: CreditCode, amount: Money, pledges: [PledgeRequest]) {
        self.exporter = exporter
        self.amount = amount
        self.pledges = pledges
    }

    public func validate() throws {
        try TradeWire.checkMoney(amount, "amount")
        guard !pledges.isEmpty, pledges.count <= TradeLimits.maxPledgesPerFinancing else {
            throw ValidationError(field: "pledges", message: "1 to \(TradeLimits.maxPledgesPerFinancing) pledges")
        }
        var seen = Set<DeclarationNumber>()
        for (i, p) in pledges.enumerated() {
            try p.declaration.validate("pledges[\(i)].declaration")
            try TradeWire.checkMoney(p.amount, "pledges[\(i)].amount")
            guard seen.insert(p.declaration.number).inserted else {
                throw ValidationError(field: "pledges[\(i)].declaration.number", message: "declaration \(p.declaration.number) is listed twice")
            }
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(exporter.value)
        TradeWire.money(&w, amount)
        w.list(pledges) { $0.item($1) }
    }

    public init(from r: inout CanonicalReader) throws {
        exporter = try TradeWire.creditCode(&r, "exporter")
        amount = try TradeWire.money(&r, "amount")
        pledges = try r.list("pledges", max: TradeLimits.maxPledgesPerFinancing) { try $0.item(PledgeRequest.self) }
    }
}

/// `financing.repay`: the financing bank records a repayment of `amount`, which releases pledged value in
/// proportion (see `FinancingRecord.remainingPledge`).
public struct RepayFinancing: Payload, Equatable {
    public static let type = "financing.repay"
    /// The financing's id: the hash of the `financing.record` transaction.
    public var financingId: Hash
    public var amount: Money

    public init(financingId: Hash, amount: Money) {
        self.financingId = financingId
        self.amount = amount
    }

    public func validate() throws { try TradeWire.checkMoney(amount, "amount") }

    public func encode(to w: inout CanonicalWriter) {
        w.hash(financingId)
        TradeWire.money(&w, amount)
    }

    public init(from r: inout CanonicalReader) throws {
        financingId = try r.hash("financingId")
        amount = try TradeWire.money(&r, "amount")
    }
}
