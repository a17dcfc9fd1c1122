import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// A grey-list record whose bytes do not decode is damage (STORAGE_CORRUPT), never "absent" or the defaults: one
/// case per record kind writes bytes that decode as nothing under its key and runs a transaction that reads it.
/// Before, each of them was read as absent or default, so the transaction went on (or was refused for the wrong
/// reason) and the node committed what it computed from the damage.
@Suite struct GreylistDamageTests {
    typealias F = GreylistFixture
    static let garbage: [UInt8] = [0xFF, 0x00, 0x07]

    enum Kind: String, CaseIterable {
        case parameters, stats, pending, daily, keys, checkRecord, entry, report, appeal, openAppeals
    }

    @Test(arguments: Kind.allCases) func aRecordThatDoesNotDecodeIsStorageCorrupt(_ kind: Kind) {
        let f = F()
        let s = F.subject(1)
        let id = F.digest("a transaction id")
        let corrupt: (result: TxResult, hash: Hash)
        func damage(_ key: [UInt8]) { f.state.apply([(key, Self.garbage)]) }
        func report() -> (result: TxResult, hash: Hash) {
            f.submit(ReportSubject(subject: s, category: .accountTrading, evidenceHash: F.digest("evidence")), by: f.bankA)
        }
        switch kind {
        case .parameters:
            // The old code took the defaults and accepted the report.
            damage(StateKey.greylistParameters)
            corrupt = report()
        case .stats:
            // … counted from zero, overwriting the damaged counts.
            damage(StateKey.greylistStats)
            corrupt = report()
        case .pending:
            damage(StateKey.greylistPending("Bank A"))
            corrupt = report()
        case .daily:
            damage(StateKey.greylistDaily("Bank A", Greylist.day(ofMilliseconds: f.time + 1000)))
            corrupt = f.check([s])
        case .keys:
            // … GREYLIST_OFF: the grey-list looked switched off.
            damage(StateKey.greylistKeys)
            corrupt = report()
        case .checkRecord:
            // … UNKNOWN_CHECK.
            damage(StateKey.greylistCheck(id))
            corrupt = f.submit(RecordCheckOutcome(check: id, stopped: false), by: f.bankA)
        case .entry:
            // … GREYLIST_NOT_LISTED.
            damage(StateKey.greylistEntry(s))
            corrupt = f.submit(RenewEntry(subject: s), by: f.supervisor)
        case .report:
            // … GREYLIST_UNKNOWN_REPORT.
            damage(StateKey.greylistReport(id))
            corrupt = f.submit(ReviewReport(report: id, decision: .publish(.accountTrading), decisionHash: F.digest("d")), by: f.supervisor)
        case .appeal:
            // … GREYLIST_UNKNOWN_APPEAL.
            damage(StateKey.greylistAppeal(id))
            corrupt = f.submit(DecideAppeal(appeal: id, upheld: true, decisionHash: F.digest("d")), by: f.supervisor)
        case .openAppeals:
            // … counted from zero.
            damage(StateKey.greylistOpenAppeals(s))
            corrupt = f.submit(AppealListing(subject: s, evidenceHash: F.digest("submission")), by: f.bankA)
        }
        f.expect(corrupt, "STORAGE_CORRUPT")
        #expect(corrupt.result.message.contains("greylist/"), "the message names the key: \(corrupt.result.message)")
    }

    /// The admission check reads the key ring too: a damaged one is STORAGE_CORRUPT there, not GREYLIST_OFF.
    @Test func admissionSaysStorageCorruptForADamagedKeyRing() {
        let f = F()
        f.state.apply([(StateKey.greylistKeys, Self.garbage)])
        let r = f.admit(CheckApplicant(subjects: [F.subject(1)], purpose: .accountOpening), by: f.bankA)
        #expect(r?.code == "STORAGE_CORRUPT", "\(String(describing: r))")
    }

    /// Governance reads the key ring before admitting a second key: a damaged one is not "no key held", which would
    /// have replaced the ring, and with it every entry's key version, by a ring of the new key alone.
    @Test func aSecondVRFKeyIsRefusedOverADamagedKeyRing() {
        let f = F()
        f.state.apply([(StateKey.greylistKeys, Self.garbage)])
        f.expect(f.govern(F.addKey(f.vrf2)), "STORAGE_CORRUPT")
        #expect(f.state.get(StateKey.greylistKeys) == Self.garbage)
    }

    /// A check's answer over a damaged entry is STORAGE_CORRUPT, not "not listed": the proven question refuses.
    @Test func aCheckAnswerOverADamagedEntryIsStorageCorrupt() {
        let f = F()
        let c = f.check([F.subject(1)])
        f.expectOK(c)
        f.state.apply([(StateKey.greylistEntry(F.subject(1)), Self.garbage)])
        let outcome = ProvableQuery.greylistCheck(check: c.hash, bank: f.bankA.publicKey).answer(f.state, time: f.time, suite: .sha256)
        guard case .refused(let code, _) = outcome else {
            Issue.record("answered \(outcome)")
            return
        }
        #expect(code == "STORAGE_CORRUPT")
    }
}
