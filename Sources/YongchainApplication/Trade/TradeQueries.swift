import YongchainCore
import YongchainCrypto

/// Read-only trade-finance queries: pure functions of committed state (and, where authorisation matters, the
/// time of the block that state reflects). The node serialises the results to JSON and adds the height and block
/// hash they reflect. Callers MUST pass the committed state and the time of the latest committed block — never
/// the local clock — so every node gives the same answer at the same height.
///
/// The authorisation, credit-record and query-log queries read state only with `get`, never `scan`: every list
/// they walk is numbered 1...count (TradeStateKeys.swift), so each answer rests on single keys that a state proof
/// can cover, and a verifier can re-run the query over the proven entries alone.
public enum TradeQueries {

    // MARK: Authorisation

    /// Whether `bank` holds `enterprise`'s authorisation at block time `atTime` (ms since the Unix epoch).
    /// `code` is "OK", `UNKNOWN_ENTERPRISE`, `NOT_AUTHORIZED` (never granted or revoked) or
    /// `AUTHORIZATION_EXPIRED` (atTime >= expiresAt).
    public static func authorization(of bank: PublicKey, by enterprise: CreditCode, atTime: Int64, state: StateReader) throws(DamagedRecord) -> AuthorizationStatus {
        func status(_ code: String, _ message: String, _ a: AuthorizationRecord? = nil) -> AuthorizationStatus {
            AuthorizationStatus(enterprise: enterprise.value, bank: bank.text, authorized: code == TxResult.okCode, code: code,
                                message: message, expiresAt: a?.expiresAt, grantedAtHeight: a?.grantedAtHeight, grantedAtTime: a?.grantedAtTime)
        }
        guard state.get(StateKey.enterprise(enterprise)) != nil else {
            return status(Codes.Trade.unknownEnterprise, "\(enterprise) is not a registered enterprise")
        }
        guard let a = try AuthorizationRecord.live(enterprise, bank, state) else {
            return status(Codes.Trade.notAuthorized, "\(enterprise) has not authorised this bank to query its credit record")
        }
        guard atTime < a.expiresAt else {
            return status(Codes.Trade.authorizationExpired, "\(enterprise)'s authorisation for this bank expired at \(a.expiresAt)", a)
        }
        return status(TxResult.okCode, "", a)
    }

    /// The live and expired (not revoked) authorisations an enterprise has granted, with their status at `atTime`,
    /// in order of each bank's first grant; at most `TradeLimits.maxPageSize` banks are examined.
    public static func authorizations(of enterprise: CreditCode, atTime: Int64, state: StateReader) throws -> [AuthorizationStatus] {
        let count = try TradeListCounts.load(enterprise, state).authorizations
        return try TradeWire.page(after: 0, count: count, limit: TradeLimits.maxPageSize).seqs.compactMap { seq in
            guard let text = state.get(StateKey.authorizationByEnterprise(enterprise, seq)),
                  let bank = PublicKey(text: String(decoding: text, as: UTF8.self)) else { return nil }
            let status = try authorization(of: bank, by: enterprise, atTime: atTime, state: state)
            // A revoked bank keeps its list entry; it is simply no longer authorised.
            return status.code == Codes.Trade.notAuthorized ? nil : status
        }
    }

    // MARK: Pre-check

    /// For each declaration: is it published, do the held fields (if given) match its commitment, and how much
    /// of its value is still free to pledge. `code` predicts `financing.record`'s verdict for that declaration
    /// alone: "OK", `FAKE_DECLARATION` or `DUPLICATE_FINANCING`. The caller MUST `validate()` the request.
    public static func precheck(_ request: PrecheckRequest, state: StateReader, suite: HashSuite) throws -> PrecheckResult {
        PrecheckResult(declarations: try request.declarations.map { item in
            guard let rec = try DeclarationRecord.load(item.number, state) else {
                return PrecheckItemResult(number: item.number.value, code: Codes.Trade.fakeDeclaration, known: false)
            }
            let pub = rec.published
            var r = PrecheckItemResult(number: item.number.value, code: TxResult.okCode, known: true)
            r.exporter = pub.exporter.value
            r.amount = pub.amount
            r.exportDate = pub.exportDate
            r.commitment = pub.commitment.hex
            r.pledged = rec.pledged
            r.free = rec.free
            if let f = item.fields {
                let match = f.number == pub.number && f.commitment(suite) == pub.commitment && f.exporter == pub.exporter
                    && f.amount == pub.amount && f.exportDate == pub.exportDate
                r.fieldsMatch = match
                if !match { r.code = Codes.Trade.fakeDeclaration }
            }
            if r.code == TxResult.okCode && rec.free == 0 { r.code = Codes.Trade.duplicateFinancing }
            return r
        })
    }

    // MARK: Credit record

    /// An enterprise's credit record, answered only if `bank` is authorised at `atTime`. Prefer
    /// `creditRecord(queryID:...)`, which also requires the query to have been logged on chain first. Throws
    /// `ValidationError` naming `declarationsAfter` or `financingsAfter` when a cursor is malformed.
    public static func creditRecord(of enterprise: CreditCode, askedBy bank: PublicKey, atTime: Int64, state: StateReader,
                                    page: CreditRecordPage = .init()) throws -> Result<CreditRecord, TradeQueryError> {
        let cursors = try page.cursors()
        let status = try authorization(of: bank, by: enterprise, atTime: atTime, state: state)
        guard status.authorized else { return .failure(TradeQueryError(code: status.code, message: status.message)) }
        return .success(try record(enterprise, state, cursors: cursors, limit: page.effectiveLimit))
    }

    /// The answer to a logged query: `queryID` is the hash of the asking bank's committed `creditQuery.record`
    /// transaction. Refused with `UNKNOWN_QUERY` (no such log, or it is another bank's), `QUERY_EXPIRED` (logged
    /// more than `TradeLimits.queryAnswerWindowMs` before `atTime`), or the authorisation codes if the
    /// enterprise's authorisation has since lapsed or been revoked. The node MUST authenticate `bank` (a signed
    /// API request) before calling this. Throws `ValidationError` for a malformed cursor, as `creditRecord(of:...)`.
    public static func creditRecord(queryID: Hash, askedBy bank: PublicKey, atTime: Int64, state: StateReader,
                                    page: CreditRecordPage = .init()) throws -> Result<CreditRecord, TradeQueryError> {
        _ = try page.cursors()
        guard let key = state.get(StateKey.creditQueryID(queryID)),
              let log = try DamagedRecord.load(CreditQueryRecord.self, key, state), log.bank == bank else {
            return .failure(TradeQueryError(code: Codes.Trade.unknownQuery, message: "no logged credit query \(queryID.hex) by this bank"))
        }
        guard atTime - log.time <= TradeLimits.queryAnswerWindowMs else {
            return .failure(TradeQueryError(code: Codes.Trade.queryExpired,
                                            message: "query \(queryID.short) was logged at \(log.time); submit a new creditQuery.record"))
        }
        return try creditRecord(of: log.enterprise, askedBy: bank, atTime: atTime, state: state, page: page)
    }

    /// The record itself. Every list is read by position: `cursors` are the positions already shown (0 = none).
    static func record(_ enterprise: CreditCode, _ state: StateReader, cursors: (declarations: UInt64, financings: UInt64),
                       limit: Int) throws -> CreditRecord {
        var names = BankNames(state: state)
        let ent = Identity.enterprise(enterprise, state)
        let counts = try TradeListCounts.load(enterprise, state)

        // Exposure totals: a handful of (bank, currency) rows, never a history scan. Shown in (bank, currency) key
        // order, whatever order they were first financed in.
        var rows: [(sortKey: [UInt8], view: CreditRecordExposure)] = []
        var totals: [String: CreditRecordTotal] = [:]
        for seq in TradeWire.page(after: 0, count: counts.exposures, limit: TradeLimits.maxPageSize).seqs {
            let key = StateKey.exposureByEnterprise(enterprise, seq)
            guard let entry = state.get(key) else { continue }
            // `<bank key>/<currency>`, as financing.record wrote it: anything else is a damaged entry.
            guard let (bank, currency) = try DamagedRecord.load(key, state, { bytes -> (PublicKey, Currency) in
                let parts = String(decoding: bytes, as: UTF8.self).split(separator: "/")
                guard parts.count == 2, let bank = PublicKey(text: String(parts[0])) else {
                    throw ValidationError(field: "exposure", message: "not <bank key>/<currency>")
                }
                return (bank, try Currency(String(parts[1])))
            }), let x = try DamagedRecord.load(ExposureRecord.self, StateKey.exposure(enterprise, bank, currency), state) else { continue }
            rows.append((entry, CreditRecordExposure(bank: bank.text, bankName: try names.name(bank), currency: currency.code, financings: x.financings,
                                                      financed: x.financed, repaid: x.repaid, outstanding: x.outstanding)))
            var t = totals[currency.code] ?? CreditRecordTotal(currency: currency.code, financed: 0, repaid: 0, outstanding: 0)
            // Totals over banks: each bank's row is bounded, their sum need not be; a report saturates, never traps.
            t.financed = t.financed.addingClamped(x.financed)
            t.repaid = t.repaid.addingClamped(x.repaid)
            t.outstanding = t.outstanding.addingClamped(x.outstanding)
            totals[currency.code] = t
        }
        let exposures = rows.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }.map(\.view)

        // Declarations, in publication order, each with its current pledges.
        let dPage = TradeWire.page(after: cursors.declarations, count: counts.declarations, limit: limit)
        let declarations = try dPage.seqs.compactMap { seq -> DeclarationView? in
            guard let n = try DamagedRecord.load(StateKey.declarationByExporter(enterprise, seq), state, {
                      try DeclarationNumber(String(decoding: $0, as: UTF8.self))
                  }),
                  let rec = try DeclarationRecord.load(n, state) else { return nil }
            return DeclarationView(rec, pledges: try pledges(of: n, rec, state, &names))
        }

        // Financings, oldest first, each with its repayment history.
        let fPage = TradeWire.page(after: cursors.financings, count: counts.financings, limit: limit)
        let financings = try fPage.seqs.compactMap { seq -> FinancingView? in
            guard let id = state.get(StateKey.financingByExporter(enterprise, seq)).flatMap(Hash.init),
                  let f = try FinancingRecord.load(id, state) else { return nil }
            let shown = UInt32(min(Int(f.repayments), TradeLimits.maxPageSize))
            let repayments = shown == 0 ? [] : try (1...shown).compactMap { r in
                try DamagedRecord.load(RepaymentRecord.self, StateKey.repayment(id, r), state).map(RepaymentView.init)
            }
            return FinancingView(f, bankName: try names.name(f.bank), repayments: repayments)
        }

        return CreditRecord(
            enterprise: CreditRecordEnterprise(creditCode: enterprise.value, name: ent?.name ?? "", registeredAt: ent?.registeredAt ?? 0),
            totals: totals.values.sorted { $0.currency < $1.currency },
            exposures: exposures,
            declarations: declarations,
            financings: financings,
            nextDeclarationsAfter: dPage.next,
            nextFinancingsAfter: fPage.next)
    }

    /// A declaration's current (non-zero) pledges, oldest first. Its pledge list keeps every financing that ever
    /// pledged it; released ones are skipped. Only the newest `TradeLimits.maxPageSize` entries are examined, as
    /// live pledges are the recent ones once a declaration has been financed and repaid many times over.
    static func pledges(of n: DeclarationNumber, _ rec: DeclarationRecord, _ state: StateReader, _ names: inout BankNames) throws(DamagedRecord) -> [PledgeView] {
        guard rec.pledges > 0 else { return [] }
        let first = rec.pledges > UInt64(TradeLimits.maxPageSize) ? rec.pledges - UInt64(TradeLimits.maxPageSize) + 1 : 1
        var views: [PledgeView] = []
        for seq in first...rec.pledges {
            guard let id = state.get(StateKey.declarationPledge(n, seq)).flatMap(Hash.init),
                  let p = try DamagedRecord.load(PledgeRecord.self, StateKey.pledge(n, id), state) else { continue }
            views.append(PledgeView(financingId: id.hex, bank: p.bank.text, bankName: try names.name(p.bank), pledged: p.current))
        }
        return views
    }

    // MARK: Query log

    /// The credit queries logged about `enterprise`, oldest first: who asked, when, and why. `after` is the
    /// previous page's `nextAfter` (a position in the log); throws `ValidationError` naming `after` if malformed.
    public static func creditQueries(of enterprise: CreditCode, after: String? = nil, limit: Int = TradeLimits.defaultPageSize,
                                     state: StateReader) throws -> CreditQueryList {
        let cursor = try TradeWire.cursor(after, field: "after")
        var names = BankNames(state: state)
        let page = TradeWire.page(after: cursor, count: try TradeListCounts.load(enterprise, state).queries,
                                  limit: max(1, min(limit, TradeLimits.maxPageSize)))
        let queries = try page.seqs.compactMap { seq -> CreditQueryView? in
            guard let q = try DamagedRecord.load(CreditQueryRecord.self, StateKey.creditQuery(enterprise, seq), state) else { return nil }
            return CreditQueryView(queryId: q.txHash.hex, bank: q.bank.text, bankName: try names.name(q.bank), purpose: q.purpose,
                                   height: q.height, time: q.time)
        }
        return CreditQueryList(enterprise: enterprise.value, queries: queries, nextAfter: page.next)
    }
}

/// Member names for display, looked up once per query ("" for a key that is no member's).
struct BankNames {
    let state: StateReader
    var cache: [PublicKey: String] = [:]
    init(state: StateReader) { self.state = state }
    /// Throws for a member record that does not decode, never answers "".
    mutating func name(_ key: PublicKey) throws(DamagedRecord) -> String {
        if let n = cache[key] { return n }
        let n = try Governance.member(key: key, state)?.name ?? ""
        cache[key] = n
        return n
    }
}

extension Int64 {
    /// `self + other`, or the nearest bound when the sum does not fit.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
