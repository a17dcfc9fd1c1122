import YongchainCore
import YongchainCrypto

/// Read-only trade-finance queries: pure functions of committed state (and, where authorisation matters, the
/// time of the block that state reflects). The node serialises the results to JSON and adds the height and block
/// hash they reflect. Callers MUST pass the committed state and the time of the latest committed block — never
/// the local clock — so every node gives the same answer at the same height.
public enum TradeQueries {

    // MARK: Authorisation

    /// Whether `bank` holds `enterprise`'s authorisation at block time `atTime` (ms since the Unix epoch).
    /// `code` is "OK", `UNKNOWN_ENTERPRISE`, `NOT_AUTHORIZED` (never granted or revoked) or
    /// `AUTHORIZATION_EXPIRED` (atTime >= expiresAt).
    public static func authorization(of bank: PublicKey, by enterprise: CreditCode, atTime: Int64, state: StateReader) -> AuthorizationStatus {
        func status(_ code: String, _ message: String, _ a: AuthorizationRecord? = nil) -> AuthorizationStatus {
            AuthorizationStatus(enterprise: enterprise.value, bank: bank.text, authorized: code == TxResult.okCode, code: code,
                                message: message, expiresAt: a?.expiresAt, grantedAtHeight: a?.grantedAtHeight, grantedAtTime: a?.grantedAtTime)
        }
        guard state.get(StateKey.enterprise(enterprise)) != nil else {
            return status(Codes.Trade.unknownEnterprise, "\(enterprise) is not a registered enterprise")
        }
        guard let a = AuthorizationRecord.load(enterprise, bank, state) else {
            return status(Codes.Trade.notAuthorized, "\(enterprise) has not authorised this bank to query its credit record")
        }
        guard atTime < a.expiresAt else {
            return status(Codes.Trade.authorizationExpired, "\(enterprise)'s authorisation for this bank expired at \(a.expiresAt)", a)
        }
        return status(TxResult.okCode, "", a)
    }

    /// The live and expired (not revoked) authorisations an enterprise has granted, with their status at `atTime`.
    public static func authorizations(of enterprise: CreditCode, atTime: Int64, state: StateReader) -> [AuthorizationStatus] {
        state.scan(prefix: StateKey.authorizationPrefix(enterprise), after: nil, limit: TradeLimits.maxPageSize).compactMap { e in
            let text = String(decoding: e.key.dropFirst(StateKey.authorizationPrefix(enterprise).count), as: UTF8.self)
            guard let bank = PublicKey(text: text) else { return nil }
            return authorization(of: bank, by: enterprise, atTime: atTime, state: state)
        }
    }

    // MARK: Pre-check

    /// For each declaration: is it published, do the held fields (if given) match its commitment, and how much
    /// of its value is still free to pledge. `code` predicts `financing.record`'s verdict for that declaration
    /// alone: "OK", `FAKE_DECLARATION` or `DUPLICATE_FINANCING`. The caller MUST `validate()` the request.
    public static func precheck(_ request: PrecheckRequest, state: StateReader) -> PrecheckResult {
        PrecheckResult(declarations: request.declarations.map { item in
            guard let rec = DeclarationRecord.load(item.number, state) else {
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
                let match = f.number == pub.number && f.commitment == pub.commitment && f.exporter == pub.exporter
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
    /// `creditRecord(queryID:...)`, which also requires the query to have been logged on chain first.
    public static func creditRecord(of enterprise: CreditCode, askedBy bank: PublicKey, atTime: Int64, state: StateReader,
                                    page: CreditRecordPage = .init()) -> Result<CreditRecord, TradeQueryError> {
        let status = authorization(of: bank, by: enterprise, atTime: atTime, state: state)
        guard status.authorized else { return .failure(TradeQueryError(code: status.code, message: status.message)) }
        return .success(record(enterprise, state, page))
    }

    /// The answer to a logged query: `queryID` is the hash of the asking bank's committed `creditQuery.record`
    /// transaction. Refused with `UNKNOWN_QUERY` (no such log, or it is another bank's), `QUERY_EXPIRED` (logged
    /// more than `TradeLimits.queryAnswerWindowMs` before `atTime`), or the authorisation codes if the
    /// enterprise's authorisation has since lapsed or been revoked. The node MUST authenticate `bank` (a signed
    /// API request) before calling this.
    public static func creditRecord(queryID: Hash, askedBy bank: PublicKey, atTime: Int64, state: StateReader,
                                    page: CreditRecordPage = .init()) -> Result<CreditRecord, TradeQueryError> {
        guard let key = state.get(StateKey.creditQueryID(queryID)), let bytes = state.get(key),
              let log = try? CreditQueryRecord(canonical: bytes), log.bank == bank else {
            return .failure(TradeQueryError(code: Codes.Trade.unknownQuery, message: "no logged credit query \(queryID.hex) by this bank"))
        }
        guard atTime - log.time <= TradeLimits.queryAnswerWindowMs else {
            return .failure(TradeQueryError(code: Codes.Trade.queryExpired,
                                            message: "query \(queryID.short) was logged at \(log.time); submit a new creditQuery.record"))
        }
        // The log key is credit-query/<enterprise>/<height>/<index>.
        let parts = String(decoding: key, as: UTF8.self).split(separator: "/")
        guard parts.count == 4, let enterprise = try? CreditCode(String(parts[1])) else {
            return .failure(TradeQueryError(code: Codes.Trade.unknownQuery, message: "query \(queryID.short) has a malformed log entry"))
        }
        return creditRecord(of: enterprise, askedBy: bank, atTime: atTime, state: state, page: page)
    }

    static func record(_ enterprise: CreditCode, _ state: StateReader, _ page: CreditRecordPage) -> CreditRecord {
        var names = BankNames(state: state)
        let limit = page.effectiveLimit
        let ent = Identity.enterprise(enterprise, state)

        // Exposure totals: a handful of (bank, currency) rows, never a history scan.
        let exPrefix = StateKey.exposurePrefix(enterprise)
        var exposures: [CreditRecordExposure] = []
        var totals: [String: CreditRecordTotal] = [:]
        for e in state.scan(prefix: exPrefix, after: nil, limit: TradeLimits.maxPageSize) {
            let parts = String(decoding: e.key.dropFirst(exPrefix.count), as: UTF8.self).split(separator: "/")
            guard parts.count == 2, let bank = PublicKey(text: String(parts[0])), let x = try? ExposureRecord(canonical: e.value) else { continue }
            let currency = String(parts[1])
            exposures.append(CreditRecordExposure(bank: bank.text, bankName: names[bank], currency: currency, financings: x.financings,
                                          financed: x.financed, repaid: x.repaid, outstanding: x.outstanding))
            var t = totals[currency] ?? CreditRecordTotal(currency: currency, financed: 0, repaid: 0, outstanding: 0)
            // Totals over banks: each bank's row is bounded, their sum need not be; a report saturates, never traps.
            t.financed = t.financed.addingClamped(x.financed)
            t.repaid = t.repaid.addingClamped(x.repaid)
            t.outstanding = t.outstanding.addingClamped(x.outstanding)
            totals[currency] = t
        }

        // Declarations, by number.
        let dPrefix = StateKey.declarationByExporterPrefix(enterprise)
        let dAfter = page.declarationsAfter.map { dPrefix + Array($0.utf8) }
        let dRows = state.scan(prefix: dPrefix, after: dAfter, limit: limit + 1)
        var declarations: [DeclarationView] = []
        for e in dRows.prefix(limit) {
            guard let n = try? DeclarationNumber(String(decoding: e.key.dropFirst(dPrefix.count), as: UTF8.self)),
                  let rec = DeclarationRecord.load(n, state) else { continue }
            let pledges = state.scan(prefix: StateKey.pledgePrefix(n), after: nil, limit: TradeLimits.maxPageSize).compactMap { p -> PledgeView? in
                guard let pr = try? PledgeRecord(canonical: p.value) else { return nil }
                let id = String(decoding: p.key.dropFirst(StateKey.pledgePrefix(n).count), as: UTF8.self)
                return PledgeView(financingId: id, bank: pr.bank.text, bankName: names[pr.bank], pledged: pr.current)
            }
            declarations.append(DeclarationView(rec, pledges: pledges))
        }

        // Financings, oldest first, each with its repayment history.
        let fPrefix = StateKey.financingByExporterPrefix(enterprise)
        let fAfter = page.financingsAfter.map { fPrefix + Array($0.utf8) }
        let fRows = state.scan(prefix: fPrefix, after: fAfter, limit: limit + 1)
        var financings: [FinancingView] = []
        for e in fRows.prefix(limit) {
            guard let id = Hash(e.value), let f = FinancingRecord.load(id, state) else { continue }
            let repayments = state.scan(prefix: StateKey.repaymentPrefix(id), after: nil, limit: TradeLimits.maxPageSize).compactMap {
                (try? RepaymentRecord(canonical: $0.value)).map(RepaymentView.init)
            }
            financings.append(FinancingView(f, bankName: names[f.bank], repayments: repayments))
        }

        func cursor(_ rows: [(key: [UInt8], value: [UInt8])], _ prefix: [UInt8]) -> String? {
            rows.count > limit ? String(decoding: rows[limit - 1].key.dropFirst(prefix.count), as: UTF8.self) : nil
        }
        return CreditRecord(
            enterprise: CreditRecordEnterprise(creditCode: enterprise.value, name: ent?.name ?? "", registeredAt: ent?.registeredAt ?? 0),
            totals: totals.values.sorted { $0.currency < $1.currency },
            exposures: exposures,
            declarations: declarations,
            financings: financings,
            nextDeclarationsAfter: cursor(dRows, dPrefix),
            nextFinancingsAfter: cursor(fRows, fPrefix))
    }

    // MARK: Query log

    /// The credit queries logged about `enterprise`, oldest first: who asked, when, and why.
    public static func creditQueries(of enterprise: CreditCode, after: String? = nil, limit: Int = TradeLimits.defaultPageSize,
                                     state: StateReader) -> CreditQueryList {
        var names = BankNames(state: state)
        let prefix = StateKey.creditQueryPrefix(enterprise)
        let n = max(1, min(limit, TradeLimits.maxPageSize))
        let rows = state.scan(prefix: prefix, after: after.map { prefix + Array($0.utf8) }, limit: n + 1)
        let queries = rows.prefix(n).compactMap { e -> CreditQueryView? in
            guard let q = try? CreditQueryRecord(canonical: e.value) else { return nil }
            return CreditQueryView(queryId: q.txHash.hex, bank: q.bank.text, bankName: names[q.bank], purpose: q.purpose,
                                   height: q.height, time: q.time)
        }
        let next = rows.count > n ? String(decoding: rows[n - 1].key.dropFirst(prefix.count), as: UTF8.self) : nil
        return CreditQueryList(enterprise: enterprise.value, queries: queries, nextAfter: next)
    }
}

/// Member names for display, looked up once per query.
struct BankNames {
    let state: StateReader
    var cache: [PublicKey: String] = [:]
    init(state: StateReader) { self.state = state }
    subscript(_ key: PublicKey) -> String {
        mutating get {
            if let n = cache[key] { return n }
            let n = (try? Member.signer(key, state).get())?.name ?? ""
            cache[key] = n
            return n
        }
    }
}

extension Int64 {
    /// `self + other`, or the nearest bound when the sum does not fit.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
