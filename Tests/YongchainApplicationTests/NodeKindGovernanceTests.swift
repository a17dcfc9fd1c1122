import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// `member.setNode` and VALIDATOR_MUST_BE_FULL (docs/confidentiality.md, docs/governance.md).
@Suite struct NodeKindGovernanceTests {
    typealias F = GovernanceFixture

    /// Bank E joins with power 0 (a full node, as every `member.add` admits), then becomes a member node.
    func memberNodeBankE() -> F {
        let f = F()
        let add = f.propose(f.newBank(power: 0), by: f.bankA)
        f.approve(add, by: [f.trade, f.realEstate, f.bankA])
        #expect(try! Governance.member(name: "Bank E", f.state)?.node == .full)
        let set = f.propose(.setNode(name: "Bank E", node: .member), by: f.bankA)
        f.approve(set, by: [f.trade, f.realEstate, f.bankA])
        #expect(f.proposal(set)?.status == .passed)
        return f
    }

    @Test func aNonValidatorBecomesAMemberNodeAndBack() throws {
        let f = memberNodeBankE()
        #expect(try Governance.member(name: "Bank E", f.state)?.node == .member)
        let back = f.propose(.setNode(name: "Bank E", node: .full), by: f.bankB)
        f.approve(back, by: [f.trade, f.realEstate, f.bankA])
        #expect(try Governance.member(name: "Bank E", f.state)?.node == .full)
    }

    @Test func aValidatorCannotBecomeAMemberNode() {
        let f = F()
        let r = f.submit(ProposeGovernance(action: .setNode(name: "Bank A", node: .member), description: ""), by: f.bankB)
        #expect(r.code == Codes.validatorMustBeFull, "\(r.message)")
    }

    @Test func aMemberNodeCannotBeGivenVotingPower() {
        let f = memberNodeBankE()
        let r = f.submit(ProposeGovernance(action: .setPower(name: "Bank E", power: 1), description: ""), by: f.bankA)
        #expect(r.code == Codes.validatorMustBeFull, "\(r.message)")
    }

    @Test func settingTheKindItAlreadyHasOrOfNobodyIsRefused() {
        let f = F()
        #expect(f.submit(ProposeGovernance(action: .setNode(name: "Bank A", node: .full), description: ""), by: f.bankB).code == Codes.invalidField)
        #expect(f.submit(ProposeGovernance(action: .setNode(name: "Bank Z", node: .member), description: ""), by: f.bankB).code == Codes.unknownMember)
    }

    @Test func aRotationKeepsTheNodeKind() throws {
        let f = memberNodeBankE()
        let rot = f.propose(.rotateKey(name: "Bank E", newPublicKey: f.spare1.publicKey), by: f.bankE)
        f.approve(rot, by: [f.trade, f.realEstate, f.bankA])
        #expect(try Governance.member(name: "Bank E", f.state).map { ($0.publicKey, $0.node) } ?? (f.bankE.publicKey, .full) == (f.spare1.publicKey, .member))
    }

    @Test func setNodeRoundTripsInJSONAndCanonically() throws {
        let a = GovernanceAction.setNode(name: "Bank E", node: .member)
        #expect(try GovernanceAction(canonical: a.canonicalBytes) == a)
        #expect(a.canonicalBytes == [0, 0, 0, 14] + Array("member.setNode".utf8) + [0, 0, 0, 6] + Array("Bank E".utf8) + [0, 0, 0, 6] + Array("member".utf8))
        let json = try SortedJSON.encode(a)
        #expect(String(decoding: json, as: UTF8.self) == #"{"name":"Bank E","node":"member","type":"member.setNode"}"#)
    }

    @Test func aMemberRecordOfAFullNodeKeepsItsBytes() throws {
        let key = F.key(9).publicKey
        let full = Member(name: "B", role: .bank, authorities: [], publicKey: key, address: "http://x")
        let member = full.running(.member)
        #expect(member.canonicalBytes == full.canonicalBytes + [1])
        #expect(try Member(canonical: member.canonicalBytes) == member)
        #expect(try Member(canonical: full.canonicalBytes) == full)
        #expect(throws: (any Error).self) { try Member(canonical: full.canonicalBytes + [2]) }
    }
}
