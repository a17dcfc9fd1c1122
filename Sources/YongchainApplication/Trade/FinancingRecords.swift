import YongchainCore
import YongchainCrypto

/// `financing/<id>`: a financing. Its pledges live here (bounded by `maxPledgesPerFinancing`) and, while non-zero,
/// also under `pledge/<number>/<id>`, which a declaration's pledge list (`declaration-pledge/<number>/<seq>`)
/// points to. `repayments` counts `repayment/<id>/1...repayments`.
struct FinancingRecord: Sendable, Equatable, CanonicalCodable {
    struct Pledge: Sendable, Equatable {
        var number: DeclarationNumber
        /// Value pledged when the financing was recorded.
        var original: Int64
        /// Value still pledged.
        var current: Int64
    }

    var id: Hash
    var bank: PublicKey
    var exporter: CreditCode
    var amount: Money
    var outstanding: Int64
    var pledges: [Pledge]
    var height: UInt64
    var time: Int64
    var repayments: UInt32

    /// The pledge kept for an original pledge once `outstanding` is left of `amount`:
    /// ceil(original × outstanding / amount). The bank stays covered at the original ratio, every pledge is
    /// released in proportion, and full repayment releases everything. Exact in 128-bit arithmetic.
    static func remainingPledge(original: Int64, outstanding: Int64, amount: Int64) -> Int64 {
        precondition(original >= 0 && outstanding >= 0 && amount > 0 && outstanding <= amount, "pledge arithmetic out of range")
        let p = UInt64(original).multipliedFullWidth(by: UInt64(outstanding))
        let (q, r) = UInt64(amount).dividingFullWidth(p)
        return Int64(q) + (r > 0 ? 1 : 0)
    }

    func encode(to w: inout CanonicalWriter) {
        w.hash(id)
        w.publicKey(bank)
        w.string(exporter.value)
        TradeWire.money(&w, amount)
        w.i64(outstanding)
        w.list(pledges) { w, p in
            w.string(p.number.value)
            w.i64(p.original)
            w.i64(p.current)
        }
        w.u64(height)
        w.i64(time)
        w.u32(repayments)
    }

    init(id: Hash, bank: PublicKey, exporter: CreditCode, amount: Money, outstanding: Int64, pledges: [Pledge],
         height: UInt64, time: Int64, repayments: UInt32) {
        self.id = id
        self.bank = bank
        self.exporter = exporter
        self.amount = amount
        self.outstanding = outstanding
        self.pledges = pledges
        self.height = height
        self.time = time
        self.repayments = repayments
    }

    init(from r: inout CanonicalReader) throws {
        id = try r.hash("id")
        bank = try r.publicKey("bank")
        exporter = try TradeWire.creditCode(&r, "exporter")
        amount = try TradeWire.money(&r, "amount")
        outstanding = try r.i64("outstanding")
        pledges = try r.list("pledges") { r in
            Pledge(number: try TradeWire.declarationNumber(&r, "number"), original: try r.i64("original"), current: try r.i64("current"))
        }
        height = try r.u64("height")
        time = try r.i64("time")
        repayments = try r.u32("repayments")
        // What a repayment's arithmetic (`remainingPledge`) relies on; only damage breaks it, and it must not trap.
        guard outstanding >= 0, outstanding <= amount.minorUnits else {
            throw EncodingError.invalid(r.path("outstanding"), "\(outstanding) is outside 0...\(amount.minorUnits), the financing's amount")
        }
        for (i, p) in pledges.enumerated() where p.original < 0 || p.current < 0 || p.current > p.original {
            throw EncodingError.invalid(r.path("pledges[\(i)]"), "current \(p.current) is outside 0...original \(p.original)")
        }
    }

    static func load(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> FinancingRecord? {
        try DamagedRecord.load(FinancingRecord.self, StateKey.financing(id), state)
    }
}

/// `pledge/<number>/<financing id>`: a non-zero current pledge of one declaration by one financing.
struct PledgeRecord: Sendable, Equatable, CanonicalCodable {
    var bank: PublicKey
    var current: Int64

    func encode(to w: inout CanonicalWriter) {
        w.publicKey(bank)
        w.i64(current)
    }
    init(bank: PublicKey, current: Int64) {
        self.bank = bank
        self.current = current
    }
    init(from r: inout CanonicalReader) throws {
        bank = try r.publicKey("bank")
        current = try r.i64("current")
    }
}

/// `repayment/<financing id>/<seq>` (1-based): one repayment and the value it released.
struct RepaymentRecord: Sendable, Equatable, CanonicalCodable {
    var amount: Money
    var outstandingAfter: Int64
    var released: [(number: DeclarationNumber, amount: Int64)]
    var height: UInt64
    var time: Int64
    var txHash: Hash

    static func == (a: Self, b: Self) -> Bool { a.canonicalBytes == b.canonicalBytes }

    func encode(to w: inout CanonicalWriter) {
        TradeWire.money(&w, amount)
        w.i64(outstandingAfter)
        w.list(released) { w, e in
            w.string(e.number.value)
            w.i64(e.amount)
        }
        w.u64(height)
        w.i64(time)
        w.hash(txHash)
    }
    init(amount: Money, outstandingAfter: Int64, released: [(number: DeclarationNumber, amount: Int64)], height: UInt64, time: Int64, txHash: Hash) {
        self.amount = amount
        self.outstandingAfter = outstandingAfter
        self.released = released
        self.height = height
        self.time = time
        self.txHash = txHash
    }
    init(from r: inout CanonicalReader) throws {
        amount = try TradeWire.money(&r, "amount")
        outstandingAfter = try r.i64("outstandingAfter")
        released = try r.list("released") { r in (try TradeWire.declarationNumber(&r, "number"), try r.i64("amount")) }
        height = try r.u64("height")
        time = try r.i64("time")
        txHash = try r.hash("txHash")
    }
}

/// `credit-exposure/<enterprise>/<bank>/<currency>`: running totals per enterprise, bank and currency, so a
/// credit record's totals never need a scan of the full history.
struct ExposureRecord: Sendable, Equatable, CanonicalCodable {
    var financings: UInt64 = 0
    var financed: Int64 = 0
    var repaid: Int64 = 0
    var outstanding: Int64 = 0

    init() {}
    func encode(to w: inout CanonicalWriter) {
        w.u64(financings)
        w.i64(financed)
        w.i64(repaid)
        w.i64(outstanding)
    }
    init(from r: inout CanonicalReader) throws {
        financings = try r.u64("financings")
        financed = try r.i64("financed")
        repaid = try r.i64("repaid")
        outstanding = try r.i64("outstanding")
        // Each total only grows by checked amounts, and repaid and outstanding are parts of financed: only damage
        // breaks that, and the handlers' arithmetic must not trap on it.
        guard financed >= 0, (0...financed).contains(repaid), (0...financed).contains(outstanding) else {
            throw EncodingError.invalid(r.path("financed"), "totals out of range: financed \(financed), repaid \(repaid), outstanding \(outstanding)")
        }
    }
}
