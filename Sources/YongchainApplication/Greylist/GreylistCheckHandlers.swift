import YongchainCore
import YongchainCrypto

extension Greylist {
    // MARK: greylist.check
    //
    //  1. Bank; a key is in force.                                                                       admit
    //  2. Exactly one subject per key version in force (GREYLIST_KEY_VERSION).
    //  3. The bank's checks this day (UTC+8) are below `maxChecksPerBankPerDay` (GREYLIST_CHECK_LIMIT).
    //  Records the check (subjects oldest version first) and whether it was a hit at this block; counts it.
    //  Always accepted past these rules, hit or miss: the result code says nothing about the listing.

    static func check(_ p: CheckApplicant, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let bank) = Member.requireBank(tx.signer, state) else { return .reject(Codes.forbiddenRole, "not a bank") }
        guard case .success(let (_, live)) = try keys(ctx.height, state) else { return off }
        let subjects = p.subjects.sorted { $0.keyVersion < $1.keyVersion }
        guard subjects.map(\.keyVersion) == live else {
            return .reject(Codes.Greylist.keyVersion,
                           "subjects: one pseudonym under each key version in force (\(live.map(String.init).joined(separator: ", "))), not \(p.subjects.map { String($0.keyVersion) }.joined(separator: ", "))")
        }
        let day = Greylist.day(ofMilliseconds: ctx.time)
        var daily = try GreylistDaily.load(bank.name, day, state)
        let most = try GreylistParameters.load(state).maxChecksPerBankPerDay
        guard daily.checks < most else {
            return .reject(Codes.Greylist.checkLimit, "\(bank.name) has made \(daily.checks) checks on \(day), the most the parameters allow")
        }
        var hit = false
        for s in subjects where try GreylistEntry.load(s, state)?.listed(at: ctx.time) == true { hit = true }
        let record = GreylistCheckRecord(bank: bank.name, subjects: subjects, purpose: p.purpose, height: ctx.height, time: ctx.time, hit: hit)
        state.set(StateKey.greylistCheck(ctx.txHash), record.canonicalBytes)
        daily.checks += 1   // below `most`, checked above
        if hit { daily.hits = try DamagedRecord.next(after: daily.hits, at: StateKey.greylistDaily(bank.name, day)) }
        state.set(StateKey.greylistDaily(bank.name, day), daily.canonicalBytes)
        if hit { try GreylistStats.add(.checks, .hits, state: state) } else { try GreylistStats.add(.checks, state: state) }
        return .ok
    }

    // MARK: greylist.outcome
    //
    //  1. Bank; a key is in force.  2. The check record exists and is this bank's (UNKNOWN_CHECK: also once
    //  swept).  3. No outcome is recorded yet (GREYLIST_OUTCOME_RECORDED).  4. `stopped` only after a hit
    //  (GREYLIST_NOT_A_HIT).  A stopped opening counts on the check's day.

    static func outcome(_ p: RecordCheckOutcome, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let bank) = Member.requireBank(tx.signer, state) else { return .reject(Codes.forbiddenRole, "not a bank") }
        guard case .success = try keys(ctx.height, state) else { return off }
        guard var record = try GreylistCheckRecord.load(p.check, state), record.bank.utf8.elementsEqual(bank.name.utf8) else {
            return .reject(Codes.Greylist.unknownCheck, "check: no check \(p.check.hex) of \(bank.name) (or it was swept)")
        }
        guard record.outcome == .none else {
            return .reject(Codes.Greylist.outcomeRecorded, "check: an outcome is already recorded for \(p.check.short)")
        }
        guard !p.stopped || record.hit else {
            return .reject(Codes.Greylist.notAHit, "stopped: check \(p.check.short) found no listed subject")
        }
        record.outcome = p.stopped ? .stopped : .opened
        state.set(StateKey.greylistCheck(p.check), record.canonicalBytes)
        if p.stopped {
            try GreylistDaily.update(bank.name, Greylist.day(ofMilliseconds: record.time), state) { (d, key) throws(DamagedRecord) in
                d.stopped = try DamagedRecord.next(after: d.stopped, at: key)
            }
            try GreylistStats.add(.stopped, state: state)
        }
        return .ok
    }

    // MARK: greylist.sweep
    //
    //  1. Supervisor; a key is in force.  2. Each entry exists (GREYLIST_NOT_LISTED) and has expired; each check
    //  record exists (UNKNOWN_CHECK) and is at least `checkRecordLifetimeMs` old (GREYLIST_NOT_EXPIRED).
    //  All or nothing. Each entry removed counts as an expiry.

    static func sweep(_ p: SweepGreylist, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        for (i, s) in p.entries.enumerated() {
            guard let e = try GreylistEntry.load(s, state) else {
                return .reject(Codes.Greylist.notListed, "entries[\(i)]: no grey-list entry for \(s)")
            }
            guard !e.listed(at: ctx.time) else {
                return .reject(Codes.Greylist.notExpired, "entries[\(i)]: \(s) is listed until \(e.expiresAt)")
            }
        }
        let lifetime = try GreylistParameters.load(state).checkRecordLifetimeMs
        for (i, id) in p.checks.enumerated() {
            guard let c = try GreylistCheckRecord.load(id, state) else {
                return .reject(Codes.Greylist.unknownCheck, "checks[\(i)]: no check record \(id.hex)")
            }
            let (age, overflow) = ctx.time.subtractingReportingOverflow(c.time)
            guard !overflow, age >= lifetime else {
                return .reject(Codes.Greylist.notExpired, "checks[\(i)]: check \(id.short) is kept until \(c.time) + \(lifetime) ms")
            }
        }
        for s in p.entries {
            state.delete(StateKey.greylistEntry(s))
            ring.count(s.keyVersion, \.entries, -1)
        }
        for id in p.checks { state.delete(StateKey.greylistCheck(id)) }
        if !p.entries.isEmpty {
            ring.save(state)
            try GreylistStats.add(.expiries, by: UInt64(p.entries.count), state: state)
        }
        return .ok
    }

    // MARK: greylist.rekey
    //
    //  1. Supervisor; a key is in force.  2. Each `from` entry exists (GREYLIST_NOT_LISTED).  3. `from` is under
    //  an older version in force and `to` under the newest (GREYLIST_KEY_VERSION).  4. `from` has no open appeal
    //  (GREYLIST_APPEAL_PENDING: the appeal names it, and would withdraw nothing once moved).  Each entry moves; one already
    //  at `to` keeps whichever of the two expires later (and the earlier `since`).

    static func rekey(_ p: RekeyEntries, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        let live = k.live
        let newest = live.last!
        var moving: [GreylistEntry] = []
        for (i, m) in p.moves.enumerated() {
            guard let e = try GreylistEntry.load(m.from, state) else {
                return .reject(Codes.Greylist.notListed, "moves[\(i)].from: no grey-list entry for \(m.from)")
            }
            guard m.from.keyVersion < newest, live.contains(m.from.keyVersion) else {
                return .reject(Codes.Greylist.keyVersion, "moves[\(i)].from: version \(m.from.keyVersion) is not an older version in force")
            }
            guard m.to.keyVersion == newest else {
                return .reject(Codes.Greylist.keyVersion, "moves[\(i)].to: version \(m.to.keyVersion) is not the newest in force (\(newest))")
            }
            // An appeal names the entry's pseudonym under its key: moved, an upheld appeal would withdraw nothing.
            guard try openAppeals(m.from, state) == 0 else {
                return .reject(Codes.Greylist.appealPending, "moves[\(i)].from: \(m.from) has an open appeal; decide it before moving the entry")
            }
            moving.append(e)
        }
        for (m, e) in zip(p.moves, moving) {
            state.delete(StateKey.greylistEntry(m.from))
            ring.count(m.from.keyVersion, \.entries, -1)
            var moved = e
            if let there = try GreylistEntry.load(m.to, state) {
                if there.expiresAt >= e.expiresAt { moved = there }
                moved.since = min(there.since, e.since)
            } else {
                ring.count(m.to.keyVersion, \.entries, 1)
            }
            moved.underAppeal = try openAppeals(m.to, state) > 0
            state.set(StateKey.greylistEntry(m.to), moved.canonicalBytes)
        }
        ring.save(state)
        return .ok
    }

    // MARK: greylist.retireKey
    //
    //  1. Supervisor; a key is in force.  2. The version is held (GREYLIST_KEY_VERSION) and is not the newest in
    //  force (GREYLIST_LAST_KEY).  3. No entry, pending report or pending appeal is under it (GREYLIST_KEY_IN_USE).
    //  Its pseudonyms are refused from the next transaction on.

    static func retireKey(_ p: RetireVRFKey, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay) throws(DamagedRecord) -> TxResult {
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        let live = k.live
        guard let v = ring.versions.first(where: { $0.version == p.keyVersion }) else {
            return .reject(Codes.Greylist.keyVersion, "keyVersion: no key version \(p.keyVersion) is held")
        }
        guard p.keyVersion != live.last else {
            return .reject(Codes.Greylist.lastKey, "keyVersion: \(p.keyVersion) is the newest key version in force; add its successor first")
        }
        guard v.entries == 0, v.pendingReports == 0, v.pendingAppeals == 0 else {
            return .reject(Codes.Greylist.keyInUse,
                           "keyVersion: \(v.entries) entries, \(v.pendingReports) pending reports and \(v.pendingAppeals) pending appeals remain under version \(p.keyVersion)")
        }
        ring.versions.removeAll { $0.version == p.keyVersion }
        ring.save(state)
        return .ok
    }
}
