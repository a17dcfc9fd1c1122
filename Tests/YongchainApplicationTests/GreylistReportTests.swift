import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// greylist.report, greylist.review, greylist.renew, greylist.withdraw: one test per rule of docs/greylist.md's
/// table, in its order, each with its code.
@Suite struct GreylistReportTests {
    typealias F = GreylistFixture
    let person = GreylistIdentity.resident(try! ResidentID("11010519491231002X"))

    func report(_ f: F, _ s: GreylistSubject, by bank: PrivateKey? = nil) -> (result: TxResult, hash: Hash) {
        f.submit(ReportSubject(subject: s, category: .accountTrading, evidenceHash: F.digest("evidence")), by: bank ?? f.bankA)
    }

    @Test func onlyABankReportsAndOnlyTheSupervisorHoldingGreylistReviews() {
        let f = F()
        let s = F.subject(1)
        f.expect(report(f, s, by: f.supervisor), Codes.forbiddenRole)
        f.expect(report(f, s, by: f.registry), Codes.forbiddenRole)
        f.expect(report(f, s, by: F.key(99)), Codes.unknownSigner)
        let r = report(f, s)
        f.expectOK(r)
        let publish = ReviewReport(report: r.hash, decision: .publish(.accountTrading), decisionHash: F.digest("d"))
        // A supervisor without the greylist authority is no reviewer; neither is a bank.
        f.expect(f.submit(publish, by: f.creditPlatform), Codes.forbiddenRole)
        f.expect(f.submit(publish, by: f.bankB), Codes.forbiddenRole)
        f.expectOK(f.submit(publish, by: f.supervisor))
    }

    @Test func everyTypeIsRefusedWhileNoKeyIsInForce() {
        let f = F(on: false)
        let s = F.subject(1)
        #expect(f.admit(ReportSubject(subject: s, category: .falseIdentity, evidenceHash: F.digest("e")), by: f.bankA)?.code == Codes.Greylist.off)
        f.expect(report(f, s), Codes.Greylist.off)
        f.expect(f.check([s]), Codes.Greylist.off)
        f.expect(f.submit(RenewEntry(subject: s), by: f.supervisor), Codes.Greylist.off)
        // The role is checked first: a bank's renew is FORBIDDEN_ROLE even with the grey-list off.
        f.expect(f.submit(RenewEntry(subject: s), by: f.bankA), Codes.forbiddenRole)
        // Once governance admits a key, it is in force from the next block.
        f.expectOK(f.govern(F.addKey(f.vrf1)))
        f.expectOK(report(f, s))
    }

    @Test func aReportNamesTheNewestKeyVersion() {
        let f = F()
        f.expect(report(f, F.subject(1, version: 2)), Codes.Greylist.keyVersion)
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expect(report(f, F.subject(1, version: 1)), Codes.Greylist.keyVersion)
        f.expectOK(report(f, F.subject(1, version: 2)))
    }

    @Test func aBankHasOnePendingReportPerSubjectButAnotherBankMayReportItToo() {
        let f = F()
        let s = f.subject(person)
        let first = report(f, s)
        f.expectOK(first)
        f.expect(report(f, s), Codes.Greylist.duplicateReport)
        f.expectOK(report(f, s, by: f.bankB))
        // Once reviewed, the same bank may report the subject again.
        f.expectOK(f.submit(ReviewReport(report: first.hash, decision: .reject(.insufficientEvidence), decisionHash: F.digest("d")), by: f.supervisor))
        f.expectOK(report(f, s))
    }

    @Test func pendingReportsPerBankAreLimitedByTheParameter() {
        let f = F()
        var p = GreylistParameters()
        p.maxPendingReportsPerBank = 2
        f.expectOK(f.govern(.setGreylistParameters(p)))
        let r1 = report(f, F.subject(1))
        f.expectOK(r1)
        f.expectOK(report(f, F.subject(2)))
        f.expect(report(f, F.subject(3)), Codes.Greylist.reportLimit)
        f.expectOK(report(f, F.subject(3), by: f.bankB))
        // A review frees a place.
        f.expectOK(f.submit(ReviewReport(report: r1.hash, decision: .reject(.duplicate), decisionHash: F.digest("d")), by: f.supervisor))
        f.expectOK(report(f, F.subject(3)))
    }

    @Test func aReviewNeedsAPendingReportUnderAKeyInForce() {
        let f = F()
        let unknown = ReviewReport(report: F.digest("no such report"), decision: .publish(.moneyLaundering), decisionHash: F.digest("d"))
        f.expect(f.submit(unknown, by: f.supervisor), Codes.Greylist.unknownReport)
        let r = report(f, F.subject(1))
        let publish = ReviewReport(report: r.hash, decision: .publish(.moneyLaundering), decisionHash: F.digest("d"))
        f.expectOK(f.submit(publish, by: f.supervisor))
        f.expect(f.submit(publish, by: f.supervisor), Codes.Greylist.reportClosed)
        f.expect(f.submit(ReviewReport(report: r.hash, decision: .reject(.notSuspicious), decisionHash: F.digest("d")), by: f.supervisor),
                 Codes.Greylist.reportClosed)
    }

    @Test func aReportUnderARetiredVersionCannotBeReviewed() {
        // A version is retired only with nothing pending under it, so the rule bites on a report filed after
        // a key was retired — impossible — or through the ring directly: simulate the ring losing the version.
        let f = F()
        let r = report(f, F.subject(1))
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        var ring = f.ring!
        ring.versions.removeFirst()
        f.state.apply([(StateKey.greylistKeys, ring.canonicalBytes)])
        f.expect(f.submit(ReviewReport(report: r.hash, decision: .publish(.falseIdentity), decisionHash: F.digest("d")), by: f.supervisor),
                 Codes.Greylist.keyVersion)
    }

    @Test func publishingListsTheSubjectWithoutNamingTheReporter() throws {
        let f = F()
        let s = f.subject(person)
        let r = report(f, s)
        let reviewedAt = f.time + 1000
        f.expectOK(f.submit(ReviewReport(report: r.hash, decision: .publish(.falseIdentity), decisionHash: F.digest("d")), by: f.supervisor))
        let e = try #require(f.entry(s))
        #expect(e == GreylistEntry(category: .falseIdentity, since: reviewedAt, expiresAt: reviewedAt + GreylistParameters().entryLifetimeMs, underAppeal: false))
        // The entry's bytes hold no member name and no key: only category, times and the appeal flag.
        let bytes = try #require(f.state.get(StateKey.greylistEntry(s)))
        #expect(bytes.count == 1 + 8 + 8 + 1)
        let rec = try #require(try GreylistReport.load(r.hash, f.state))
        #expect(rec.status == .published && rec.decisionCode == GreylistCategory.falseIdentity.tag && rec.decidedHeight == f.height)
        #expect(f.state.get(StateKey.greylistOpenReport("Bank A", s)) == nil)
        #expect(try GreylistPending.load("Bank A", f.state) == GreylistPending())
        #expect(f.ring?.versions[0].entries == 1 && f.ring?.versions[0].pendingReports == 0)
        #expect(f.stats[.reports] == 1 && f.stats[.publications] == 1)
    }

    @Test func aRejectionListsNothing() throws {
        let f = F()
        let s = F.subject(1)
        let r = report(f, s)
        f.expectOK(f.submit(ReviewReport(report: r.hash, decision: .reject(.wrongSubject), decisionHash: F.digest("d")), by: f.supervisor))
        #expect(f.entry(s) == nil)
        #expect(try GreylistReport.load(r.hash, f.state)?.status == .rejected)
        #expect(try GreylistReport.load(r.hash, f.state)?.decisionCode == GreylistRejection.wrongSubject.tag)
        #expect(f.stats[.rejections] == 1 && f.stats[.publications] == 0)
    }

    @Test func publishingAListedSubjectAgainRenewsItAndKeepsSince() throws {
        let f = F()
        let s = F.subject(1)
        f.list(s, .accountTrading)
        let first = try #require(f.entry(s))
        f.list(s, .moneyLaundering, by: f.bankB)
        let renewed = try #require(f.entry(s))
        #expect(renewed.since == first.since && renewed.expiresAt == f.time + GreylistParameters().entryLifetimeMs)
        #expect(renewed.category == .moneyLaundering)
        #expect(f.ring?.versions[0].entries == 1 && f.stats[.publications] == 2 && f.stats[.renewals] == 1)
    }

    @Test func publishingAnExpiredEntryListsItAfreshFromNow() throws {
        let f = F()
        var p = GreylistParameters()
        p.entryLifetimeMs = F.day
        f.expectOK(f.govern(.setGreylistParameters(p)))
        let s = F.subject(1)
        f.list(s)
        f.advance(step: 2 * F.day)
        f.list(s)
        let e = try #require(f.entry(s))
        #expect(e.since == f.time && e.expiresAt == f.time + F.day)
        #expect(f.ring?.versions[0].entries == 1 && f.stats[.renewals] == 0)
    }

    @Test func renewNeedsAListedEntryThatHasNotExpired() throws {
        let f = F()
        var p = GreylistParameters()
        p.entryLifetimeMs = F.day
        f.expectOK(f.govern(.setGreylistParameters(p)))
        f.expect(f.submit(RenewEntry(subject: F.subject(1)), by: f.supervisor), Codes.Greylist.notListed)
        f.list(F.subject(1))
        f.advance(step: F.day / 2)
        f.expectOK(f.submit(RenewEntry(subject: F.subject(1)), by: f.supervisor))
        #expect(try #require(f.entry(F.subject(1))).expiresAt == f.time + F.day)
        f.advance(step: F.day)
        f.expect(f.submit(RenewEntry(subject: F.subject(1)), by: f.supervisor), Codes.Greylist.entryExpired)
        #expect(f.stats[.renewals] == 1)
    }

    @Test func withdrawDeletesAnEntryExpiredOrNot() {
        let f = F()
        let withdraw = { (s: GreylistSubject) in WithdrawEntry(subject: s, reason: .supervisorDecision, decisionHash: F.digest("w")) }
        f.expect(f.submit(withdraw(F.subject(1)), by: f.supervisor), Codes.Greylist.notListed)
        f.list(F.subject(1))
        f.expectOK(f.submit(withdraw(F.subject(1)), by: f.supervisor))
        #expect(f.entry(F.subject(1)) == nil && f.ring?.versions[0].entries == 0 && f.stats[.withdrawals] == 1)
        f.expect(f.submit(withdraw(F.subject(1)), by: f.supervisor), Codes.Greylist.notListed)
        // An expired entry is withdrawn too (it is still in state until swept).
        f.list(F.subject(2))
        f.advance(step: GreylistParameters().entryLifetimeMs)
        f.expectOK(f.submit(withdraw(F.subject(2)), by: f.supervisor))
    }

    @Test func appealUpheldIsNoWithdrawalReason() {
        let f = F()
        f.list(F.subject(1))
        let r = f.submit(WithdrawEntry(subject: F.subject(1), reason: .appealUpheld, decisionHash: F.digest("w")), by: f.supervisor)
        f.expect(r, Codes.invalidField)
        #expect(r.result.message.hasPrefix("reason:"))
        #expect(f.entry(F.subject(1)) != nil)
    }

    @Test func reportsAndReviewsGoToTheReportingBankAndTheSupervisorOnly() {
        let f = F()
        let r = report(f, F.subject(1))
        #expect(f.lastParties == ["Bank A", "Central Bank"])
        f.expectOK(f.submit(ReviewReport(report: r.hash, decision: .publish(.accountTrading), decisionHash: F.digest("d")), by: f.supervisor))
        #expect(f.lastParties == ["Bank A", "Central Bank"])
        f.expectOK(f.submit(RenewEntry(subject: F.subject(1)), by: f.supervisor))
        #expect(f.lastParties == ["Central Bank"])
    }
}
