import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// `property.register` and `mortgage.apply`: who may send them and the mortgagors' consent.
@Suite struct MortgageApplicationTests {
    @Test func registryRegistersAPropertyOnce() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let again = f.registration(f.unit1, title: "another title", owners: [f.owner(f.owner2ID, f.owner2)])
        #expect(f.run(again, by: f.registry).code == Codes.alreadyRegistered)
        let sameTitle = f.registration(try UnitNumber("320505001001GB00001F00010003"), title: "苏(2019)苏州市不动产权第0000001号",
                                       owners: [f.owner(f.owner2ID, f.owner2)])
        #expect(f.run(sameTitle, by: f.registry).code == Codes.alreadyRegistered)
        #expect(try Property.load(f.unit1, f.state)?.owners.map(\.id) == [f.owner1ID])
    }

    @Test func onlyTheRealEstateRegistryRegistersProperties() throws {
        let f = try MortgageFixture()
        let reg = f.registration(f.unit1, title: "T-1", owners: [f.owner(f.owner1ID, f.owner1)])
        #expect(f.run(reg, by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(reg, by: f.tradeRegistry).code == Codes.forbiddenRole)
        #expect(f.run(reg, by: f.stranger).code == Codes.unknownSigner)
        #expect(try Property.load(f.unit1, f.state) == nil)
    }

    @Test func ownersConsentingWithTheirOwnKeysFileAPendingApplication() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var a = f.application(f.unit2, bank: f.bankA, mortgagors: [f.owner2ID, f.owner1ID])
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        try a.sign(for: f.owner2ID, with: f.owner2, chainID: MortgageFixture.chainID)
        let id = f.file(a, by: f.bankA)
        let view = try #require(try MortgageQueries.application(id: id, state: f.state))
        #expect(view.state == .pending)
        #expect(view.mortgagors == [f.owner2ID, f.owner1ID])
        #expect(view.mortgageeName == "Bank A")
        #expect(view.certificateNumber == nil && view.priority == nil)
    }

    @Test func onlyABankMayApplyAndOnlyInItsOwnName() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let byBankA = f.signedApplication(bank: f.bankA)
        #expect(f.run(byBankA, by: f.registry).code == Codes.forbiddenRole)
        // Bank B submitting an application that names Bank A as mortgagee (with the owners' consent to Bank A).
        #expect(f.run(byBankA, by: f.bankB).code == Codes.notMortgagee)
    }

    @Test func applicationForAnUnknownUnitIsRefused() throws {
        let f = try MortgageFixture()
        #expect(f.run(f.signedApplication(bank: f.bankA), by: f.bankA).code == Codes.unknownProperty)
    }

    @Test func forgedMortgagorSignatureIsRefused() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        // The bank (or anyone) signs in the owner's place with a key that is not the owner's registered key.
        try a.sign(for: f.owner1ID, with: f.stranger, chainID: MortgageFixture.chainID)
        #expect(f.run(a, by: f.bankA).code == Codes.badMortgagorSignature)
        try a.sign(for: f.owner1ID, with: f.bankA, chainID: MortgageFixture.chainID)
        #expect(f.run(a, by: f.bankA).code == Codes.badMortgagorSignature)
    }

    /// A node's application knows its chain id, so admission already refuses a forged e-signature (and verifies a
    /// good one, so execution finds it in the memo); without the chain id admission leaves it to execution.
    @Test func admissionChecksTheOwnersSignaturesWhenItKnowsTheChain() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let atNode = LedgerApplication(chainID: MortgageFixture.chainID)
        var forged = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        try forged.sign(for: f.owner1ID, with: f.stranger, chainID: MortgageFixture.chainID)
        let forgedTx = forged.transaction(key: f.bankA, nonce: 901, chainID: MortgageFixture.chainID)
        #expect(atNode.check(forgedTx, state: f.state)?.code == Codes.badMortgagorSignature)
        #expect(f.app.check(forgedTx, state: f.state) == nil)
        let good = f.signedApplication(bank: f.bankA).transaction(key: f.bankA, nonce: 902, chainID: MortgageFixture.chainID)
        #expect(atNode.check(good, state: f.state) == nil)
        // Another chain's node refuses the same consent.
        #expect(LedgerApplication(chainID: "another-chain").check(good, state: f.state)?.code == Codes.badMortgagorSignature)
        #expect(f.run(good).code == "OK")
    }

    @Test func consentSignedForAnotherChainIsRefused() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID])
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: "another-chain")
        #expect(f.run(a, by: f.bankA).code == Codes.badMortgagorSignature)
    }

    @Test func consentToOneApplicationDoesNotCoverAnother() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        // The owner consented to 1.5m; the bank raises the amount and reuses the signature.
        let signed = f.signedApplication(bank: f.bankA, principal: 150_000_000)
        var raised = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID], principal: 950_000_000)
        try raised.attachSignature(signed.mortgagors[0].signature, for: f.owner1ID)
        #expect(f.run(raised, by: f.bankA).code == Codes.badMortgagorSignature)
        // The transaction signature is not a consent either.
        let raw = Transaction.signed(type: "x", body: [], nonce: 1, key: f.owner1, chainID: MortgageFixture.chainID).signature
        try raised.attachSignature(raw, for: f.owner1ID)
        #expect(f.run(raised, by: f.bankA).code == Codes.badMortgagorSignature)
    }

    @Test func everyCoOwnerMustBeAMortgagor() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var onlyOne = f.application(f.unit2, bank: f.bankA, mortgagors: [f.owner1ID])
        try onlyOne.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        #expect(f.run(onlyOne, by: f.bankA).code == Codes.missingMortgagorSignature)
    }

    @Test func everyMortgagorMustSign() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var a = f.application(f.unit2, bank: f.bankA, mortgagors: [f.owner1ID, f.owner2ID])
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        #expect(f.run(a, by: f.bankA).code == Codes.missingMortgagorSignature)
    }

    /// The consent of a person who is no registered owner of the unit, signed with their own key, is refused.
    @Test func aNonOwnerMortgagorIsRefused() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [f.owner1ID, f.strangerID])
        try a.sign(for: f.owner1ID, with: f.owner1, chainID: MortgageFixture.chainID)
        try a.sign(for: f.strangerID, with: f.stranger, chainID: MortgageFixture.chainID)
        #expect(f.run(a, by: f.bankA).code == Codes.notOwner)
    }

    /// Issue 27: a bank that holds an owner's identity but not the salt on their title certificate computes a
    /// commitment that is nobody's, and cannot name them — even with the owner's own signature over that content.
    /// Admission does not tell it apart from any other non-owner (no BAD_MORTGAGOR_SIGNATURE that would confirm a guess).
    @Test func aBankWithoutTheOwnersSaltCannotNameThem() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let wrongSalt = try PersonOpening(id: MortgageFixture.owner1Opening.id, salt: [UInt8](repeating: 0xee, count: 16))
        let guessed = ChainIdentity.person(wrongSalt, suite: .sha256)
        #expect(guessed != f.owner1ID)
        var a = f.application(f.unit1, bank: f.bankA, mortgagors: [guessed])
        let unsigned = a.transaction(key: f.bankA, nonce: 77, chainID: MortgageFixture.chainID)
        #expect(LedgerApplication(chainID: MortgageFixture.chainID).check(unsigned, state: f.state) == nil)
        #expect(f.run(unsigned).code == Codes.notOwner)
        try a.sign(for: guessed, with: f.owner1, chainID: MortgageFixture.chainID)
        let r = f.run(a, by: f.bankA)
        #expect(r.code == Codes.notOwner)
        #expect(!r.message.contains(MortgageFixture.owner1Opening.id.value), "\(r.message)")
        // The same commitment on a chain of the other hash suite is nobody's either: commitments follow the chain's hash.
        #expect(ChainIdentity.person(MortgageFixture.owner1Opening, suite: .sm3) != f.owner1ID)
    }

    @Test func anOrganisationOwnerIsNamedByCreditCode() throws {
        let f = try MortgageFixture()
        let unit = try UnitNumber("320505001001GB00001F00010009")
        #expect(f.run(f.registration(unit, title: "T-9", owners: [f.owner(f.debtorID, f.owner2)]), by: f.registry) == .ok)
        var a = f.application(unit, bank: f.bankA, mortgagors: [f.debtorID])
        try a.sign(for: f.debtorID, with: f.owner2, chainID: MortgageFixture.chainID)
        #expect(f.run(a, by: f.bankA) == .ok)
        #expect(try MortgageQueries.verifyTitle(titleCertificateNumber: "T-9", owner: f.debtorID, state: f.state).match)
    }

    @Test func aConsentFilesOneLiveApplication() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let a = f.signedApplication(bank: f.bankA)
        let first = f.file(a, by: f.bankA)
        // The same signed content under a new nonce is a new transaction, but not a new consent.
        #expect(f.run(a, by: f.bankA).code == Codes.duplicateApplication)
        #expect(f.run(RejectMortgage(applicationId: first, reason: "the contract scan is illegible"), by: f.registry) == .ok)
        // Once refused, the bank may file the same consent again.
        let second = f.file(a, by: f.bankA)
        #expect(second != first)
        #expect(f.run(ApproveMortgage(applicationId: second), by: f.registry) == .ok)
        #expect(f.run(a, by: f.bankA).code == Codes.duplicateApplication)
    }

    @Test func applicationForASeizedUnitIsRefused() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号"), by: f.registry) == .ok)
        let r = f.run(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(r.code == Codes.propertySeized)
        #expect(r.message.contains("(2020)苏05执123号"))
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执123号之一"), by: f.registry) == .ok)
        _ = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
    }

    @Test func rejectionsLeaveCommittedStateUnchanged() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        f.endBlock()
        let before = f.committed.snapshot
        var forged = f.application(f.unit1, bank: f.bankB, mortgagors: [f.owner1ID], principal: 1)
        try forged.sign(for: f.owner1ID, with: f.stranger, chainID: MortgageFixture.chainID)
        #expect(f.run(forged, by: f.bankB).code == Codes.badMortgagorSignature)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.bankA).code == Codes.forbiddenRole)
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA).code == Codes.mortgageNotRegistered)
        #expect(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "x"), by: f.registry).code == Codes.notSeized)
        #expect(f.writes.isEmpty)
        f.endBlock()
        #expect(f.committed.snapshot == before)
    }

    @Test func sameTransactionsGiveTheSameWrites() throws {
        func history() throws -> [String] {
            let f = try MortgageFixture()
            f.registerUnits()
            let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
            f.run(ApproveMortgage(applicationId: id), by: f.registry)
            f.run(SeizeProperty(unitNumber: f.unit2, courtOrder: "C-1"), by: f.registry)
            return f.writes
        }
        #expect(try history() == history())
    }
}
