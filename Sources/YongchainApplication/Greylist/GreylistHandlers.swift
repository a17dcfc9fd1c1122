import YongchainCore
import YongchainCrypto

/// The grey-list of suspicious account openers: reports, reviews, entries, appeals and checks, keyed by the
/// supervisor's VRF pseudonyms. docs/greylist.md describes the roles, states, rules, codes and state layout.
///
/// Every type starts with its signer (UNKNOWN_SIGNER, KEY_REVOKED), then its role (FORBIDDEN_ROLE: a bank, or a
/// supervisor holding `greylist`), then whether a VRF key is in force (GREYLIST_OFF); the rules of each type
/// follow in the order docs/greylist.md's table gives them. Every handler checks everything before it writes.
/// No outcome but a check's depends on whether a subject is listed, so no bank learns a listing otherwise.
public enum Greylist {
    static let handlers: [TxHandler] = [
        .make(ReportSubject.self, check: byBank, execute: report),
        .make(ReviewReport.self, check: bySupervisor, execute: review),
        .make(RenewEntry.self, check: bySupervisor, execute: renew),
        .make(WithdrawEntry.self, check: bySupervisor, execute: withdraw),
        .make(AppealListing.self, check: byBank, execute: appeal),
        .make(DecideAppeal.self, check: bySupervisor, execute: decideAppeal),
        .make(CheckApplicant.self, check: byBank, execute: check),
        .make(RecordCheckOutcome.self, check: byBank, execute: outcome),
        .make(SweepGreylist.self, check: bySupervisor, execute: sweep),
        .make(RekeyEntries.self, check: bySupervisor, execute: rekey),
        .make(RetireVRFKey.self, check: bySupervisor, execute: retireKey),
    ]

    // MARK: signer, role, keys

    /// The signer if it is a supervisor holding the `greylist` authority; FORBIDDEN_ROLE otherwise.
    static func requireSupervisor(_ key: PublicKey, _ state: StateReader) -> Result<Member, TxResult> {
        Member.signer(key, state).flatMap { m in
            guard m.role == .supervisor, m.authorities.contains(.greylist) else {
                return .failure(.reject(Codes.forbiddenRole, "\(m.name) is not a supervisor with the greylist authority"))
            }
            return .success(m)
        }
    }

    /// The admission check of a bank's type, and of a supervisor's.
    static func byBank<P>(_ p: P, _ tx: Transaction, _ state: StateReader) throws(DamagedRecord) -> TxResult? { try admit(bank: tx, state) }
    static func bySupervisor<P>(_ p: P, _ tx: Transaction, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        try admit(supervisor: tx, state)
    }

    static func admit(bank tx: Transaction, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        if case .failure(let r) = Member.requireBank(tx.signer, state) { return r }
        return try GreylistKeyRing.load(state) == nil ? off : nil
    }

    static func admit(supervisor tx: Transaction, _ state: StateReader) throws(DamagedRecord) -> TxResult? {
        if case .failure(let r) = requireSupervisor(tx.signer, state) { return r }
        return try GreylistKeyRing.load(state) == nil ? off : nil
    }

    static let off = TxResult.reject(Codes.Greylist.off, "the grey-list is off: no VRF key is in force (governance greylist.addVrfKey)")

    /// The key ring and the versions in force at `height`; GREYLIST_OFF when none is.
    static func keys(_ height: UInt64, _ state: StateReader) throws(DamagedRecord) -> Result<(ring: GreylistKeyRing, live: [UInt32]), TxResult> {
        guard let ring = try GreylistKeyRing.load(state) else { return .failure(off) }
        let live = ring.inForce(at: height).map(\.version)
        return live.isEmpty ? .failure(off) : .success((ring, live))
    }

    /// GREYLIST_KEY_VERSION unless `s` is under the newest version in force.
    static func requireNewest(_ s: GreylistSubject, _ live: [UInt32], field: String) -> TxResult? {
        guard s.keyVersion != live.last else { return nil }
        return .reject(Codes.Greylist.keyVersion, "\(field).keyVersion: \(s.keyVersion) is not the newest key version in force (\(live.last!))")
    }

    /// Block time `now` plus the entry lifetime; a time past the 64-bit range lists until its end.
    static func expiry(_ now: Int64, _ p: GreylistParameters) -> Int64 {
        let (t, overflow) = now.addingReportingOverflow(p.entryLifetimeMs)
        return overflow ? Int64.max : t
    }

    /// Pending appeals on a subject, whoever filed them.
    static func openAppeals(_ s: GreylistSubject, _ state: StateReader) throws(DamagedRecord) -> UInt32 {
        try DamagedRecord.count(UInt32.self, StateKey.greylistOpenAppeals(s), state) ?? 0
    }

    // MARK: greylist.report — the rules of a filing (GreylistFiling.swift), the record a `GreylistReport`.

    static func report(_ p: ReportSubject, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        try file(.report, p.subject, tx, ctx, state) { bank in
            GreylistReport(bank: bank, subject: p.subject, category: p.category, evidence: p.evidenceHash, height: ctx.height, time: ctx.time).canonicalBytes
        }
    }

    // MARK: greylist.review
    //
    //  1. The signer is a supervisor holding `greylist`; a key is in force.                             admit
    //  2. The report exists (GREYLIST_UNKNOWN_REPORT) and is pending (GREYLIST_REPORT_CLOSED).
    //  3. Its key version is still in force (GREYLIST_KEY_VERSION).
    //  Publish: a listed entry is renewed with this category (since kept); otherwise (none, or expired) a new entry
    //  is listed from now. Either way it lists until now + `entryLifetimeMs`. Reject: only the report changes.
    //  The report is closed with the decision; the bank's and the version's pending counts drop.

    static func review(_ p: ReviewReport, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        let live = k.live
        guard var report = try GreylistReport.load(p.report, state) else {
            return .reject(Codes.Greylist.unknownReport, "report: no grey-list report \(p.report.hex)")
        }
        guard report.status == .pending else {
            return .reject(Codes.Greylist.reportClosed, "report: \(p.report.short) was already reviewed at height \(report.decidedHeight)")
        }
        let s = report.subject
        guard live.contains(s.keyVersion) else {
            return .reject(Codes.Greylist.keyVersion, "report: its key version \(s.keyVersion) is no longer in force")
        }
        switch p.decision {
        case .publish(let category):
            let params = try GreylistParameters.load(state)
            let old = try GreylistEntry.load(s, state)
            var entry: GreylistEntry
            if var listed = old, listed.listed(at: ctx.time) {
                listed.category = category
                listed.expiresAt = expiry(ctx.time, params)
                entry = listed
                try GreylistStats.add(.publications, .renewals, state: state)
            } else {
                entry = GreylistEntry(category: category, since: ctx.time, expiresAt: expiry(ctx.time, params), underAppeal: try openAppeals(s, state) > 0)
                if old == nil { ring.count(s.keyVersion, \.entries, 1) }
                try GreylistStats.add(.publications, state: state)
            }
            state.set(StateKey.greylistEntry(s), entry.canonicalBytes)
            report.status = .published
            report.decisionCode = category.tag
        case .reject(let reason):
            report.status = .rejected
            report.decisionCode = reason.tag
            try GreylistStats.add(.rejections, state: state)
        }
        report.decisionHash = p.decisionHash
        report.decidedHeight = ctx.height
        state.set(StateKey.greylistReport(p.report), report.canonicalBytes)
        try close(.report, report.bank, s, &ring, state)
        return .ok
    }

    // MARK: greylist.renew
    //
    //  1. Supervisor; a key is in force.  2. The entry exists (GREYLIST_NOT_LISTED).  3. It has not expired
    //  (GREYLIST_ENTRY_EXPIRED: a new report and review are needed).  Lists until now + `entryLifetimeMs`.

    static func renew(_ p: RenewEntry, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success = try keys(ctx.height, state) else { return off }
        guard var entry = try GreylistEntry.load(p.subject, state) else {
            return .reject(Codes.Greylist.notListed, "subject: no grey-list entry for \(p.subject)")
        }
        guard entry.listed(at: ctx.time) else {
            return .reject(Codes.Greylist.entryExpired, "subject: the entry expired at \(entry.expiresAt); a new report and review are needed")
        }
        entry.expiresAt = expiry(ctx.time, try GreylistParameters.load(state))
        state.set(StateKey.greylistEntry(p.subject), entry.canonicalBytes)
        try GreylistStats.add(.renewals, state: state)
        return .ok
    }

    // MARK: greylist.withdraw
    //
    //  1. Supervisor; a key is in force; the reason is not appealUpheld (INVALID_FIELD, the payload).
    //  2. The entry exists, expired or not (GREYLIST_NOT_LISTED).  Deletes it: a later check is a proven absence.

    static func withdraw(_ p: WithdrawEntry, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        guard try GreylistEntry.load(p.subject, state) != nil else {
            return .reject(Codes.Greylist.notListed, "subject: no grey-list entry for \(p.subject)")
        }
        state.delete(StateKey.greylistEntry(p.subject))
        ring.count(p.subject.keyVersion, \.entries, -1)
        ring.save(state)
        try GreylistStats.add(.withdrawals, state: state)
        return .ok
    }

    // MARK: greylist.appeal — the rules of a filing (GreylistFiling.swift), the record a `GreylistAppeal`; a listed
    //  entry shows `underAppeal` while any appeal on its subject is pending.

    static func appeal(_ p: AppealListing, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        let r = try file(.appeal, p.subject, tx, ctx, state) { bank in
            GreylistAppeal(bank: bank, subject: p.subject, evidence: p.evidenceHash, height: ctx.height, time: ctx.time).canonicalBytes
        }
        if r.isOK { try setOpenAppeals(p.subject, DamagedRecord.next(after: openAppeals(p.subject, state), at: StateKey.greylistOpenAppeals(p.subject)), state) }
        return r
    }

    // MARK: greylist.decideAppeal
    //
    //  1. Supervisor; a key is in force.  2. The appeal exists (GREYLIST_UNKNOWN_APPEAL) and is pending
    //  (GREYLIST_APPEAL_CLOSED).  Upheld deletes the subject's entry if there is one (a withdrawal,
    //  appealUpheld); dismissed leaves it. The entry's `underAppeal` clears with the subject's last pending appeal.

    static func decideAppeal(_ p: DecideAppeal, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        guard var appeal = try GreylistAppeal.load(p.appeal, state) else {
            return .reject(Codes.Greylist.unknownAppeal, "appeal: no grey-list appeal \(p.appeal.hex)")
        }
        guard appeal.status == .pending else {
            return .reject(Codes.Greylist.appealClosed, "appeal: \(p.appeal.short) was already decided at height \(appeal.decidedHeight)")
        }
        let s = appeal.subject
        let open = try openAppeals(s, state)
        let remaining = open > 0 ? open - 1 : 0
        try setOpenAppeals(s, remaining, state)
        if var entry = try GreylistEntry.load(s, state) {
            if p.upheld {
                state.delete(StateKey.greylistEntry(s))
                ring.count(s.keyVersion, \.entries, -1)
                try GreylistStats.add(.withdrawals, state: state)
            } else if remaining == 0 && entry.underAppeal {
                entry.underAppeal = false
                state.set(StateKey.greylistEntry(s), entry.canonicalBytes)
            }
        }
        if p.upheld { try GreylistStats.add(.appealsUpheld, state: state) }
        appeal.status = p.upheld ? .upheld : .dismissed
        appeal.decisionHash = p.decisionHash
        appeal.decidedHeight = ctx.height
        state.set(StateKey.greylistAppeal(p.appeal), appeal.canonicalBytes)
        try close(.appeal, appeal.bank, s, &ring, state)
        return .ok
    }

    /// Writes a subject's pending-appeal count and marks a listed entry under appeal; 0 deletes the key.
    static func setOpenAppeals(_ s: GreylistSubject, _ n: UInt32, _ state: StateOverlay) throws(DamagedRecord) {
        guard n > 0 else { return state.delete(StateKey.greylistOpenAppeals(s)) }
        var w = CanonicalWriter()
        w.u32(n)
        state.set(StateKey.greylistOpenAppeals(s), w.bytes)
        if var entry = try GreylistEntry.load(s, state), !entry.underAppeal {
            entry.underAppeal = true
            state.set(StateKey.greylistEntry(s), entry.canonicalBytes)
        }
    }
}
