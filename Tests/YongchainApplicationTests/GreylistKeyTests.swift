import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// The grey-list's governance (VRF keys, parameters), key rotation (rekey, retireKey) and the `greylist`
/// authority (docs/greylist.md, "Rotating the VRF key", "Parameters and limits").
@Suite struct GreylistKeyTests {
    typealias F = GreylistFixture

    @Test func anAdmittedKeyIsVersionOneInForceFromTheNextBlock() throws {
        let f = F(on: false)
        #expect(f.ring == nil)
        let id = try! Governance.nextID(f.state)
        f.expectOK(f.submit(ProposeGovernance(action: F.addKey(f.vrf1), description: "key"), by: f.supervisor))
        f.expectOK(f.submit(VoteGovernance(proposal: id, approve: true), by: f.supervisor))
        let ring = try #require(f.ring)
        #expect(ring.versions.map(\.version) == [1] && ring.versions[0].key == f.vrf1.publicKey.bytes)
        #expect(ring.versions[0].fromHeight == f.height + 1)
        #expect(ring.inForce(at: f.height).isEmpty && ring.inForce(at: f.height + 1).count == 1)
        #expect(ring.versions[0].vrfKey == f.vrf1.publicKey)
    }

    @Test func aKeyThatIsNoCompressedP256PointIsRefusedWhenProposed() {
        let f = F(on: false)
        guard case .addVRFKey(let key, let proof) = F.addKey(f.vrf1) else { Issue.record("not addVrfKey"); return }
        var notOnCurve = key
        notOnCurve[0] = 0x04  // not a compressed form
        f.expect(f.govern(.addVRFKey(notOnCurve, proof: proof)), Codes.Greylist.vrfKeyInvalid)
        f.expect(f.govern(.addVRFKey(Array(key.prefix(32)), proof: proof)), Codes.Greylist.vrfKeyInvalid)
        #expect(f.ring == nil)
    }

    @Test func atMostTwoVersionsAreHeldAndAKeyOnlyOnce() {
        let f = F()
        f.expect(f.govern(F.addKey(f.vrf1)), Codes.Greylist.keyReused)
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        let third = try! VRFPrivateKey.generate()
        f.expect(f.govern(F.addKey(third)), Codes.Greylist.keyLimit)
        #expect(f.ring?.versions.map(\.version) == [1, 2])
    }

    /// The proof of possession: the key's own, over this chain's input. Each of a proof by another key, a proof made
    /// for another chain, a missing one and an altered one is refused when proposed, and nothing is admitted.
    @Test func aKeyIsAdmittedOnlyWithItsHoldersProofForThisChain() {
        let f = F(on: false)
        let key = f.vrf1.publicKey.bytes
        func proof(_ action: GovernanceAction) -> [UInt8] {
            guard case .addVRFKey(_, let p) = action else { return [] }
            return p
        }
        let byAnother = try! f.vrf2.prove(GreylistKeyPossession.alpha(chainID: F.chainID, key: key)).bytes
        let forAnotherChain = proof(F.addKey(f.vrf1, chainID: F.chainID + "-other"))
        var altered = proof(F.addKey(f.vrf1))
        altered[80] ^= 1
        for (p, code) in [(byAnother, Codes.Greylist.vrfProofInvalid), (forAnotherChain, Codes.Greylist.vrfProofInvalid),
                          ([], Codes.Greylist.vrfProofInvalid), (Array(altered.prefix(80)), Codes.Greylist.vrfProofMalformed),
                          (altered, Codes.Greylist.vrfProofInvalid)] {
            let id = try! Governance.nextID(f.state)
            f.expect(f.submit(ProposeGovernance(action: .addVRFKey(key, proof: p), description: "key"), by: f.supervisor), code)
            #expect(try! GovernanceProposal.load(id, f.state) == nil)
        }
        #expect(f.ring == nil)
        f.expectOK(f.govern(F.addKey(f.vrf1)))
        #expect(f.ring?.versions.map(\.key) == [key])
    }

    /// docs/greylist.md's worked example of the possession input and proof (Example 10's key, chain `vectors-1`).
    @Test func thePossessionExampleIsWhatTheCodeProves() throws {
        let f = F(on: false)
        let alpha = GreylistKeyPossession.alpha(chainID: "vectors-1", key: f.vrf1.publicKey.bytes)
        #expect(Hex.encode(alpha) == "00000024" + Hex.encode(Array("yongchain/greylist/key-possession/v1".utf8)) + "00000009"
                + Hex.encode(Array("vectors-1".utf8)) + Hex.encode(f.vrf1.publicKey.bytes))
        let proof = try f.vrf1.prove(alpha)
        #expect(try f.vrf1.publicKey.verify(proof, alpha: alpha) == proof.output)
        let page = try String(contentsOfFile: TransactionVectorTests.docs + "/greylist.md", encoding: .utf8)
        let pi = Hex.encode(proof.bytes)
        for piece in ["796f6e67636861696e2f677265796c6973742f6b65792d706f7373657373696f6e2f7631", String(pi.prefix(66)),
                      String(pi.dropFirst(66).prefix(32)), String(pi.suffix(64))] {
            #expect(page.contains(piece), "docs/greylist.md lost \(piece)")
        }
    }

    /// Proposed again once retired: refused when proposed, whatever the ring holds now.
    @Test func aRetiredKeyIsRefusedWhenProposed() {
        let f = F()
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expectOK(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor))
        #expect(f.ring?.versions.map(\.key) == [f.vrf2.publicKey.bytes])
        let id = try! Governance.nextID(f.state)
        f.expect(f.submit(ProposeGovernance(action: F.addKey(f.vrf1), description: "again"), by: f.supervisor),
                 Codes.Greylist.keyReused)
        #expect(try! GovernanceProposal.load(id, f.state) == nil && f.ring?.versions.map(\.version) == [2])
    }

    /// Proposed while new, then admitted and retired by other proposals before this one passes: refused when it
    /// passes (the proposal fails with the code), and the ring is unchanged.
    @Test func aKeyRetiredWhileItsProposalWaitedIsRefusedWhenDecided() {
        let f = F()
        let third = try! VRFPrivateKey.generate()
        let early = try! Governance.nextID(f.state)
        f.expectOK(f.submit(ProposeGovernance(action: F.addKey(f.vrf2), description: "early"), by: f.supervisor))
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expectOK(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor))
        f.expectOK(f.govern(F.addKey(third)))
        f.expectOK(f.submit(RetireVRFKey(keyVersion: 2), by: f.supervisor))
        #expect(f.ring?.versions.map(\.version) == [3])
        f.expectOK(f.submit(VoteGovernance(proposal: early, approve: true), by: f.supervisor))
        let p = try! GovernanceProposal.load(early, f.state)
        #expect(p?.status == .failed && p?.outcomeCode == Codes.Greylist.keyReused, "\(p?.outcomeCode ?? "-")")
        #expect(f.ring?.versions.map(\.version) == [3] && f.ring?.versions[0].key == third.publicKey.bytes)
    }

    @Test func parametersAreSetWholeAndRangeChecked() throws {
        let f = F()
        #expect(try GreylistParameters.load(f.state) == GreylistParameters())
        var p = GreylistParameters()
        p.maxChecksPerBankPerDay = 5
        f.expectOK(f.govern(.setGreylistParameters(p)))
        #expect(try GreylistParameters.load(f.state) == p)
        var bad = GreylistParameters()
        bad.checkRecordLifetimeMs = bad.checkAnswerWindowMs - 1
        #expect(throws: ValidationError.self) { try GovernanceAction.setGreylistParameters(bad).validate() }
        // An entry lifetime from 1 second (test-sized, for networks that let an entry expire in a test) to 3,650 days.
        for (ms, valid) in [(Int64(999), false), (1_000, true), (3_650 * F.day, true), (3_650 * F.day + 1, false)] {
            var q = GreylistParameters()
            q.entryLifetimeMs = ms
            #expect(((try? GovernanceAction.setGreylistParameters(q).validate()) != nil) == valid, "entryLifetimeMs \(ms)")
        }
        for (json, field) in [
            (#"{"type":"greylist.setParameters","parameters":{"entryLifetimeMs":0,"checkAnswerWindowMs":600000,"checkRecordLifetimeMs":604800000,"maxChecksPerBankPerDay":1,"maxPendingReportsPerBank":1,"maxPendingAppealsPerBank":1}}"#, "action.parameters.entryLifetimeMs"),
            (#"{"type":"greylist.setParameters","parameters":{"entryLifetimeMs":86400000,"checkAnswerWindowMs":600000,"checkRecordLifetimeMs":604800000,"maxChecksPerBankPerDay":0,"maxPendingReportsPerBank":1,"maxPendingAppealsPerBank":1}}"#, "action.parameters.maxChecksPerBankPerDay"),
            (#"{"type":"greylist.setParameters","parameters":{"entryLifetimeMs":86400000}}"#, "action.parameters"),
        ] {
            let body = Array(#"{"action":\#(json),"description":""}"#.utf8)
            #expect(throws: ValidationError.self, "\(field)") { try LedgerApplication.canonicalBody(type: ProposeGovernance.type, json: body) }
            do { _ = try LedgerApplication.canonicalBody(type: ProposeGovernance.type, json: body) } catch let e as ValidationError {
                #expect(e.field.hasPrefix(field), "\(e.field): \(e.message)")
            }
        }
    }

    @Test func rekeyMovesEntriesToTheNewestVersion() throws {
        let f = F()
        let person = GreylistIdentity.resident(try ResidentID("11010519491231002X"))
        let old = f.subject(person, version: 1)
        f.list(old, .falseIdentity)
        let listed = try #require(f.entry(old))
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        let new = f.subject(person, version: 2)
        #expect(new.pseudonym != old.pseudonym)
        let move = { (from: GreylistSubject, to: GreylistSubject) in RekeyEntries(moves: [.init(from: from, to: to)]) }
        f.expect(f.submit(move(F.subject(9), new), by: f.supervisor), Codes.Greylist.notListed)
        f.expect(f.submit(move(old, F.subject(9, version: 1)), by: f.supervisor), Codes.Greylist.keyVersion)
        f.expect(f.submit(move(old, F.subject(9, version: 3)), by: f.supervisor), Codes.Greylist.keyVersion)
        f.expectOK(f.submit(move(old, new), by: f.supervisor))
        #expect(f.entry(old) == nil && f.entry(new) == listed)
        #expect(f.ring?.versions.map(\.entries) == [0, 1])
        // A check now finds the subject under the new key only; from version 2, a move from it is refused.
        let c = f.check([old, new])
        #expect(try GreylistCheckRecord.load(c.hash, f.state)?.hit == true)
        f.expect(f.submit(move(new, F.subject(8, version: 2)), by: f.supervisor), Codes.Greylist.keyVersion)
    }

    /// An appeal names the entry's pseudonym under its key: an entry under appeal is not moved until the appeal is
    /// decided (an upheld appeal would otherwise withdraw nothing and the subject stay listed under the new key).
    @Test func rekeyRefusesAnEntryUnderAppealUntilItIsDecided() throws {
        let f = F()
        let old = F.subject(1, version: 1)
        f.list(old, .falseIdentity)
        let appeal = f.submit(AppealListing(subject: old, evidenceHash: F.digest("submission")), by: f.bankB)
        f.expectOK(appeal)
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        let move = RekeyEntries(moves: [.init(from: old, to: F.subject(1, version: 2))])
        f.expect(f.submit(move, by: f.supervisor), Codes.Greylist.appealPending)
        #expect(f.entry(old) != nil && f.entry(F.subject(1, version: 2)) == nil)
        f.expectOK(f.submit(DecideAppeal(appeal: appeal.hash, upheld: false, decisionHash: .zero), by: f.supervisor))
        f.expectOK(f.submit(move, by: f.supervisor))
        #expect(f.entry(old) == nil && f.entry(F.subject(1, version: 2)) != nil)
    }

    @Test func rekeyOntoAnExistingEntryKeepsTheLaterExpiry() throws {
        let f = F()
        f.list(F.subject(1, version: 1), .accountTrading)
        let older = try #require(f.entry(F.subject(1, version: 1)))
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.list(F.subject(2, version: 2), .shellEnterprise)
        let newer = try #require(f.entry(F.subject(2, version: 2)))
        f.expectOK(f.submit(RekeyEntries(moves: [.init(from: F.subject(1, version: 1), to: F.subject(2, version: 2))]), by: f.supervisor))
        let merged = try #require(f.entry(F.subject(2, version: 2)))
        #expect(merged.expiresAt == newer.expiresAt && merged.category == .shellEnterprise && merged.since == older.since)
        #expect(f.ring?.versions.map(\.entries) == [0, 1])
    }

    @Test func retireKeyTakesAnEmptyOlderVersionOutOfForce() {
        let f = F()
        f.list(F.subject(1))
        f.expect(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor), Codes.Greylist.lastKey)
        f.expectOK(f.govern(F.addKey(f.vrf2)))
        f.expect(f.submit(RetireVRFKey(keyVersion: 2), by: f.supervisor), Codes.Greylist.lastKey)
        f.expect(f.submit(RetireVRFKey(keyVersion: 7), by: f.supervisor), Codes.Greylist.keyVersion)
        // An entry, a pending report and a pending appeal each keep version 1 in use.
        f.expect(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor), Codes.Greylist.keyInUse)
        f.expectOK(f.submit(WithdrawEntry(subject: F.subject(1), reason: .error, decisionHash: F.digest("w")), by: f.supervisor))
        var ring = f.ring!
        ring.count(1, \.pendingReports, 1)
        f.state.apply([(StateKey.greylistKeys, ring.canonicalBytes)])
        f.expect(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor), Codes.Greylist.keyInUse)
        ring.count(1, \.pendingReports, -1)
        ring.count(1, \.pendingAppeals, 1)
        f.state.apply([(StateKey.greylistKeys, ring.canonicalBytes)])
        f.expect(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor), Codes.Greylist.keyInUse)
        ring.count(1, \.pendingAppeals, -1)
        f.state.apply([(StateKey.greylistKeys, ring.canonicalBytes)])
        f.expectOK(f.submit(RetireVRFKey(keyVersion: 1), by: f.supervisor))
        #expect(f.ring?.versions.map(\.version) == [2])
        // Its pseudonyms are refused from then on; the next key is version 3.
        f.expect(f.check([F.subject(1, version: 1)]), Codes.Greylist.keyVersion)
        f.expectOK(f.check([F.subject(1, version: 2)]))
        f.expectOK(f.govern(F.addKey(try! VRFPrivateKey.generate())))
        #expect(f.ring?.versions.map(\.version) == [2, 3])
    }

    @Test func pendingReportsAndAppealsAreCountedPerVersion() throws {
        let f = F()
        let r = f.submit(ReportSubject(subject: F.subject(1), category: .accountTrading, evidenceHash: F.digest("e")), by: f.bankA)
        let a = f.submit(AppealListing(subject: F.subject(1), evidenceHash: F.digest("e")), by: f.bankA)
        #expect(f.ring?.versions[0].pendingReports == 1 && f.ring?.versions[0].pendingAppeals == 1)
        #expect(try GreylistPending.load("Bank A", f.state).reports == 1 && GreylistPending.load("Bank A", f.state).appeals == 1)
        f.expectOK(f.submit(ReviewReport(report: r.hash, decision: .reject(.duplicate), decisionHash: F.digest("d")), by: f.supervisor))
        f.expectOK(f.submit(DecideAppeal(appeal: a.hash, upheld: false, decisionHash: F.digest("d")), by: f.supervisor))
        #expect(f.ring?.versions[0].pendingReports == 0 && f.ring?.versions[0].pendingAppeals == 0)
        #expect(f.state.get(StateKey.greylistPending("Bank A")) == nil)
    }

    @Test func onlyASupervisorHoldsGreylistAndASupervisorHoldsNothingElse() {
        let key = F.key(1).publicKey
        func genesis(_ role: Role, _ authorities: [Authority]) -> Genesis {
            Genesis(chainID: "c", genesisTime: 1, organizations: [Organization(name: "o", role: role, authorities: authorities, publicKey: key, address: "http://127.0.0.1:1")])
        }
        #expect(throws: Never.self) { try genesis(.supervisor, [.greylist]).validate() }
        #expect(throws: Never.self) { try genesis(.supervisor, []).validate() }
        #expect(throws: GenesisError.self) { try genesis(.registry, [.greylist]).validate() }
        #expect(throws: GenesisError.self) { try genesis(.bank, [.greylist]).validate() }
        #expect(throws: GenesisError.self) { try genesis(.supervisor, [.trade]).validate() }
        let add = { (role: Role, a: [Authority]) in
            GovernanceAction.addMember(NewMember(name: "n", role: role, authorities: a, publicKey: key, address: "https://n.example", power: 0))
        }
        #expect(throws: Never.self) { try add(.supervisor, [.greylist]).validate() }
        #expect(throws: ValidationError.self) { try add(.registry, [.greylist]).validate() }
        #expect(throws: ValidationError.self) { try add(.registry, []).validate() }
        #expect(throws: ValidationError.self) { try add(.bank, [.trade]).validate() }
    }

    @Test func governanceActionsRoundTripInJSONAndCanonically() throws {
        let f = F(on: false)
        for a in [F.addKey(f.vrf1), .setGreylistParameters(GreylistParameters())] {
            #expect(try GovernanceAction(canonical: a.canonicalBytes) == a)
            #expect(try JSONDecoder().decode(GovernanceAction.self, from: Data(try SortedJSON.encode(a))) == a)
        }
        guard case .addVRFKey(_, let proof) = F.addKey(f.vrf1) else { Issue.record("not addVrfKey"); return }
        let json = String(decoding: try SortedJSON.encode(F.addKey(f.vrf1)), as: UTF8.self)
        #expect(json == #"{"proof":"\#(Hex.encode(proof))","type":"greylist.addVrfKey","vrfKey":"ecvrf-p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"}"#)
        let key = #""vrfKey":"ecvrf-p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6""#
        for (action, field) in [(#"{"type":"greylist.addVrfKey","vrfKey":"ed25519:0360","proof":"\#(Hex.encode(proof))"}"#, "action.vrfKey"),
                                (#"{"type":"greylist.addVrfKey",\#(key)}"#, "action.proof"),
                                (#"{"type":"greylist.addVrfKey",\#(key),"proof":"\#(Hex.encode(proof.dropLast()))"}"#, "action.proof")] {
            let bad = Array(#"{"action":\#(action),"description":""}"#.utf8)
            do { _ = try LedgerApplication.canonicalBody(type: ProposeGovernance.type, json: bad); Issue.record("accepted: \(action)") } catch let e as ValidationError {
                #expect(e.field.hasPrefix(field), "\(e.field): \(e.message)")
            }
        }
    }
}
