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
    /// Commits one block of `txs` on the fixture's one-validator chain, certified by its key, as catch-up would.
    func commit(_ f: HostileInputTests.Fixture, _ txs: [Transaction]) throws -> [String] {
        try f.node.queue.sync {
            let node = f.node, tip = node.store.tip, h = tip.height + 1
            let rules = node.rules.withLock { $0 }
            let signers = try #require(rules.validators(at: h)), next = try #require(rules.validators(at: h + 1))
            let lastCommit = tip.height == 0 ? nil : try node.store.certificate(at: tip.height)
            var block = Block(header: BlockHeader(
                chain: Chain(id: f.chain, hashSuite: .sha256), height: h, time: tip.time + 1000, previousBlockHash: tip.blockHash, lastCommitHash: Block.commitHash(lastCommit, suite: .sha256),
                txRoot: Block.txRoot(txs, chain: Chain(id: f.chain, hashSuite: .sha256)),
                resultsHash: .zero, stateRoot: .zero, validatorsHash: signers.hash(.sha256), nextValidatorsHash: next.hash(.sha256), proposer: f.registry.publicKey),
                transactions: txs, lastCommit: lastCommit)
            let exec = try node.store.committedSnapshot { try node.applier.executor.execute(block, on: $0, tree: $1, tip: tip) }
            block.header.resultsHash = exec.resultsHash
            block.header.stateRoot = exec.stateRoot
            let vote = Vote(type: .precommit, height: h, round: 0, blockHash: block.hash, validator: 0)
            let certificate = CommitCertificate(height: h, round: 0, blockHash: block.hash,
                                                signatures: [.init(validator: 0, signature: f.registry.sign(vote.signingBytes(chainID: f.chain)))])
            #expect(try node.commit(block: block, certificate: certificate, checks: .certified))
            return exec.results.map(\.result.code)
        }
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
