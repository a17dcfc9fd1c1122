import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

/// Records every key a query reads with `get` (what a proof of its answer carries).
final class RecordingState: StateReader {
    let base: StateReader
    var reads: [[UInt8]] = []
    init(_ base: StateReader) { self.base = base }
    func get(_ key: [UInt8]) -> [UInt8]? { reads.append(key); return base.get(key) }
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] { base.scan(prefix: prefix, after: after, limit: limit) }
}

/// The verification queries banks call.
@Suite struct MortgageQueryTests {
    @Test func titleVerificationAnswersOnlyYesOrNo() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let title = "苏(2019)苏州市不动产权第0000002号"
        #expect(try MortgageQueries.verifyTitle(titleCertificateNumber: title, owner: f.owner2ID, state: f.state).match)
        #expect(try MortgageQueries.verifyTitle(titleCertificateNumber: title, owner: f.owner1ID, state: f.state).match)
        #expect(try !MortgageQueries.verifyTitle(titleCertificateNumber: title, owner: f.strangerID, state: f.state).match)
        #expect(try !MortgageQueries.verifyTitle(titleCertificateNumber: "苏(2019)苏州市不动产权第0000001号", owner: f.owner2ID, state: f.state).match)
        let unknown = try MortgageQueries.verifyTitle(titleCertificateNumber: "nope", owner: f.owner1ID, state: f.state)
        #expect(!unknown.match)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(unknown)) as! [String: Any]
        #expect(Set(json.keys) == ["titleCertificateNumber", "match"])
    }

    /// Issue 27: the identity with the salt on the title certificate matches; the same identity with another salt is
    /// a commitment nobody registered, answered exactly as a stranger is — the same bytes, from the same reads, so a
    /// proven answer of one cannot be told from the other's either.
    @Test func titleVerificationWithAWrongSaltIsAnsweredAsForAStranger() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let title = "苏(2019)苏州市不动产权第0000002号"
        func ask(_ owner: ChainIdentity) -> (ProvableQuery.Outcome, [[UInt8]]) {
            let r = RecordingState(f.state)
            return (ProvableQuery.titleVerification(certificate: title, owner: owner).answer(r, time: 0, suite: .sha256), r.reads)
        }
        let wrongSalt = try PersonOpening(id: MortgageFixture.owner2Opening.id, salt: Array(MortgageFixture.owner2Opening.salt.reversed()) + [1])
        let right = ask(f.owner2ID), wrong = ask(.person(wrongSalt, suite: .sha256)), stranger = ask(f.strangerID)
        #expect(right.0 == .result(Array(#"{"match":true,"titleCertificateNumber":"苏(2019)苏州市不动产权第0000002号"}"#.utf8)))
        #expect(wrong.0 == stranger.0 && wrong.1 == stranger.1 && right.1 == stranger.1)
        #expect(wrong.0 == .result(Array(#"{"match":false,"titleCertificateNumber":"苏(2019)苏州市不动产权第0000002号"}"#.utf8)))
        // Nothing the answer reads holds an identity number: state has only commitments.
        for (key, value) in f.committed.entries {
            for id in [MortgageFixture.owner1Opening.id.value, MortgageFixture.owner2Opening.id.value] {
                #expect((key + value).firstRange(of: Array(id.utf8)) == nil, "\(String(decoding: key, as: UTF8.self)) holds \(id)")
            }
        }
    }

    @Test func encumbrancesOfAnUnknownUnitAreNil() throws {
        let f = try MortgageFixture()
        #expect(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state) == nil)
        f.registerUnits()
        let e = try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.state))
        #expect(e.mortgages.isEmpty && e.seizures.isEmpty && !e.seized)
    }

    @Test func encumbrancesListOnlyRegisteredMortgagesAsTheirLiens() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let pending = f.file(f.signedApplication(bank: f.bankA, principal: 1), by: f.bankA)
        let registered = f.file(f.signedApplication(bank: f.bankB, principal: 2), by: f.bankB)
        f.run(ApproveMortgage(applicationId: registered), by: f.registry)
        f.endBlock()
        let e = try #require(try MortgageQueries.encumbrances(unitNumber: f.unit1, state: f.committed))
        #expect(e.mortgages.count == 1)
        let m = e.mortgages[0]
        #expect(m.applicationId == registered.hex && m.priority == 1 && m.state == .registered && m.certificateNumber == "MR-2020-0000001")
        #expect(m.mortgagee == f.bankB.publicKey.text && m.mortgageeName == "Bank B" && m.registeredAt.height == f.height - 1)
        // The whole mortgage is its parties' question.
        let whole = try #require(try MortgageQueries.application(id: registered, state: f.committed))
        #expect(whole.principal.minorUnits == 2 && whole.debtor == MortgageDebtor(organisation: f.debtorCode, name: "Suzhou Widget Co., Ltd."))
        #expect(try MortgageQueries.application(id: pending, state: f.committed)?.state == .pending)
    }

    /// Issue 26: a competitor's verification answer shows the lien, not the loan. The JSON and every state value
    /// the answer rests on (what a proof carries) hold none of the application's principal, term, debtor,
    /// mortgagors' consent or contract hash — while the whole record, which holds them, is a key no such answer reads.
    /// (The unit's own record, which the encumbrance answer reads to tell an unregistered unit, holds its owners'
    /// commitments: the register's, not the bank's.)
    @Test func encumbranceAndCertificateAnswersRestOnKeysWithoutTheLoansBusiness() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let application = f.signedApplication(bank: f.bankA, principal: 987_654_321)
        let id = f.file(application, by: f.bankA)
        f.run(ApproveMortgage(applicationId: id), by: f.registry)
        f.endBlock()
        let secrets: [(String, [UInt8])] = [
            ("contract hash", application.contractHash.bytes), ("contract hash in hex", Array(application.contractHash.hex.utf8)),
            ("principal", Array("987654321".utf8)), ("principal, binary", withUnsafeBytes(of: Int64(987_654_321).bigEndian, Array.init)), ("debtor", Array(f.debtorCode.value.utf8)), ("debtor's name", Array("Suzhou Widget".utf8)),
            ("mortgagor's signature", application.mortgagors[0].signature), ("term", Array("2030-05-31".utf8)),
        ]
        // Control: the whole record and its parties' answer hold every one of them.
        let whole = try #require(f.committed.get(StateKey.mortgage(id))) + SortedJSON.encode(try #require(try MortgageQueries.application(id: id, state: f.committed)))
        for q in [ProvableQuery.encumbrances(f.unit1), .mortgageCertificate("MR-2020-0000001")] {
            let recorder = RecordingState(f.committed)
            guard case .result(let json) = q.answer(recorder, time: f.time, suite: .sha256) else { Issue.record("\(q.question) not answered"); continue }
            #expect(String(decoding: json, as: UTF8.self).contains(id.hex), "\(q.question): the answer names the application")
            #expect(!recorder.reads.contains(StateKey.mortgage(id)), "\(q.question) reads the whole record")
            let read = recorder.reads.flatMap { $0 + (f.committed.get($0) ?? []) } + json
            for (what, needle) in secrets {
                #expect(whole.firstRange(of: needle) != nil, "control: the whole record or its answer lacks the \(what)")
                #expect(read.firstRange(of: needle) == nil, "\(q.question): the answer or a key it rests on holds the \(what)")
            }
        }
    }

    @Test func certificateVerification() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        #expect(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state) == nil)
        f.run(ApproveMortgage(applicationId: id), by: f.registry)
        let view = try #require(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state))
        #expect(view.applicationId == id.hex && view.unitNumber == f.unit1.value && view.state == .registered && view.priority == 1)
        #expect(try MortgageQueries.certificate(number: "MR-2020-0000002", state: f.state) == nil)
        // A client (the CLI) can read the node's answer back.
        let json = try JSONEncoder().encode(view)
        #expect(try JSONDecoder().decode(LienView.self, from: json) == view)
        // Discharge reaches the lien: applied for, then registered.
        #expect(f.run(DischargeMortgage(applicationId: id), by: f.bankA) == .ok)
        #expect(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state)?.state == .dischargeApplied)
        #expect(f.run(RegisterDischarge(applicationId: id), by: f.registry) == .ok)
        let discharged = try #require(try MortgageQueries.certificate(number: "MR-2020-0000001", state: f.state))
        #expect(discharged.state == .discharged && discharged.dischargedAt != nil && discharged.dischargeAppliedAt != nil)
    }

    /// People appear by commitment only, in the whole record its parties read: no identity numbers or owner keys.
    @Test func theWholeRecordNamesPeopleByCommitment() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        let id = f.file(f.signedApplication(bank: f.bankA), by: f.bankA)
        let view = try #require(try MortgageQueries.application(id: id, state: f.state))
        let json = String(decoding: try JSONEncoder().encode(view), as: UTF8.self)
        #expect(!json.contains(MortgageFixture.owner1Opening.id.value) && json.contains(MortgageFixture.owner1Opening.commitment(.sha256).hex))
        #expect(json.contains(#""debtor":{"#) && json.contains(f.debtorCode.value))
        #expect(!json.contains(Hex.encode(f.owner1.publicKey.bytes)))
        #expect(try JSONDecoder().decode(MortgageView.self, from: Data(json.utf8)) == view)
    }

    @Test func aBanksFilingsArePagedOldestFirst() throws {
        let f = try MortgageFixture()
        f.registerUnits()
        var ids: [Hash] = []
        for i in 1...5 {
            ids.append(f.file(f.signedApplication(bank: f.bankA, principal: Int64(i)), by: f.bankA))
            if i == 2 { f.endBlock() }
        }
        _ = f.file(f.signedApplication(bank: f.bankB, principal: 99), by: f.bankB)
        f.run(ApproveMortgage(applicationId: ids[1]), by: f.registry)
        f.endBlock()

        var seen: [String] = [], after: String?, pages = 0
        repeat {
            let page = try MortgageQueries.filings(bank: f.bankA.publicKey, after: after, limit: 2, state: f.committed)
            seen += page.filings.map(\.applicationId)
            after = page.next
            pages += 1
        } while after != nil && pages < 10
        #expect(seen == ids.map(\.hex))
        #expect(pages == 3)
        let all = try MortgageQueries.filings(bank: f.bankA.publicKey, state: f.committed)
        #expect(all.next == nil && all.filings.map(\.state) == [.pending, .registered, .pending, .pending, .pending])
        #expect(try MortgageQueries.filings(bank: f.bankB.publicKey, state: f.committed).filings.count == 1)
        #expect(try MortgageQueries.filings(bank: f.registry.publicKey, state: f.committed).filings.isEmpty)
    }

    @Test func filingsRefuseBadPaging() throws {
        let f = try MortgageFixture()
        func field(_ body: () throws -> FilingsPage) -> String? {
            do { _ = try body(); return nil } catch let e as ValidationError { return e.field } catch { return "\(error)" }
        }
        #expect(field { try MortgageQueries.filings(bank: f.bankA.publicKey, limit: 0, state: f.state) } == "limit")
        #expect(field { try MortgageQueries.filings(bank: f.bankA.publicKey, limit: MortgageLimits.maxPageSize + 1, state: f.state) } == "limit")
        #expect(field { try MortgageQueries.filings(bank: f.bankA.publicKey, after: "../member", state: f.state) } == "after")
        #expect(field { try MortgageQueries.filings(bank: f.bankA.publicKey, after: "00000000000000000001.000000", state: f.state) } == nil)
    }
}
