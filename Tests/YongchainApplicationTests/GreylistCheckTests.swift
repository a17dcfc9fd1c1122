import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// greylist.check, greylist.outcome and greylist.sweep, rule by rule (docs/greylist.md).
@Suite struct GreylistCheckTests {
    typealias F = GreylistFixture

    @Test func aCheckIsOnTheRecordWithWhetherItWasAHit() throws {
        let f = F()
        let listed = f.subject(.resident(try ResidentID("11010519491231002X")))
        let unlisted = f.subject(.enterprise(try CreditCode("91310000MA1FL0001R")))
        f.list(listed)
        let hit = f.check([listed], by: f.bankB)
        let miss = f.check([unlisted], by: f.bankB)
        // Both are accepted: the result code says nothing about the listing.
        f.expectOK(hit)
        f.expectOK(miss)
        let h = try #require(try GreylistCheckRecord.load(hit.hash, f.state))
        #expect(h.bank == "Bank B" && h.subjects == [listed] && h.hit && h.purpose == .accountOpening && h.height == f.height - 1 && h.outcome == .none)
        #expect(try #require(try GreylistCheckRecord.load(miss.hash, f.state)).hit == false)
        let day = Greylist.day(ofMilliseconds: f.time)
        #expect(try GreylistDaily.load("Bank B", day, f.state).checks == 2 && GreylistDaily.load("Bank B", day, f.state).hits == 1)
        #expect(f.stats[.checks] == 2 && f.stats[.hits] == 1)
        #expect(f.lastParties == ["Bank B", "Central Bank"])
    }

    @Test func anExpiredEntryIsNoHit() throws {
        let f = F()
        f.list(F.subject(1))
        f.advance(step: GreylistParameters().entryLifetimeMs)
        let r = f.check([F.subject(1)])
        f.expectOK(r)
        #expect(try GreylistCheckRecord.load(r.hash, f.state)?.hit == false)
    }

    @Test func onlyABankChecks() {
        let f = F()
        f.expect(f.check([F.subject(1)], by: f.supervisor), Codes.forbiddenRole)
        f.expect(f.check([F.subject(1)], by: f.registry), Codes.forbiddenRole)
    }

    @Test func aCheckCarriesExactlyOnePseudonymPerVersionInForce() throws {
        let f = F()
        f.expect(f.check([F.subject(1, version: 2)]), Codes.Greylist.keyVersion)
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expect(f.check([F.subject(1, version: 1)]), Codes.Greylist.keyVersion)
        f.expect(f.check([F.subject(1, version: 2)]), Codes.Greylist.keyVersion)
        f.expect(f.check([F.subject(1, version: 2), F.subject(2, version: 2)]), Codes.Greylist.keyVersion)
        // Either order; recorded oldest version first. A hit under either version is a hit.
        f.list(F.subject(1, version: 2))
        let r = f.check([F.subject(1, version: 2), F.subject(1, version: 1)])
        f.expectOK(r)
        #expect(try GreylistCheckRecord.load(r.hash, f.state)?.subjects.map(\.keyVersion) == [1, 2])
        #expect(try GreylistCheckRecord.load(r.hash, f.state)?.hit == true)
    }

    @Test func checksPerBankPerDayAreLimitedInChinaStandardTime() throws {
        let f = F()
        var p = GreylistParameters()
        p.maxChecksPerBankPerDay = 2
        f.expectOK(f.govern(.setGreylistParameters(p)))
        // 1,600,000,000,000 is 2020-09-13 20:26:40 +08:00; the next day in UTC+8 starts at 16:00 UTC.
        let midnight: Int64 = 1_600_012_800_000
        f.expectOK(f.check([F.subject(1)], time: midnight - 3000))
        f.expectOK(f.check([F.subject(1)], time: midnight - 2000))
        f.expect(f.check([F.subject(1)], time: midnight - 1000), Codes.Greylist.checkLimit)
        f.expectOK(f.check([F.subject(1)], by: f.bankB, time: midnight - 500))
        f.expectOK(f.check([F.subject(1)], time: midnight))
        #expect(try GreylistDaily.load("Bank A", 20200913, f.state).checks == 2)
        #expect(try GreylistDaily.load("Bank A", 20200914, f.state).checks == 1)
    }

    @Test func greylistDaysAreChinaStandardTimeDates() {
        #expect(Greylist.day(ofMilliseconds: 1_600_000_000_000) == 20200913)
        #expect(Greylist.day(ofMilliseconds: 1_600_012_799_999) == 20200913)
        #expect(Greylist.day(ofMilliseconds: 1_600_012_800_000) == 20200914)
        #expect(Greylist.day(ofMilliseconds: 951_753_600_000) == 20000229)  // 2000-02-28 16:00 UTC
        #expect(Greylist.day(ofMilliseconds: 0) == 19700101)
        #expect(Greylist.day(ofMilliseconds: -28_800_001) == 19691231)
        // A corrupt time at the ends of the range is a day, not a trap (the offset's addition used to overflow).
        #expect(Greylist.day(ofMilliseconds: .max) > 20200914 && Greylist.day(ofMilliseconds: .min) == 0)
    }

    @Test func anOutcomeIsTheCheckingBanksOnceAndStoppedOnlyAfterAHit() throws {
        let f = F()
        f.list(F.subject(1))
        let hit = f.check([F.subject(1)], by: f.bankB)
        let miss = f.check([F.subject(2)], by: f.bankB)
        f.expect(f.submit(RecordCheckOutcome(check: hit.hash, stopped: true), by: f.bankA), Codes.Greylist.unknownCheck)
        f.expect(f.submit(RecordCheckOutcome(check: F.digest("none"), stopped: false), by: f.bankB), Codes.Greylist.unknownCheck)
        f.expect(f.submit(RecordCheckOutcome(check: miss.hash, stopped: true), by: f.bankB), Codes.Greylist.notAHit)
        f.expectOK(f.submit(RecordCheckOutcome(check: miss.hash, stopped: false), by: f.bankB))
        f.expectOK(f.submit(RecordCheckOutcome(check: hit.hash, stopped: true), by: f.bankB))
        f.expect(f.submit(RecordCheckOutcome(check: hit.hash, stopped: false), by: f.bankB), Codes.Greylist.outcomeRecorded)
        #expect(try #require(try GreylistCheckRecord.load(hit.hash, f.state)).outcome == .stopped)
        #expect(try #require(try GreylistCheckRecord.load(miss.hash, f.state)).outcome == .opened)
        #expect(try GreylistDaily.load("Bank B", Greylist.day(ofMilliseconds: f.time), f.state).stopped == 1 && f.stats[.stopped] == 1)
    }

    @Test func aSweepRemovesOnlyExpiredEntriesAndOldCheckRecordsAllOrNothing() throws {
        let f = F()
        var p = GreylistParameters()
        p.entryLifetimeMs = F.day
        f.expectOK(f.govern(.setGreylistParameters(p)))
        f.list(F.subject(1))
        f.list(F.subject(2))
        let c = f.check([F.subject(1)])
        f.advance(step: F.day / 2)
        f.expectOK(f.submit(RenewEntry(subject: F.subject(2)), by: f.supervisor))
        f.advance(step: F.day / 2)
        // Subject 2 was renewed: still listed, so the whole sweep is refused.
        f.expect(f.submit(SweepGreylist(entries: [F.subject(1), F.subject(2)], checks: []), by: f.supervisor), Codes.Greylist.notExpired)
        #expect(f.entry(F.subject(1)) != nil)
        f.expect(f.submit(SweepGreylist(entries: [F.subject(3)], checks: []), by: f.supervisor), Codes.Greylist.notListed)
        f.expect(f.submit(SweepGreylist(entries: [], checks: [c.hash]), by: f.supervisor), Codes.Greylist.notExpired)
        f.expect(f.submit(SweepGreylist(entries: [], checks: [F.digest("none")]), by: f.supervisor), Codes.Greylist.unknownCheck)
        f.expectOK(f.submit(SweepGreylist(entries: [F.subject(1)], checks: []), by: f.supervisor))
        #expect(f.entry(F.subject(1)) == nil && f.stats[.expiries] == 1 && f.ring?.versions[0].entries == 1)
        f.advance(step: GreylistParameters().checkRecordLifetimeMs)
        f.expectOK(f.submit(SweepGreylist(entries: [], checks: [c.hash]), by: f.supervisor))
        #expect(try GreylistCheckRecord.load(c.hash, f.state) == nil)
        // Once swept, the check has no outcome to record.
        f.expect(f.submit(RecordCheckOutcome(check: c.hash, stopped: false), by: f.bankA), Codes.Greylist.unknownCheck)
        f.expect(f.submit(SweepGreylist(entries: [F.subject(1)], checks: []), by: f.bankA), Codes.forbiddenRole)
    }

    /// docs/confidentiality.md's grey-list rows: another bank, and a supervisor without the authority, are never
    /// parties; a refused transaction is its signer's alone.
    @Test func noOtherBankIsAPartyToAReportACheckOrTheSupervisorsHousekeeping() {
        let f = F()
        f.list(F.subject(1))
        #expect(f.lastParties == ["Bank A", "Central Bank"])
        f.expectOK(f.check([F.subject(1)], by: f.bankB))
        #expect(f.lastParties == ["Bank B", "Central Bank"])
        f.expect(f.check([F.subject(1, version: 2)], by: f.bankB), Codes.Greylist.keyVersion)
        #expect(f.lastParties == ["Bank B"])
        f.expectOK(f.submit(WithdrawEntry(subject: F.subject(1), reason: .error, decisionHash: .zero), by: f.supervisor))
        #expect(f.lastParties == ["Central Bank"])
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expectOK(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor))
        #expect(f.lastParties == ["Central Bank"])
    }
}
