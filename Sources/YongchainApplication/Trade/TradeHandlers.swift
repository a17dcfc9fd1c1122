import YongchainCore
import YongchainCrypto

/// Cross-border trade finance: declaration commitments, financings, repayments, authorisations, query logs.
/// docs/trade-finance.md describes the flows, rules, codes and state layout.
///
/// Every handler checks everything before it writes anything, so a refused transaction leaves no writes even
/// before the node discards them.
enum Trade {
    static let handlers: [TxHandler] = [
        .make(PublishDeclarations.self, check: { p, tx, state in
            if case .failure(let r) = Member.requireRegistry(tx.signer, .trade, state) { return r }
            var seen = Set<DeclarationNumber>()
            for (i, d) in p.declarations.enumerated() where !seen.insert(d.number).inserted {
                return .reject(Codes.Trade.duplicateDeclaration, "declarations[\(i)]: \(d.number) appears twice in the batch")
            }
            return nil
        }, execute: publish),

        .make(RecordFinancing.self, check: checkFinancing, execute: recordFinancing),

        .make(RepayFinancing.self, check: { _, tx, state in
            if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
            return nil
        }, execute: repay),

        .make(GrantAuthorization.self, check: { _, tx, state in
            if case .failure(let r) = requireEnterpriseSigner(tx.signer, state) { return r }
            return nil
        }, execute: grant),

        .make(RevokeAuthorization.self, check: { _, tx, state in
            if case .failure(let r) = requireEnterpriseSigner(tx.signer, state) { return r }
            return nil
        }, execute: revoke),

        .make(RecordCreditQuery.self, check: { _, tx, state in
            if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
            return nil
        }, execute: recordQuery),
    ]

    // MARK: declaration.publish

    static func publish(_ p: PublishDeclarations, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        // 1. Check every declaration; write none until all pass.
        var exporters = Set<CreditCode>()
        for (i, d) in p.declarations.enumerated() {
            if state.get(StateKey.declaration(d.number)) != nil {
                return .reject(Codes.Trade.duplicateDeclaration, "declarations[\(i)]: \(d.number) is already published")
            }
            if !exporters.contains(d.exporter) {
                guard state.get(StateKey.enterprise(d.exporter)) != nil else {
                    return .reject(Codes.Trade.unknownEnterprise, "declarations[\(i)].exporter: \(d.exporter) is not a registered enterprise")
                }
                exporters.insert(d.exporter)
            }
        }
        // 2. Write.
        for d in p.declarations {
            state.set(StateKey.declaration(d.number), DeclarationRecord(published: d, pledged: 0, publishedAt: ctx.height).canonicalBytes)
            try TradeListCounts.append(d.exporter, \.declarations, Array(d.number.value.utf8), state) { StateKey.declarationByExporter(d.exporter, $0) }
        }
        return .ok
    }

    // MARK: financing.record
    //
    // Every rule of `financing.record` is in this section, in the order it is applied (docs/trade-finance.md lists
    // them in the same order). All are checked before anything is written, so a refused financing pledges nothing.
    //
    //  1. The signer is a bank (FORBIDDEN_ROLE, UNKNOWN_SIGNER).                                    checkFinancing
    //  2. The financing, every pledge and every held declaration are in one currency (CURRENCY_MISMATCH).
    //  3. Excess financing, first half: the amount is at most the sum pledged (EXCESS_FINANCING).  excessFinancing
    //  4. The exporter is a registered enterprise (UNKNOWN_ENTERPRISE).                           recordFinancing
    //  5. Each pledge, against committed state: its declaration is published and the held fields match the
    //     published commitment (FAKE_DECLARATION); the declaration's exporter is this exporter (EXPORTER_MISMATCH);
    //     the pledge is in the declaration's currency (CURRENCY_MISMATCH); the declaration has value left
    //     (DUPLICATE_FINANCING).                                                                        checkPledge
    //  6. Excess financing, second half: each pledge is at most its declaration's free value
    //     (EXCESS_FINANCING).                                                                       excessFinancing
    //  7. The exporter's running total with this bank in this currency stays within 64 bits (AMOUNT_OUT_OF_RANGE).
    //
    // Rules 1-3 need only the body and the signer: they run at admission and again at execution. Rules 4-7 read
    // declarations and totals, so they run at execution, against the state the block sees.

    /// Rules 1-3: the signer, one currency, and the financing half of the excess rule.
    static func checkFinancing(_ p: RecordFinancing, _ tx: Transaction, _ state: StateReader) -> TxResult? {
        if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
        var pledged: Int64 = 0
        for (i, q) in p.pledges.enumerated() {
            if q.amount.currency != p.amount.currency || q.declaration.amount.currency != p.amount.currency {
                return .reject(Codes.Trade.currencyMismatch,
                               "pledges[\(i)]: the financing is in \(p.amount.currency); pledge \(q.amount.currency), declaration \(q.declaration.amount.currency)")
            }
            pledged += q.amount.minorUnits
        }
        return excessFinancing(amount: p.amount, pledged: pledged)
    }

    /// The excess-financing rule, financing half (rule 3): a financing may not exceed the value pledged for it
    /// (loan-to-value at most 100 %). `pledged` is the sum of the pledges, in the financing's currency.
    static func excessFinancing(amount: Money, pledged: Int64) -> TxResult? {
        guard amount.minorUnits > pledged else { return nil }
        return .reject(Codes.Trade.excessFinancing, "amount: \(amount) exceeds the \(pledged) minor units pledged")
    }

    /// The excess-financing rule, pledge half (rule 6): a pledge may not exceed what its declaration has free —
    /// its value less what other financings, at this bank or another, still hold pledged.
    static func excessFinancing(pledge q: PledgeRequest, free: Int64, field f: String) -> TxResult? {
        guard q.amount.minorUnits > free else { return nil }
        return .reject(Codes.Trade.excessFinancing,
                       "\(f): pledge of \(q.amount.minorUnits) exceeds the \(free) minor units of \(q.declaration.number) still free")
    }

    /// Rules 5 and 6 for pledge `i`: the declaration's record when the pledge may be made.
    static func checkPledge(_ q: PledgeRequest, _ i: Int, exporter: CreditCode, suite: HashSuite, _ state: StateReader) throws(DamagedRecord) -> Result<DeclarationRecord, TxResult> {
        let f = "pledges[\(i)]"
        let held = q.declaration
        guard let rec = try DeclarationRecord.load(held.number, state) else {
            return .failure(.reject(Codes.Trade.fakeDeclaration, "\(f): declaration \(held.number) has not been published"))
        }
        let pub = rec.published
        guard held.commitment(suite) == pub.commitment, held.exporter == pub.exporter, held.amount == pub.amount,
              held.exportDate == pub.exportDate else {
            return .failure(.reject(Codes.Trade.fakeDeclaration, "\(f): the declaration fields held do not match the commitment published for \(held.number)"))
        }
        guard pub.exporter == exporter else {
            return .failure(.reject(Codes.Trade.exporterMismatch, "\(f): declaration \(held.number) belongs to \(pub.exporter), not \(exporter)"))
        }
        guard q.amount.currency == pub.amount.currency else {
            return .failure(.reject(Codes.Trade.currencyMismatch, "\(f): declaration \(held.number) is in \(pub.amount.currency), the pledge in \(q.amount.currency)"))
        }
        guard rec.free > 0 else {
            return .failure(.reject(Codes.Trade.duplicateFinancing, "\(f): declaration \(held.number) is already fully pledged"))
        }
        if let r = excessFinancing(pledge: q, free: rec.free, field: f) { return .failure(r) }
        return .success(rec)
    }

    /// Rules 4-7 (after `checkFinancing` again), then the writes: the financing, its pledges, the indexes.
    static func recordFinancing(_ p: RecordFinancing, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard state.get(StateKey.enterprise(p.exporter)) != nil else {
            return .reject(Codes.Trade.unknownEnterprise, "exporter: \(p.exporter) is not a registered enterprise")
        }
        var records: [DeclarationRecord] = []
        for (i, q) in p.pledges.enumerated() {
            switch try checkPledge(q, i, exporter: p.exporter, suite: ctx.chain.hashSuite, state) {
            case .failure(let r): return r
            case .success(let rec): records.append(rec)
            }
        }
        // The running totals per (exporter, bank, currency) must stay representable: refuse, never trap.
        let exposureKey = StateKey.exposure(p.exporter, tx.signer, p.amount.currency)
        let stored = try DamagedRecord.load(ExposureRecord.self, exposureKey, state)
        let exposure = stored ?? ExposureRecord()
        guard !exposure.financed.addingReportingOverflow(p.amount.minorUnits).overflow else {
            return .reject(Codes.Trade.amountOutOfRange, "amount: \(p.exporter)'s total financed by this bank in \(p.amount.currency) would exceed \(Int64.max) minor units")
        }

        let id = ctx.txHash
        let pledges = p.pledges.map { FinancingRecord.Pledge(number: $0.declaration.number, original: $0.amount.minorUnits, current: $0.amount.minorUnits) }
        let fin = FinancingRecord(id: id, bank: tx.signer, exporter: p.exporter, amount: p.amount, outstanding: p.amount.minorUnits,
                                  pledges: pledges, height: ctx.height, time: ctx.time, repayments: 0)
        state.set(StateKey.financing(id), fin.canonicalBytes)
        try TradeListCounts.append(p.exporter, \.financings, id.bytes, state) { StateKey.financingByExporter(p.exporter, $0) }
        for (q, var rec) in zip(p.pledges, records) {
            rec.pledged += q.amount.minorUnits
            rec.pledges = try DamagedRecord.next(after: rec.pledges, at: StateKey.declaration(q.declaration.number))
            state.set(StateKey.declarationPledge(q.declaration.number, rec.pledges), id.bytes)
            state.set(StateKey.declaration(q.declaration.number), rec.canonicalBytes)
            state.set(StateKey.pledge(q.declaration.number, id), PledgeRecord(bank: tx.signer, current: q.amount.minorUnits).canonicalBytes)
        }
        if stored == nil {
            try TradeListCounts.append(p.exporter, \.exposures, Array("\(tx.signer.text)/\(p.amount.currency.code)".utf8), state) {
                StateKey.exposureByEnterprise(p.exporter, $0)
            }
        }
        try updateExposure(p.exporter, tx.signer, p.amount.currency, state) { (e, key) throws(DamagedRecord) in
            // `financed` was checked above; the record's own invariant (ExposureRecord) keeps `outstanding` below it.
            e.financings = try DamagedRecord.next(after: e.financings, at: key)
            e.financed += p.amount.minorUnits
            e.outstanding += p.amount.minorUnits
        }
        return .ok
    }

    // MARK: financing.repay

    static func repay(_ p: RepayFinancing, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard var fin = try FinancingRecord.load(p.financingId, state) else {
            return .reject(Codes.Trade.unknownFinancing, "financingId: no financing \(p.financingId.hex)")
        }
        guard fin.bank == tx.signer else {
            return .reject(Codes.Trade.notFinancingBank, "only the bank that recorded financing \(p.financingId.short) may repay it")
        }
        guard p.amount.currency == fin.amount.currency else {
            return .reject(Codes.Trade.currencyMismatch, "amount: the financing is in \(fin.amount.currency), the repayment in \(p.amount.currency)")
        }
        guard p.amount.minorUnits <= fin.outstanding else {
            return .reject(Codes.Trade.repayExceedsOutstanding, "amount: \(p.amount.minorUnits) exceeds the \(fin.outstanding) minor units outstanding")
        }
        fin.outstanding -= p.amount.minorUnits
        var released: [(number: DeclarationNumber, amount: Int64)] = []
        for i in fin.pledges.indices {
            let keep = FinancingRecord.remainingPledge(original: fin.pledges[i].original, outstanding: fin.outstanding, amount: fin.amount.minorUnits)
            let freed = fin.pledges[i].current - keep
            guard freed > 0 else { continue }
            let n = fin.pledges[i].number
            fin.pledges[i].current = keep
            released.append((n, freed))
            if var rec = try DeclarationRecord.load(n, state) {
                rec.pledged -= freed
                state.set(StateKey.declaration(n), rec.canonicalBytes)
            }
            if keep == 0 {
                state.delete(StateKey.pledge(n, fin.id))
            } else {
                state.set(StateKey.pledge(n, fin.id), PledgeRecord(bank: fin.bank, current: keep).canonicalBytes)
            }
        }
        let repayment = RepaymentRecord(amount: p.amount, outstandingAfter: fin.outstanding, released: released,
                                        height: ctx.height, time: ctx.time, txHash: ctx.txHash)
        fin.repayments = try DamagedRecord.next(after: fin.repayments, at: StateKey.financing(fin.id))
        state.set(StateKey.repayment(fin.id, fin.repayments), repayment.canonicalBytes)
        state.set(StateKey.financing(fin.id), fin.canonicalBytes)
        try updateExposure(fin.exporter, fin.bank, fin.amount.currency, state) { (e, key) throws(DamagedRecord) in
            // The totals sum several financings: this one's repayment fits them unless they were damaged, or a read
            // failed (it answers "absent", so the totals read as zero: the executor then throws that failure, not this).
            guard p.amount.minorUnits <= e.outstanding && p.amount.minorUnits <= e.financed - e.repaid else {
                throw DamagedRecord(key: String(decoding: key, as: UTF8.self),
                                    reason: "the totals (outstanding \(e.outstanding), financed \(e.financed), repaid \(e.repaid)) cannot hold a repayment of \(p.amount.minorUnits) of a financing they include")
            }
            e.repaid += p.amount.minorUnits
            e.outstanding -= p.amount.minorUnits
        }
        return .ok
    }

    static func updateExposure(_ c: CreditCode, _ bank: PublicKey, _ currency: Currency, _ state: StateOverlay,
                               _ change: (inout ExposureRecord, _ key: [UInt8]) throws(DamagedRecord) -> Void) throws(DamagedRecord) {
        let key = StateKey.exposure(c, bank, currency)
        // A total that does not decode is damaged, never restarted at zero: that would forget what was financed.
        var e = try DamagedRecord.load(ExposureRecord.self, key, state) ?? ExposureRecord()
        try change(&e, key)
        state.set(key, e.canonicalBytes)
    }

    // MARK: authorization.grant / authorization.revoke

    static func grant(_ p: GrantAuthorization, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        let enterprise: CreditCode
        switch requireEnterpriseSigner(tx.signer, state) {
        case .failure(let r): return r
        case .success(let c): enterprise = c
        }
        guard let m = try Governance.member(key: p.bank, state), m.role == .bank else {
            return .reject(Codes.Trade.unknownBank, "bank: \(p.bank.text) is not a bank of the consortium")
        }
        guard p.expiresAt > ctx.time else {
            return .reject(Codes.Trade.authorizationExpired, "expiresAt: \(p.expiresAt) is not after the block time \(ctx.time)")
        }
        // A bank is listed once, at its first grant; a re-grant (even after a revocation) replaces the record only.
        if try AuthorizationRecord.load(enterprise, p.bank, state) == nil {
            try TradeListCounts.append(enterprise, \.authorizations, Array(p.bank.text.utf8), state) { StateKey.authorizationByEnterprise(enterprise, $0) }
        }
        let rec = AuthorizationRecord(expiresAt: p.expiresAt, grantedAtHeight: ctx.height, grantedAtTime: ctx.time)
        state.set(StateKey.authorization(enterprise, p.bank), rec.canonicalBytes)
        return .ok
    }

    static func revoke(_ p: RevokeAuthorization, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        let enterprise: CreditCode
        switch requireEnterpriseSigner(tx.signer, state) {
        case .failure(let r): return r
        case .success(let c): enterprise = c
        }
        guard var rec = try AuthorizationRecord.live(enterprise, p.bank, state) else {
            return .reject(Codes.Trade.notAuthorized, "bank: \(enterprise) has no authorisation for \(p.bank.text) to revoke")
        }
        rec.revoked = true
        state.set(StateKey.authorization(enterprise, p.bank), rec.canonicalBytes)
        return .ok
    }

    // MARK: creditQuery.record

    static func recordQuery(_ p: RecordCreditQuery, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        let status = try TradeQueries.authorization(of: tx.signer, by: p.enterprise, atTime: ctx.time, state: state)
        guard status.authorized else { return .reject(status.code, status.message) }
        let rec = CreditQueryRecord(enterprise: p.enterprise, bank: tx.signer, purpose: p.purpose, height: ctx.height, time: ctx.time,
                                    txHash: ctx.txHash)
        let seq = try TradeListCounts.append(p.enterprise, \.queries, rec.canonicalBytes, state) { StateKey.creditQuery(p.enterprise, $0) }
        state.set(StateKey.creditQueryID(ctx.txHash), StateKey.creditQuery(p.enterprise, seq))
        return .ok
    }
}

/// The enterprise a signing key belongs to, or `NOT_ENTERPRISE`.
func requireEnterpriseSigner(_ key: PublicKey, _ state: StateReader) -> Result<CreditCode, TxResult> {
    guard let bytes = state.get(StateKey.enterpriseKey(key)),
          let code = try? CreditCode(String(decoding: bytes, as: UTF8.self)) else {
        let member: Member?
        do { member = try Governance.member(key: key, state) } catch { return .failure(error.result) }
        let who = member.map { "\($0.name) is a member organisation, not an enterprise: " } ?? ""
        return .failure(.reject(Codes.Trade.notEnterprise,
                                "\(who)an authorisation must be signed with the enterprise's own registered key"))
    }
    return .success(code)
}
