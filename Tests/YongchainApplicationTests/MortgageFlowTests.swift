import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// Decisions, priorities, discharge and seizure.
@Suite struct MortgageFlowTests {
    @Test func approvalIssuesACertificateAndTheFirstPriority() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        f.endBlock()
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
        let view = try #require(try MortgageQueries.application(id: id, state: f.state))
        #expect(view.state == .registered)
        #expect(view.priority == 1)
        #expect(view.certificateNumber == "MR-2020-0000001")
        #expect(view.decidedAt?.height == f.height)
        let lien = try #require(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state))
        #expect(lien.applicationId == id.hex && lien.priority == 1 && lien.state == .registered && lien.registeredAt == view.decidedAt)
    }

    @Test func certificateNumbersCountWithinTheBlockYear() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let a = f.file(f.signedApplication(bank: f.bankA, principal: 100), by: f.bankA)
        let b = f.file(f.signedApplication(bank: f.bankB, principal: 200), by: f.bankB)
        let c = f.file(f.signedApplication(bank: f.bankB, principal: 300), by: f.bankB)
        f.run(ApproveMortgage(applicationId: a), by: f.registry)
        f.run(ApproveMortgage(applicationId: b), by: f.registry)
        f.endBlock()
        f.time = 1_609_459_200_000 // 2021-01-01T00:00:00Z
        f.run(ApproveMortgage(applicationId: c), by: f.registry)
        let numbers = try [a, b, c].map { try MortgageQueries.application(id: $0, state: f.state)?.certificateNumber }
        #expect(numbers == ["MR-2020-0000001", "MR-2020-0000002", "MR-2021-0000001"])
    }

    @Test func aSecondMortgageGetsPriorityTwoAndDischargedLiensKeepTheirNumbers() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let first = f.file(f.signedApplication(bank: f.bankA, principal: 100_000_000), by: f.bankA)
        let second = f.file(f.signedApplication(bank: f.bankB, principal: 30_000_000), by: f.bankB)
        // Priority follows registration order, not filing order.
        #expect(f.run(ApproveMortgage(applicationId: second), by: f.registry) == .ok)
        #expect(f.run(ApproveMortgage(applicationId: first), by: f.registry) == .ok)
        #expect(try MortgageQueries.application(id: second, state: f.state)?.priority == 1)
        #expect(try MortgageQueries.application(id: first, state: f.state)?.priority == 2)

        #expect(f.run(DischargeMortgage(applicationId: second), by: f.bankB) == .ok)
        #expect(f.run(RegisterDischarge(applicationId: second), by: f.registry) == .ok)
        let third = f.file(f.signedApplication(bank: f.bankA, principal: 5_000_000), by: f.bankA)
        #expect(f.run(ApproveMortgage(applicationId: third), by: f.registry) == .ok)

        let e = try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state))
        #expect(e.mortgages.map(\.priority) == [1, 2, 3])
        #expect(e.mortgages.map(\.applicationId) == [second, first, third].map(\.hex))
        #expect(e.mortgages.map(\.state) == [.discharged, .registered, .registered])
    }

    @Test func aBankCannotApproveOrRejectItsOwnApplication() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(RejectMortgage(applicationId: id, reason: "no"), by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.tradeRegistry).code == Codes.forbiddenRole)
        #expect(try MortgageQueries.application(id: id, state: f.state)?.state == .pending)
    }

    @Test func aDecidedApplicationCannotBeDecidedAgain() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let approved = f.file(f.signedApplication(bank: f.bankA, principal: 1), by: f.bankA)
        let rejected = f.file(f.signedApplication(bank: f.bankA, principal: 2), by: f.bankA)
        #expect(f.run(ApproveMortgage(applicationId: approved), by: f.registry) == .ok)
        #expect(f.run(RejectMortgage(applicationId: rejected, reason: "mortgagor's ID card has expired"), by: f.registry) == .ok)
        f.endBlock()
        // A second approval is a different transaction (fresh nonce), so only the application's state stops it.
        #expect(f.run(ApproveMortgage(applicationId: approved), by: f.registry).code == Codes.alreadyDecided)
        #expect(f.run(RejectMortgage(applicationId: approved, reason: "late"), by: f.registry).code == Codes.alreadyDecided)
        #expect(f.run(ApproveMortgage(applicationId: rejected), by: f.registry).code == Codes.alreadyDecided)
        #expect(f.run(RejectMortgage(applicationId: rejected, reason: "again"), by: f.registry).code == Codes.alreadyDecided)
        let view = try #require(try MortgageQueries.application(id: rejected, state: f.state))
        #expect(view.state == .rejected && view.rejectionReason == "mortgagor's ID card has expired")
        #expect(try MortgageQueries.application(id: approved, state: f.state)?.priority == 1)
    }

    @Test func decisionsOnAnUnknownApplicationAreRefused() throws {
        let f = try MortgageFixture()
        let nowhere = HashSuite.sha256.digest([1, 2, 3])
        #expect(f.run(ApproveMortgage(applicationId: nowhere), by: f.registry).code == Codes.unknownApplication)
        #expect(f.run(RejectMortgage(applicationId: nowhere, reason: "?"), by: f.registry).code == Codes.unknownApplication)
        #expect(f.run(DischargeMortgage(applicationId: nowhere), by: f.bankA).code == Codes.unknownApplication)
        #expect(f.run(RegisterDischarge(applicationId: nowhere), by: f.registry).code == Codes.unknownApplication)
    }

    @Test func approvalIsRefusedWhileTheUnitIsSeizedAfterApplication() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号"), by: f.registry) == .ok)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry).code == Codes.propertySeized)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号之一"), by: f.registry) == .ok)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
    }

    @Test func seizureRules() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let unknown = try UnitNumber("320505001001GB00009W00000000")
        #expect(f.run(SeizeProperty(unitNumber: unknown, courtOrder: "C-1"), by: f.registry).code == Codes.unknownProperty)
        #expect(f.run(ReleaseProperty(unitNumber: unknown, courtOrder: "C-1"), by: f.registry).code == Codes.unknownProperty)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "C-1"), by: f.registry).code == Codes.notSeized)
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "C-1"), by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "C-1"), by: f.registry) == .ok)
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "C-2"), by: f.registry).code == Codes.alreadySeized)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "C-1R"), by: f.tradeRegistry).code == Codes.forbiddenRole)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "C-1R"), by: f.registry) == .ok)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "C-1R"), by: f.registry).code == Codes.notSeized)
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "C-3"), by: f.registry) == .ok)

        let e = try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state))
        #expect(e.seized)
        #expect(e.seizures.map(\.courtOrder) == ["C-1", "C-3"])
        #expect(e.seizures.map(\.inForce) == [false, true])
        #expect(e.seizures[0].releaseCourtOrder == "C-1R")
        #expect(try MortgageQueries.encumbrances(unitNumber: f.unit2, state: f.state)?.seized == false)
    }

    @Test func dischargeFlow() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA).code == Codes.mortgageNotRegistered)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.registry).code == Codes.mortgageNotRegistered)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.registry).code == Codes.noDischargeApplication)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankB).code == Codes.notMortgagee)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.registry).code == Codes.forbiddenRole)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA) == .ok)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA).code == Codes.dischargePending)
        #expect(try MortgageQueries.application(id: id, state: f.state)?.state == .dischargeApplied)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.registry) == .ok)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.registry).code == Codes.alreadyDischarged)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA).code == Codes.alreadyDischarged)
        let view = try #require(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state))
        #expect(view.state == .discharged && view.dischargedAt != nil && view.dischargeAppliedAt != nil)
    }

    @Test func aRejectedApplicationCannotBeDischarged() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(RejectMortgage(applicationId: id, reason: "no"), by: f.registry) == .ok)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA).code == Codes.mortgageNotRegistered)
    }
}
