import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// greylist.appeal and greylist.decideAppeal, rule by rule (docs/greylist.md).
@Suite struct GreylistAppealTests {
    typealias F = GreylistFixture

    func appeal(_ f: F, _ s: GreylistSubject, by bank: PrivateKey? = nil) -> (result: TxResult, hash: Hash) {
        f.submit(AppealListing(subject: s, evidenceHash: F.digest("submission")), by: bank ?? f.bankB)
    }

    func decide(_ f: F, _ id: Hash, upheld: Bool) -> (result: TxResult, hash: Hash) {
        f.submit(DecideAppeal(appeal: id, upheld: upheld, decisionHash: F.digest("decision")), by: f.supervisor)
    }

    @Test func onlyABankAppealsUnderTheNewestVersionAndOnlyTheSupervisorDecides() {
        let f = F()
        f.expect(appeal(f, F.subject(1), by: f.supervisor), Codes.forbiddenRole)
        f.expect(appeal(f, F.subject(1, version: 2)), Codes.Greylist.keyVersion)
        let a = appeal(f, F.subject(1))
        f.expectOK(a)
        f.expect(f.submit(DecideAppeal(appeal: a.hash, upheld: true, decisionHash: F.digest("d")), by: f.bankA), Codes.forbiddenRole)
        f.expect(f.submit(DecideAppeal(appeal: a.hash, upheld: true, decisionHash: F.digest("d")), by: f.creditPlatform), Codes.forbiddenRole)
    }

    @Test func anAppealOnAnUnlistedSubjectIsAcceptedLikeAnyOther() {
        // Otherwise a bank would learn a listing from an appeal's result code.
        let f = F()
        f.list(F.subject(1))
        f.expectOK(appeal(f, F.subject(1)))
        f.expectOK(appeal(f, F.subject(2)))
    }

    @Test func aBankHasOnePendingAppealPerSubject() {
        let f = F()
        let a = appeal(f, F.subject(1))
        f.expectOK(a)
        f.expect(appeal(f, F.subject(1)), Codes.Greylist.appealPending)
        f.expectOK(appeal(f, F.subject(1), by: f.bankA))
        f.expectOK(decide(f, a.hash, upheld: false))
        f.expectOK(appeal(f, F.subject(1)))
    }

    @Test func pendingAppealsPerBankAreLimitedByTheParameter() {
        let f = F()
        var p = GreylistParameters()
        p.maxPendingAppealsPerBank = 1
        f.expectOK(f.govern(.setGreylistParameters(p)))
        let a = appeal(f, F.subject(1))
        f.expectOK(a)
        f.expect(appeal(f, F.subject(2)), Codes.Greylist.appealLimit)
        f.expectOK(decide(f, a.hash, upheld: false))
        f.expectOK(appeal(f, F.subject(2)))
    }

    @Test func aDecisionNeedsAPendingAppeal() throws {
        let f = F()
        f.expect(decide(f, F.digest("no appeal"), upheld: true), Codes.Greylist.unknownAppeal)
        let a = appeal(f, F.subject(1))
        f.expectOK(decide(f, a.hash, upheld: false))
        f.expect(decide(f, a.hash, upheld: true), Codes.Greylist.appealClosed)
        #expect(try GreylistAppeal.load(a.hash, f.state)?.status == .dismissed)
    }

    @Test func anEntryIsUnderAppealWhileAnyAppealOnItIsPending() throws {
        let f = F()
        let s = F.subject(1)
        let a1 = appeal(f, s)
        f.list(s)  // published while an appeal is pending: under appeal from the start
        #expect(try #require(f.entry(s)).underAppeal)
        let a2 = appeal(f, s, by: f.bankA)
        f.expectOK(decide(f, a1.hash, upheld: false))
        #expect(try #require(f.entry(s)).underAppeal, "bank A's appeal is still pending")
        f.expectOK(decide(f, a2.hash, upheld: false))
        #expect(try #require(f.entry(s)).underAppeal == false)
        #expect(f.state.get(StateKey.greylistOpenAppeals(s)) == nil)
    }

    @Test func anUpheldAppealWithdrawsTheEntry() throws {
        let f = F()
        let s = F.subject(1)
        f.list(s)
        let a = appeal(f, s)
        f.expectOK(decide(f, a.hash, upheld: true))
        #expect(f.entry(s) == nil)
        #expect(try GreylistAppeal.load(a.hash, f.state)?.status == .upheld)
        #expect(f.stats[.appeals] == 1 && f.stats[.appealsUpheld] == 1 && f.stats[.withdrawals] == 1)
        #expect(f.ring?.versions[0].entries == 0 && f.ring?.versions[0].pendingAppeals == 0)
        #expect(try GreylistPending.load("Bank B", f.state) == GreylistPending())
    }

    @Test func appealsGoToTheAppealingBankAndTheSupervisorOnly() {
        let f = F()
        let a = appeal(f, F.subject(1))
        #expect(f.lastParties == ["Bank B", "Central Bank"])
        f.expectOK(decide(f, a.hash, upheld: true))
        #expect(f.lastParties == ["Bank B", "Central Bank"])
    }
}
