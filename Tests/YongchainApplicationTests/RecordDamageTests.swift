import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// A mortgage, trade or party record whose bytes do not decode is damage (STORAGE_CORRUPT, naming the key), never
/// "absent" or the defaults. Before, each was read with `try?`: a damaged property status gave an approval
/// priority 1 again (overwriting the first lien), a damaged declaration or exposure let a financing be refused for
/// the wrong reason or counted from zero, an encumbrance answer left a damaged lien out, and a damaged party log
/// started again empty. Each case fails on that code.
@Suite struct RecordDamageTests {
    static let garbage: [UInt8] = [0xFF, 0x00, 0x07]

    static func expectCorrupt(_ r: TxResult, _ key: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let name = String(decoding: key, as: UTF8.self)
        #expect(r.code == DamagedRecord.code && r.message.contains(name), "\(r.code): \(r.message)", sourceLocation: sourceLocation)
    }

    // MARK: Mortgage

    enum MortgageCase: String, CaseIterable { case property, status, application, seizure, certificateSequence }

    @Test(arguments: MortgageCase.allCases) func aDamagedMortgageRecordStopsTheTransaction(_ kind: MortgageCase) throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        f.endBlock()
        func damage(_ key: [UInt8]) { f.committed.apply([(key, Self.garbage)]); f.endBlock() }
        switch kind {
        case .property:
            // Before: UNKNOWN_PROPERTY.
            damage(StateKey.property(f.unit1))
            Self.expectCorrupt(f.run(f.signedApplication(bank: f.bankB), by: f.bankB), StateKey.property(f.unit1))
        case .status:
            // Before: a fresh status, so lien priority 1 again, over the registered first lien.
            #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
            let second = f.file(f.signedApplication(bank: f.bankB, principal: 200), by: f.bankB)
            f.endBlock()
            damage(StateKey.propertyStatus(f.unit1))
            Self.expectCorrupt(f.run(ApproveMortgage(applicationId: second), by: f.registry), StateKey.propertyStatus(f.unit1))
            #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state) }
        case .application:
            // Before: UNKNOWN_APPLICATION.
            damage(StateKey.mortgage(id))
            Self.expectCorrupt(f.run(ApproveMortgage(applicationId: id), by: f.registry), StateKey.mortgage(id))
            #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.application(id: id, state: f.state) }
        case .seizure:
            // Before: NOT_SEIZED, and the unit stayed seized.
            #expect(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执1号"), by: f.registry) == .ok)
            f.endBlock()
            damage(StateKey.seizure(f.unit1, 1))
            Self.expectCorrupt(f.run(ReleaseProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执2号"), by: f.registry), StateKey.seizure(f.unit1, 1))
        case .certificateSequence:
            // Before: the year's sequence read as 0, so certificate 1 again (refused only because it existed).
            #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
            let second = f.file(f.signedApplication(bank: f.bankB, principal: 200), by: f.bankB)
            f.endBlock()
            damage(StateKey.certificateSequence(2020))
            Self.expectCorrupt(f.run(ApproveMortgage(applicationId: second), by: f.registry), StateKey.certificateSequence(2020))
        }
    }

    /// The verification answer never leaves a damaged lien out: before, `encumbrances` listed the other liens and
    /// said nothing of the damaged one, and the proven answer (a verifier runs the same function) agreed.
    @Test func anEncumbranceAnswerOverADamagedLienIsStorageCorruptNotOneMortgageFewer() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let a = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        let b = f.file(f.signedApplication(bank: f.bankB, principal: 200), by: f.bankB)
        #expect(f.run(ApproveMortgage(applicationId: a), by: f.registry) == .ok)
        #expect(f.run(ApproveMortgage(applicationId: b), by: f.registry) == .ok)
        f.endBlock()
        #expect(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state)?.mortgages.count == 2)
        f.committed.apply([(StateKey.lien(f.unit1, 1), Self.garbage)])
        f.endBlock()
        #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state) }
        guard case .refused(let code, let message) = ProvableQuery.encumbrances(f.unit1).answer(f.state, time: f.time, suite: .sha256) else {
            Issue.record("a damaged lien was answered")
            return
        }
        #expect(code == DamagedRecord.code && message.contains("lien"), "\(code): \(message)")
        // The certificate's own question too (it reads the lien its number names).
        #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state) }
    }

    // MARK: Damage that still decodes

    /// A count at its type's maximum, or totals that break their record's own rule, decode as values; before, the
    /// arithmetic on them trapped (`+ 1` on a lien count or a sequence number, `remainingPledge`'s precondition, a
    /// declaration's free value), which kills the whole node with no code. Now each is STORAGE_CORRUPT naming the key.
    enum CountCase: String, CaseIterable { case lienCount, seizureCount, certificateSequence }

    @Test(arguments: CountCase.allCases) func aMortgageCountAtItsMaximumIsDamageNotATrap(_ kind: CountCase) throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        f.endBlock()
        var status = PropertyStatus()
        switch kind {
        case .lienCount:
            status.lienCount = .max
            f.committed.apply([(StateKey.propertyStatus(f.unit1), status.canonicalBytes)])
            f.endBlock()
            Self.expectCorrupt(f.run(ApproveMortgage(applicationId: id), by: f.registry), StateKey.propertyStatus(f.unit1))
        case .seizureCount:
            status.seizureCount = .max
            f.committed.apply([(StateKey.propertyStatus(f.unit1), status.canonicalBytes)])
            f.endBlock()
            Self.expectCorrupt(f.run(SeizeProperty(unitNumber: f.unit1, courtOrder: "(2020)苏05执1号"), by: f.registry), StateKey.propertyStatus(f.unit1))
        case .certificateSequence:
            var w = CanonicalWriter()
            w.u64(.max)
            f.committed.apply([(StateKey.certificateSequence(2020), w.bytes)])
            f.endBlock()
            Self.expectCorrupt(f.run(ApproveMortgage(applicationId: id), by: f.registry), StateKey.certificateSequence(2020))
        }
    }

    /// Liens and seizures are never deleted, so one absent below the unit's count is damage. Before, the answer
    /// skipped it (one mortgage fewer) and built an array of the whole count first: a count damaged to 2^32 − 1
    /// would have the query allocate 16 GiB and read four billion absent keys.
    @Test func anEncumbranceAnswerStopsAtTheFirstLienMissingBelowTheCount() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let a = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(ApproveMortgage(applicationId: a), by: f.registry) == .ok)
        f.endBlock()
        var status = try PropertyStatus.load(f.unit1, f.state)
        #expect(status.lienCount == 1)
        status.lienCount = .max
        f.committed.apply([(StateKey.propertyStatus(f.unit1), status.canonicalBytes)])
        f.endBlock()
        #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state) }
        guard case .refused(let code, let message) = ProvableQuery.encumbrances(f.unit1).answer(f.state, time: f.time, suite: .sha256) else {
            Issue.record("an encumbrance answer was given over a lien count that its liens do not fill")
            return
        }
        #expect(code == DamagedRecord.code && message.contains(String(decoding: StateKey.lien(f.unit1, 2), as: UTF8.self)), "\(code): \(message)")
    }

    enum TotalsCase: String, CaseIterable { case listCount, declarationPledged, financingOutstanding, exposureRepaid }

    @Test(arguments: TotalsCase.allCases) func tradeTotalsThatBreakTheirRuleAreDamageNotATrap(_ kind: TotalsCase) {
        let f = TradeFixture()
        let d = f.publish([f.fields(1)])[0]
        switch kind {
        case .listCount:
            // Before: `+= 1` on the exporter's declaration count trapped.
            var counts = (try? TradeListCounts.load(f.exporterX, f.state)) ?? TradeListCounts()
            counts.declarations = .max
            f.state.apply([(StateKey.tradeLists(f.exporterX), counts.canonicalBytes)])
            let r = f.submit(PublishDeclarations(declarations: [PublishedDeclaration(f.fields(2), suite: .sha256)]), by: f.tradeRegistry)
            Self.expectCorrupt(r.result, StateKey.tradeLists(f.exporterX))
        case .declarationPledged:
            // Before: the declaration's free value (amount − pledged) overflowed and trapped.
            guard var rec = try? DeclarationRecord.load(d.number, f.state) else { Issue.record("no declaration"); return }
            rec.pledged = .min
            f.state.apply([(StateKey.declaration(d.number), rec.canonicalBytes)])
            Self.expectCorrupt(f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))]).result, StateKey.declaration(d.number))
        case .financingOutstanding:
            // Before: `remainingPledge`'s precondition (outstanding ≤ amount) trapped at the repayment.
            let fin = f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))])
            f.expectOK(fin)
            guard var rec = try? FinancingRecord.load(fin.hash, f.state) else { Issue.record("no financing"); return }
            rec.outstanding = 20_000
            f.state.apply([(StateKey.financing(fin.hash), rec.canonicalBytes)])
            Self.expectCorrupt(f.submit(RepayFinancing(financingId: fin.hash, amount: TradeFixture.cny(1_000)), by: f.bankA).result, StateKey.financing(fin.hash))
        case .exposureRepaid:
            // Before: the totals were taken as they were and written back further off.
            let fin = f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))])
            f.expectOK(fin)
            let key = StateKey.exposure(f.exporterX, f.bankA.publicKey, try! Currency("CNY"))
            guard var e = try? DamagedRecord.load(ExposureRecord.self, key, f.state) else { Issue.record("no exposure"); return }
            e.repaid = e.financed + 1
            f.state.apply([(key, e.canonicalBytes)])
            Self.expectCorrupt(f.submit(RepayFinancing(financingId: fin.hash, amount: TradeFixture.cny(1_000)), by: f.bankA).result, key)
            #expect(f.state.get(key) == e.canonicalBytes, "nothing written over the damaged totals")
        }
    }

    /// Governance's next proposal id: before, a value that did not decode read as 1 (the next proposal took an id
    /// already used, and saving it overwrote proposal 1), and one at 2^64 − 1 trapped at `+ 1`.
    @Test(arguments: [[0xFF, 0x00, 0x07], [UInt8](repeating: 0xFF, count: 8)])
    func aDamagedNextProposalIDStopsTheProposal(_ bytes: [UInt8]) {
        let f = GovernanceFixture()
        let first = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankA)
        #expect(first == 1)
        let before = f.state.get(StateKey.proposal(1))
        f.state.apply([(StateKey.governanceNextID, bytes)])
        let r = f.submit(ProposeGovernance(action: .setPower(name: "Bank B", power: 2), description: "test"), by: f.bankB)
        Self.expectCorrupt(r, StateKey.governanceNextID)
        #expect(f.state.get(StateKey.proposal(1)) == before, "proposal 1 is untouched")
        if bytes.count != 8 {
            #expect(throws: DamagedRecord.self) { _ = try Governance.nextID(f.state) }
        }
    }

    /// Governance's own records, read with `try?` before: a damaged revocation read as "never revoked" (so a
    /// rotated-away key could be admitted again as a new member's), damaged rules or limits as the defaults, a
    /// damaged proposal as "no such proposal", and a damaged member record was left out of the member list.
    enum GovernanceCase: String, CaseIterable { case revocation, rules, limits, proposal, memberList }

    @Test(arguments: GovernanceCase.allCases) func aDamagedGovernanceRecordIsStorageCorrupt(_ kind: GovernanceCase) throws {
        let f = GovernanceFixture()
        func damage(_ key: [UInt8]) { f.state.apply([(key, Self.garbage)]) }
        switch kind {
        case .revocation:
            let id = f.propose(.rotateKey(name: "Bank A", newPublicKey: f.spare1.publicKey), by: f.bankA)
            f.approve(id, by: [f.trade, f.realEstate, f.bankB])
            let key = StateKey.revoked(f.bankA.publicKey)
            #expect(f.submit(ProposeGovernance(action: f.newBank(key: f.bankA), description: ""), by: f.bankB).code == Codes.keyRevoked)
            damage(key)
            // Before: accepted, as a key never revoked.
            Self.expectCorrupt(f.submit(ProposeGovernance(action: f.newBank(key: f.bankA), description: ""), by: f.bankB), key)
            #expect(throws: DamagedRecord.self) { _ = try Governance.revocation(f.bankA.publicKey, f.state) }
        case .rules:
            damage(StateKey.governanceRules)
            Self.expectCorrupt(f.submit(ProposeGovernance(action: .setPower(name: "Bank A", power: 2), description: ""), by: f.bankA), StateKey.governanceRules)
        case .limits:
            damage(StateKey.governanceLimits)
            Self.expectCorrupt(f.submit(ProposeGovernance(action: .setPower(name: "Bank A", power: 2), description: ""), by: f.bankA), StateKey.governanceLimits)
        case .proposal:
            let id = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankA)
            damage(StateKey.proposal(id))
            // Before: PROPOSAL_NOT_FOUND.
            Self.expectCorrupt(f.vote(id, true, by: f.bankB), StateKey.proposal(id))
            #expect(throws: DamagedRecord.self) { _ = try Governance.proposal(id: id, f.state, now: f.time) }
            #expect(throws: DamagedRecord.self) { _ = try Governance.proposals(f.state, status: nil, after: nil, limit: 10, now: f.time) }
        case .memberList:
            damage(StateKey.member(f.bankB.publicKey))
            // Before: three members listed, Bank B silently left out.
            #expect(throws: DamagedRecord.self) { _ = try Governance.members(f.state) }
        }
    }

    /// Governance's own indexes (ProposalIndex), read with `try?` before: a damaged prune-next read as "nothing to
    /// prune" (and was written over), a member's open list as empty (its cap on open proposals not applied), an open
    /// entry as absent (its prune entry left behind for good, the summary counting one fewer), and a prune entry
    /// that did not decode was deleted, leaving the proposal it named in state forever.
    enum IndexCase: String, CaseIterable { case pruneNext, openBy, openEntry, pruneEntry }

    @Test(arguments: IndexCase.allCases) func aDamagedProposalIndexEntryIsStorageCorrupt(_ kind: IndexCase) throws {
        let f = GovernanceFixture()
        func damage(_ key: [UInt8]) { f.state.apply([(key, Self.garbage)]) }
        let propose = ProposeGovernance(action: .setPower(name: "Bank B", power: 2), description: "")
        switch kind {
        case .pruneNext:
            _ = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankA)
            damage(StateKey.pruneNext)
            Self.expectCorrupt(f.submit(propose, by: f.bankB), StateKey.pruneNext)
            #expect(f.state.get(StateKey.pruneNext) == Self.garbage)
        case .openBy:
            _ = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankB)
            let key = StateKey.openBy("Bank B")
            damage(key)
            Self.expectCorrupt(f.submit(propose, by: f.bankB), key)
        case .openEntry:
            let id = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankA)
            let key = StateKey.proposalStatus(.open, id)
            damage(key)
            #expect(throws: DamagedRecord.self) { _ = try Governance.openSummary(f.state, now: f.time) }
            #expect(throws: DamagedRecord.self) { _ = try Governance.proposals(f.state, status: "open", after: nil, limit: 10, now: f.time) }
            f.approve(id, by: [f.trade, f.realEstate])
            // The deciding vote moves the proposal out of its open entry.
            Self.expectCorrupt(f.vote(id, true, by: f.bankB), key)
        case .pruneEntry:
            let id = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankA)
            let key = StateKey.pruneEntry(at: 0, id)
            var w = CanonicalWriter()
            w.i64(0)
            f.state.apply([(key, Self.garbage), (StateKey.pruneNext, w.bytes)])
            Self.expectCorrupt(f.submit(propose, by: f.bankB), key)
            #expect(f.state.get(key) == Self.garbage && f.state.get(StateKey.proposal(id)) != nil)
        }
    }

    // MARK: Members

    /// A member record (or a name's entry) that does not decode, read with `try?` before: the signer was "not a
    /// member" (UNKNOWN_SIGNER), a named member "unknown" (UNKNOWN_MEMBER), a passed proposal was committed as failed,
    /// a bank "not a bank of the consortium", and a query's member "not found" or its name left out.
    enum MemberCase: String, CaseIterable { case signer, admission, name, decision, revocationAtDecision, query }

    @Test(arguments: MemberCase.allCases) func aDamagedMemberRecordIsStorageCorruptNotNoMember(_ kind: MemberCase) throws {
        let f = GovernanceFixture()
        func damage(_ key: [UInt8]) { f.state.apply([(key, Self.garbage)]) }
        let bankB = StateKey.member(f.bankB.publicKey), bankA = StateKey.member(f.bankA.publicKey)
        switch kind {
        case .signer:
            damage(bankB)
            // Before: UNKNOWN_SIGNER.
            Self.expectCorrupt(f.submit(ProposeGovernance(action: .setPower(name: "Bank A", power: 2), description: ""), by: f.bankB), bankB)
            #expect(throws: DamagedRecord.self) { _ = try Governance.member(key: f.bankB.publicKey, f.state) }
            #expect(throws: DamagedRecord.self) { _ = try Governance.member(name: "Bank B", f.state) }
        case .admission:
            damage(bankB)
            let tx = f.transaction(VoteGovernance(proposal: 1, approve: true), by: f.bankB)
            let r = try #require(f.app.check(tx, state: f.state))
            Self.expectCorrupt(r, bankB)
        case .name:
            let key = StateKey.memberName("Bank A")
            f.state.apply([(key, Array("not a key".utf8))])
            // Before: UNKNOWN_MEMBER.
            Self.expectCorrupt(f.submit(ProposeGovernance(action: .setPower(name: "Bank A", power: 2), description: ""), by: f.bankB), key)
            #expect(throws: DamagedRecord.self) { _ = try Governance.member(name: "Bank A", f.state) }
        case .decision:
            let id = f.propose(.setPower(name: "Bank A", power: 2), by: f.bankB)
            f.approve(id, by: [f.trade, f.realEstate])
            damage(bankA)
            // Before: the vote was OK and the proposal committed as failed ("could not be applied: UNKNOWN_MEMBER").
            Self.expectCorrupt(f.vote(id, true, by: f.bankB), bankA)
            #expect(f.proposal(id)?.status == .open)
        case .revocationAtDecision:
            let id = f.propose(.rotateKey(name: "Bank A", newPublicKey: f.spare1.publicKey), by: f.bankA)
            f.approve(id, by: [f.trade, f.realEstate])
            let key = StateKey.revoked(f.spare1.publicKey)
            damage(key)
            // Before: the vote was OK and the proposal committed as failed with the outcome STORAGE_CORRUPT.
            Self.expectCorrupt(f.vote(id, true, by: f.bankB), key)
            #expect(f.proposal(id)?.status == .open)
        case .query:
            damage(bankB)
            // Before: NOT_FOUND, as for a key that is no member's.
            guard case .refused(let code, let message) = ProvableQuery.member(f.bankB.publicKey).answer(f.state, time: f.time, suite: .sha256) else {
                Issue.record("a damaged member record was answered")
                return
            }
            #expect(code == DamagedRecord.code && message.contains(String(decoding: bankB, as: UTF8.self)), "\(code): \(message)")
        }
    }

    /// A bank named in a transaction or shown in an answer, whose member record does not decode: before, a grant to
    /// it was refused as UNKNOWN_BANK and its lien's answer left the mortgagee's name out.
    @Test func aDamagedBankRecordIsStorageCorruptInATradeGrantAndAMortgageAnswer() throws {
        let t = TradeFixture()
        let bank = StateKey.member(t.bankA.publicKey)
        t.state.apply([(bank, Self.garbage)])
        Self.expectCorrupt(t.submit(GrantAuthorization(bank: t.bankA.publicKey, expiresAt: t.nextTime + 86_400_000), by: t.exporterXKey).result, bank)

        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(f.run(ApproveMortgage(applicationId: id), by: f.registry) == .ok)
        f.endBlock()
        #expect(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state)?.mortgages.first?.mortgageeName == "Bank A")
        f.committed.apply([(StateKey.member(f.bankA.publicKey), Self.garbage)])
        f.endBlock()
        #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state) }
        #expect(throws: DamagedRecord.self) { _ = try MortgageQueries.application(id: id, state: f.state) }
    }

    // MARK: Trade

    enum TradeCase: String, CaseIterable { case declaration, exposure, lists, financing, authorization }

    @Test(arguments: TradeCase.allCases) func aDamagedTradeRecordStopsTheTransaction(_ kind: TradeCase) {
        let f = TradeFixture()
        let d = f.publish([f.fields(1)])[0]
        func damage(_ key: [UInt8]) { f.state.apply([(key, Self.garbage)]) }
        switch kind {
        case .declaration:
            // Before: FAKE_DECLARATION ("has not been published") — the export looked never declared.
            damage(StateKey.declaration(d.number))
            Self.expectCorrupt(f.finance(f.bankA, TradeFixture.cny(50_000), [(d, TradeFixture.cny(50_000))]).result, StateKey.declaration(d.number))
            let request = PrecheckRequest(declarations: [PrecheckItem(number: d.number)])
            #expect(throws: DamagedRecord.self) { _ = try TradeQueries.precheck(request, state: f.state, suite: .sha256) }
        case .exposure:
            // Before: the bank's running totals with the exporter started again from zero, overwriting the damage.
            f.expectOK(f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))]))
            let key = StateKey.exposure(f.exporterX, f.bankA.publicKey, try! Currency("CNY"))
            damage(key)
            Self.expectCorrupt(f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))]).result, key)
            #expect(f.state.get(key) == Self.garbage, "nothing written over the damaged totals")
        case .lists:
            // Before: the exporter's list counts started again at zero, so the next declaration overwrote entry 1.
            damage(StateKey.tradeLists(f.exporterX))
            let r = f.submit(PublishDeclarations(declarations: [PublishedDeclaration(f.fields(2), suite: .sha256)]), by: f.tradeRegistry)
            Self.expectCorrupt(r.result, StateKey.tradeLists(f.exporterX))
        case .financing:
            // Before: UNKNOWN_FINANCING.
            let fin = f.finance(f.bankA, TradeFixture.cny(10_000), [(d, TradeFixture.cny(10_000))])
            f.expectOK(fin)
            damage(StateKey.financing(fin.hash))
            Self.expectCorrupt(f.submit(RepayFinancing(financingId: fin.hash, amount: TradeFixture.cny(1_000)), by: f.bankA).result, StateKey.financing(fin.hash))
        case .authorization:
            // Before: the grant was taken as the first one, so the bank was listed a second time.
            let grant = GrantAuthorization(bank: f.bankA.publicKey, expiresAt: f.nextTime + 86_400_000)
            f.expectOK(f.submit(grant, by: f.exporterXKey))
            let key = StateKey.authorization(f.exporterX, f.bankA.publicKey)
            damage(key)
            Self.expectCorrupt(f.submit(grant, by: f.exporterXKey).result, key)
            #expect(throws: DamagedRecord.self) {
                _ = try TradeQueries.authorization(of: f.bankA.publicKey, by: f.exporterX, atTime: f.nextTime, state: f.state)
            }
        }
    }

    // MARK: Parties

    /// A member's party log that does not decode stops the block; before, it started again empty and the block
    /// wrote that over everything the member had been a party to.
    @Test func aDamagedPartyLogIsNeverRestartedEmpty() {
        let f = TradeFixture()
        f.publish([f.fields(1)])
        let key = PartyLog.stateKey("Trade Authority")
        f.state.apply([(key, Self.garbage)])
        let tx = PublishDeclarations(declarations: [PublishedDeclaration(f.fields(2), suite: .sha256)]).transaction(
            key: f.tradeRegistry, nonce: 99, chainID: TradeFixture.chainID)
        let hash = tx.hash(on: Chain(id: TradeFixture.chainID, hashSuite: .sha256))
        let overlay = StateOverlay(base: f.state)
        do {
            _ = try Parties.record([ExecutedTransaction(transaction: tx, hash: hash, result: .ok)], height: 9, suite: .sha256, state: overlay)
            Issue.record("a damaged party log was written over")
        } catch {
            #expect(error.key == String(decoding: key, as: UTF8.self))
        }
    }
}
