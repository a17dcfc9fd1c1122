import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

/// /v1/status, /metrics and the status page cost the same with 1,000 open proposals as with none (issue 24,
/// item 3): the count is kept from commit to commit, so a request reads no proposal. Measured as the state entries
/// a request reads (`yongchain_storage_state_rows_read_total`), deterministically: this node is not started, so
/// nothing else reads meanwhile. (Before: every request decoded up to 1,000 open proposals.)
@Suite(.serialized) struct GovernanceStatusCostTests {
    /// Commits one block of `txs` on the fixture's one-validator chain — built by the executor as its proposer
    /// would, certified by its key — as catch-up would.
    func commit(_ f: HostileInputTests.Fixture, _ txs: [Transaction]) throws -> [String] {
        let node = f.node, chain = node.chain, tip = node.store.tip, h = tip.height + 1
        let built = try node.executor.createProposalBlock(height: h, proposer: f.registry.publicKey, transactions: txs.map { ($0, $0.hash(on: chain)) },
                                                          time: tip.time + 1000, rules: node.view.currentRules)
        let vote = Vote(type: .precommit, height: h, round: 0, blockHash: built.block.hash, validator: 0)
        let certificate = CommitCertificate(height: h, round: 0, blockHash: built.block.hash,
                                            signatures: [.init(validator: 0, signature: f.registry.sign(vote.signingBytes(chainID: f.chain)))])
        let (applied, invalid) = node.consensus.commitFetched([(built.block, certificate)], from: "test")
        #expect(applied == 1 && !invalid)
        return built.execution.results.map(\.result.code)
    }

    /// State entries one GET of `target` reads.
    func rowsRead(_ f: HostileInputTests.Fixture, _ target: String) -> Int {
        let before = f.node.store.stateRowsRead.load(ordering: .relaxed)
        #expect(f.send("GET", target).0 == 200)
        return f.node.store.stateRowsRead.load(ordering: .relaxed) - before
    }

    @Test func statusAndMetricsCostTheSameWithAThousandOpenProposalsAsWithNone() throws {
        let f = try HostileInputTests.Fixture()
        var nonce: UInt64 = 0
        func signed<P: Payload>(_ p: P, by key: PrivateKey) -> Transaction {
            nonce += 1
            return p.transaction(key: key, nonce: nonce, chainID: f.chain)
        }
        let status0 = rowsRead(f, "/v1/status"), metrics0 = rowsRead(f, "/metrics")
        #expect(try f.json("/v1/status")["openProposals"] as? Int == 0)
        // The consortium (its one validator) raises the cap to 1,000, then the registry opens 1,000 proposals.
        let limits = ProposalLimits(maxOpenProposalsPerMember: 1_000, maxDescriptionBytes: 1_000, closedRetentionMs: 3_600_000)
        #expect(try commit(f, [signed(ProposeGovernance(action: .setLimits(limits), description: ""), by: f.registry)]) == ["OK"])
        #expect(try commit(f, [signed(VoteGovernance(proposal: 1, approve: true), by: f.registry)]) == ["OK"])
        let flood = (0..<1_000).map { _ in signed(ProposeGovernance(action: .setRules(GovernanceRules()), description: String(repeating: "x", count: 1_000)), by: f.registry) }
        #expect(try commit(f, flood).allSatisfy { $0 == "OK" })
        #expect(try f.json("/v1/status")["openProposals"] as? Int == 1_000)
        #expect(rowsRead(f, "/v1/status") == status0, "a status request reads no proposal")
        #expect(rowsRead(f, "/metrics") == metrics0, "nor does a metrics request")
        #expect(rowsRead(f, "/") == 0, "the status page is static; its script reads /v1/status")
        // The next block without governance keeps the count without reading it again; one that expires none
        // neither. A vote that decides one changes it.
        let kept = f.node.store.stateRowsRead.load(ordering: .relaxed)
        #expect(try commit(f, []) == [])
        let emptyBlock = f.node.store.stateRowsRead.load(ordering: .relaxed) - kept
        #expect(emptyBlock < 100, "an empty block's commit reads \(emptyBlock) entries, not the 1,000 proposals")
        #expect(try commit(f, [signed(VoteGovernance(proposal: 2, approve: true), by: f.registry)]) == ["OK"])
        #expect(try f.json("/v1/status")["openProposals"] as? Int == 999)
    }
}
