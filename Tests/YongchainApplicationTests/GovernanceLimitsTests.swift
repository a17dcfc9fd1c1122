import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// No member can flood governance (issue 24, item 3): a cap on open proposals per member, a cap on descriptions,
/// decided and expired proposals pruned after the retention, and a `status` filter served from an index.
@Suite struct GovernanceLimitsTests {
    typealias F = GovernanceFixture

    /// Reads through `base`, counting the entries it returns: the work a query does.
    final class CountingState: StateReader {
        let base: StateReader
        var rows = 0
        init(_ base: StateReader) { self.base = base }
        func get(_ key: [UInt8]) -> [UInt8]? { rows += 1; return base.get(key) }
        func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
            let r = base.scan(prefix: prefix, after: after, limit: limit)
            rows += r.count
            return r
        }
    }

    func governanceKeys(_ f: F) -> [[UInt8]] {
        f.state.entries.keys.filter { $0.starts(with: Array("governance/".utf8)) }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    func bytes(_ keys: [[UInt8]], _ f: F) -> Int { keys.reduce(0) { $0 + $1.count + (f.state.entries[$1]?.count ?? 0) } }

    func propose(_ f: F, by key: PrivateKey, _ n: Int, description: String = "") -> [TxResult] {
        f.block((0..<n).map { _ in f.transaction(ProposeGovernance(action: .setRules(GovernanceRules()), description: description), by: key) })
    }

    @Test func fiveThousandProposalsFromOneMemberAreRefusedPastTheCapAndStateStaysBounded() {
        let f = F()
        let description = String(repeating: "x", count: 1_000)
        let before = governanceKeys(f)
        var results: [TxResult] = []
        for _ in 0..<5 { results += propose(f, by: f.bankB, 1_000, description: description) }
        #expect(results.filter(\.isOK).count == 10, "the default cap")
        #expect(results.dropFirst(10).allSatisfy { $0.code == Codes.tooManyOpenProposals }, "\(Set(results.dropFirst(10).map(\.code)))")
        // State: the 10 proposals with their index entries, nothing for the 4,990 refused.
        let added = Set(governanceKeys(f)).subtracting(before)
        #expect(added.count == 10 * 3 + 3, "10 × (record, status entry, prune entry) + the member's open list, next-id, prune-next: \(added.count)")
        // Other members are not held back by one member's flood.
        #expect(propose(f, by: f.bankA, 1)[0].isOK)
        // A decided proposal frees a place; so does one that expires.
        f.approve(1, by: [f.trade, f.realEstate, f.bankA])
        #expect(f.proposal(1)?.status == .passed)
        #expect(propose(f, by: f.bankB, 2).map(\.code) == [TxResult.okCode, Codes.tooManyOpenProposals])
        f.block([], time: f.time + GovernanceRules().votingPeriodMs + 1)
        #expect(propose(f, by: f.bankB, 11).filter(\.isOK).count == 10, "all of its proposals expired: a full cap again")
    }

    @Test func theLimitsAreAGovernanceParameterAndBindDescriptions() {
        let f = F()
        let id = f.propose(.setLimits(ProposalLimits(maxOpenProposalsPerMember: 2, maxDescriptionBytes: 16, closedRetentionMs: 3_600_000)), by: f.bankA)
        f.approve(id, by: [f.trade, f.realEstate, f.bankA])
        #expect(try! Governance.limits(f.state) == ProposalLimits(maxOpenProposalsPerMember: 2, maxDescriptionBytes: 16, closedRetentionMs: 3_600_000))
        let long = f.transaction(ProposeGovernance(action: .setPower(name: "Bank A", power: 2), description: String(repeating: "é", count: 9)), by: f.bankB)
        #expect(f.app.check(long, state: f.state)?.code == Codes.descriptionTooLong, "refused at admission already")
        #expect(f.block([long])[0].code == Codes.descriptionTooLong)
        #expect(propose(f, by: f.bankB, 3, description: String(repeating: "x", count: 16)).map(\.code)
                == [TxResult.okCode, TxResult.okCode, Codes.tooManyOpenProposals])
        // Every field is required: a forgotten one must not take a default.
        let json = #"{"action":{"type":"limits.set","limits":{"maxOpenProposalsPerMember":5,"maxDescriptionBytes":100}},"description":""}"#
        #expect(throws: ValidationError.self) { try LedgerApplication.canonicalBody(type: ProposeGovernance.type, json: Array(json.utf8)) }
        for bad in [ProposalLimits(maxOpenProposalsPerMember: 0, maxDescriptionBytes: 10, closedRetentionMs: 3_600_000),
                    ProposalLimits(maxOpenProposalsPerMember: 5, maxDescriptionBytes: 1_001, closedRetentionMs: 3_600_000),
                    ProposalLimits(maxOpenProposalsPerMember: 5, maxDescriptionBytes: 10, closedRetentionMs: 3_599_999)] {
            #expect(f.submit(ProposeGovernance(action: .setLimits(bad), description: ""), by: f.bankA).code == Codes.invalidField)
        }
    }

    @Test func decidedAndExpiredProposalsLeaveStateAfterTheRetention() {
        let f = F()
        let retention = ProposalLimits().closedRetentionMs
        let before = governanceKeys(f)
        let passed = f.propose(newBankAction(f), by: f.bankA)
        let expiring = f.propose(.setPower(name: "Bank B", power: 2), by: f.bankA)
        f.approve(passed, by: [f.trade, f.realEstate, f.bankA])
        let decidedAt = f.time
        let afterDecision = Set(governanceKeys(f)).subtracting(before)
        let own = afterDecision.filter { String(decoding: $0, as: UTF8.self).hasSuffix("/" + GovernanceProposal.paddedID(passed)) }
        #expect(own.count == 3, "its record, its status entry and its prune entry")
        print("state bytes of a decided proposal while retained: \(bytes(Array(own), f)) (record \(f.state.entries[StateKey.proposal(passed)]?.count ?? 0)); after pruning: 0")
        func proposeAt(_ time: Int64) {
            let r = f.block([f.transaction(ProposeGovernance(action: .setRules(GovernanceRules()), description: ""), by: f.bankB)], time: time)
            #expect(r.map(\.code) == [TxResult.okCode])
        }
        // Within the retention both stay, with their outcome, and are listed by status.
        proposeAt(decidedAt + retention - 1)
        #expect(f.proposal(passed)?.status == .passed && f.proposal(expiring)?.status == .expired)
        #expect(try! Governance.proposals(f.state, status: "passed", after: nil, limit: 10, now: f.time).map(\.id) == [passed])
        // After it, the next governance transaction removes the decided one; the expired one leaves at its deadline
        // plus the retention.
        proposeAt(decidedAt + retention + 1)
        #expect(f.proposal(passed) == nil && f.proposal(expiring) != nil)
        #expect(f.vote(passed, true, by: f.trade).code == Codes.proposalNotFound)
        let deadline = f.proposal(expiring)!.deadline
        proposeAt(deadline + retention + 1)
        #expect(f.proposal(expiring) == nil)
        // Nothing of either is left: no record, no status entry, no prune entry, no open-list entry.
        let left = Set(governanceKeys(f)).intersection(afterDecision).filter { k in
            !k.starts(with: Array("governance/next-id".utf8)) && !k.starts(with: Array("governance/open-by/".utf8))
                && !k.starts(with: Array("governance/prune-next".utf8))
        }
        #expect(left.isEmpty, "\(left.map { String(decoding: $0, as: UTF8.self) })")
        let mentions = f.state.entries.keys.map { String(decoding: $0, as: UTF8.self) }.filter { $0.hasPrefix("governance/") && $0.hasSuffix("/" + GovernanceProposal.paddedID(passed)) }
        #expect(mentions.isEmpty, "\(mentions)")
    }

    /// The index answers exactly what a scan of every proposal would, for every status, and reads only its own
    /// entries: with 60 decided proposals and 3 open, `status=open` reads a handful of entries, not 63.
    @Test func theStatusFilterIsServedFromTheIndexAndAgreesWithAFullScan() throws {
        let f = F()
        let id = f.propose(.setLimits(ProposalLimits(maxOpenProposalsPerMember: 1_000, maxDescriptionBytes: 100, closedRetentionMs: 3_600_000)), by: f.bankA)
        f.approve(id, by: [f.trade, f.realEstate, f.bankA])
        var ids: [UInt64] = []
        for r in propose(f, by: f.bankB, 63) { #expect(r.isOK) }
        ids = Array(2...64)
        // 30 passed (and the limits), 30 rejected, 3 left open.
        for (i, p) in ids.prefix(60).enumerated() {
            let approve = i % 2 == 0
            f.block([f.trade, f.realEstate].map { f.transaction(VoteGovernance(proposal: p, approve: approve), by: $0) })
            if f.proposal(p)?.status == .open { f.block([f.transaction(VoteGovernance(proposal: p, approve: approve), by: f.bankA)]) }
        }
        for status in ProposalStatus.allCases {
            let naive = f.state.entries.filter { $0.key.starts(with: StateKey.proposalPrefix) }
                .compactMap { try? GovernanceProposal(canonical: $0.value) }
                .filter { $0.status(now: f.time) == status }.map(\.id).sorted()
            let counting = CountingState(f.state)
            let indexed = try! Governance.proposals(counting, status: status.rawValue, after: nil, limit: 200, now: f.time).map(\.id)
            #expect(indexed == Array(naive.prefix(200)), "\(status)")
            if status == .open { #expect(counting.rows <= 2 * 3 + 1, "status=open read \(counting.rows) entries") }
        }
        #expect(try Governance.openSummary(f.state, now: f.time).open == 3)
        let counting = CountingState(f.state)
        _ = try Governance.openSummary(counting, now: f.time)
        #expect(counting.rows == 3, "the summary reads the open entries only")
        // Pages: `after` continues where the last page ended.
        let page1 = try! Governance.proposals(f.state, status: "passed", after: nil, limit: 20, now: f.time).map(\.id)
        let page2 = try! Governance.proposals(f.state, status: "passed", after: page1.last, limit: 20, now: f.time).map(\.id)
        #expect(page1.count == 20 && page2.count == 11 && Set(page1).isDisjoint(with: page2))
    }

    func newBankAction(_ f: F) -> GovernanceAction { f.newBank() }
}
