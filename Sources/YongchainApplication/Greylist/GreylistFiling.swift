import YongchainCore
import YongchainCrypto

/// What a bank files about a subject and the supervisor closes: a report (closed by a review) or an appeal (closed
/// by a decision). Both follow the same rules and keep the same counts; this is what tells them apart.
enum GreylistFiling {
    case report, appeal

    var noun: String { self == .report ? "report" : "appeal" }
    /// The pending ones, as a refusal counts them.
    var kind: String { self == .report ? "reports awaiting review" : "appeals awaiting decision" }
    /// The key that exists while the bank's filing on the subject is pending (the duplicate rule).
    func openKey(_ bank: String, _ s: GreylistSubject) -> [UInt8] {
        self == .report ? StateKey.greylistOpenReport(bank, s) : StateKey.greylistOpenAppeal(bank, s)
    }
    /// Where the filing itself is stored, by its transaction hash.
    func recordKey(_ id: Hash) -> [UInt8] { self == .report ? StateKey.greylistReport(id) : StateKey.greylistAppeal(id) }
    var duplicate: String { self == .report ? Codes.Greylist.duplicateReport : Codes.Greylist.appealPending }
    var limit: String { self == .report ? Codes.Greylist.reportLimit : Codes.Greylist.appealLimit }
    var mostPending: KeyPath<GreylistParameters, UInt64> { self == .report ? \.maxPendingReportsPerBank : \.maxPendingAppealsPerBank }
    var pending: WritableKeyPath<GreylistPending, UInt32> { self == .report ? \.reports : \.appeals }
    var pendingUnderVersion: WritableKeyPath<GreylistKeyRing.Version, UInt64> { self == .report ? \.pendingReports : \.pendingAppeals }
    var filed: GreylistStats.Count { self == .report ? .reports : .appeals }
}

extension Greylist {
    // MARK: greylist.report and greylist.appeal
    //
    //  1. The signer is a bank; a key is in force.                                                       admit
    //  2. The subject is under the newest key version in force (GREYLIST_KEY_VERSION).
    //  3. This bank has no pending filing of this kind on the subject (GREYLIST_DUPLICATE_REPORT,
    //     GREYLIST_APPEAL_PENDING).
    //  4. The bank's pending filings of this kind are below the parameter (GREYLIST_REPORT_LIMIT,
    //     GREYLIST_APPEAL_LIMIT).
    //  Writes the filing (pending, from `record(bank)`), its open key, the bank's and the version's pending counts,
    //  the stats. Accepted whether or not the subject is listed.

    static func file(_ f: GreylistFiling, _ subject: GreylistSubject, _ tx: Transaction, _ ctx: BlockContext, _ state: StateOverlay,
                     record: (String) -> [UInt8]) throws(DamagedRecord) -> TxResult {
        guard case .success(let bank) = Member.requireBank(tx.signer, state) else { return .reject(Codes.forbiddenRole, "not a bank") }
        guard case .success(let k) = try keys(ctx.height, state) else { return off }
        var ring = k.ring
        if let r = requireNewest(subject, k.live, field: "subject") { return r }
        let open = f.openKey(bank.name, subject)
        if state.get(open) != nil {
            return .reject(f.duplicate, "\(bank.name) already has a pending \(f.noun) on \(subject)")
        }
        let most = try GreylistParameters.load(state)[keyPath: f.mostPending]
        var pending = try GreylistPending.load(bank.name, state)
        guard UInt64(pending[keyPath: f.pending]) < most else {
            return .reject(f.limit, "\(bank.name) has \(pending[keyPath: f.pending]) \(f.kind), the most the parameters allow")
        }
        state.set(f.recordKey(ctx.txHash), record(bank.name))
        state.set(open, ctx.txHash.bytes)
        pending[keyPath: f.pending] = try DamagedRecord.next(after: pending[keyPath: f.pending], at: StateKey.greylistPending(bank.name))
        state.set(StateKey.greylistPending(bank.name), pending.canonicalBytes)
        ring.count(subject.keyVersion, f.pendingUnderVersion, 1)
        ring.save(state)
        try GreylistStats.add(f.filed, state: state)
        return .ok
    }

    /// Closes `bank`'s pending filing on `subject` (a review or a decision): its open key goes, and the bank's and
    /// the version's pending counts drop; `ring` is saved.
    static func close(_ f: GreylistFiling, _ bank: String, _ subject: GreylistSubject, _ ring: inout GreylistKeyRing,
                      _ state: StateOverlay) throws(DamagedRecord) {
        state.delete(f.openKey(bank, subject))
        try GreylistPending.update(bank, state) { $0[keyPath: f.pending] = $0[keyPath: f.pending] > 0 ? $0[keyPath: f.pending] - 1 : 0 }
        ring.count(subject.keyVersion, f.pendingUnderVersion, -1)
        ring.save(state)
    }
}
