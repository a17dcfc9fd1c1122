import Foundation
import Synchronization
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainLightClient
@testable import YongchainNode

/// The verification answers a node keeps by state root (`QueryService.answers`, `ProvenAnswer`): asked again at the
/// same state, an answer is the one worked out the first time, byte for byte, proven or not; once the state moves,
/// the answer is the new state's.
@Suite struct KeptAnswerTests {
    static func without(prove target: String) -> String {
        target.replacingOccurrences(of: "&prove=true", with: "").replacingOccurrences(of: "?prove=true", with: "")
    }

    /// Every endpoint's vector request asked twice, with and without proof: the second answer (from the kept one,
    /// where the question is the state's alone) is the first's bytes; after an empty block (the same state root),
    /// the kept answers name the new height and still verify offline.
    @Test func anAnswerAskedAgainAtTheSameStateIsTheSameBytes() throws {
        let c = try VectorChain()
        let requests = try ProofAnswerVectorTests.requests(c)
        func askAll() throws -> [[UInt8]] {
            var bodies: [[UInt8]] = []
            for r in requests {
                let key = try #require(ProofAnswerVectorTests.callers[r.caller])
                for target in [r.target, Self.without(prove: r.target)] {
                    let first = c.ask(r.method, target, body: Array(r.body.utf8), as: key)
                    let second = c.ask(r.method, target, body: Array(r.body.utf8), as: key)
                    #expect(first.status == second.status && first.body == second.body, "\(r.name), \(target)")
                    bodies.append(second.body)
                }
            }
            return bodies
        }
        let hits = c.api.query.answers.hits.load(ordering: .relaxed)
        _ = try askAll()
        // The credit record's questions read the block time: never kept.
        let keptOnes = requests.filter { !$0.target.contains("credit-record") }.count
        #expect(c.api.query.answers.hits.load(ordering: .relaxed) - hits >= 2 * keptOnes)
        // /metrics counts what the two caches gave again.
        let metrics = String(decoding: c.ask("GET", "/metrics", as: try #require(ProofAnswerVectorTests.callers[requests[0].caller])).body, as: UTF8.self)
        func counted(_ name: String) -> Int? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        #expect(counted("yongchain_api_kept_answer_hits_total") == c.api.query.answers.hits.load(ordering: .relaxed))
        #expect(try #require(counted("yongchain_storage_kept_proof_hits_total")) > 0)
        let root = c.node.store.tip.stateRoot
        try c.emptyBlock()
        #expect(c.node.store.tip.stateRoot == root)
        for r in requests {
            let key = try #require(ProofAnswerVectorTests.callers[r.caller])
            let answer = c.ask(r.method, r.target, body: Array(r.body.utf8), as: key)
            let verified = try AnswerVerifier.verify(response: answer.body, genesis: VectorChain.genesis)
            #expect(verified.height == c.node.store.tip.height, "\(r.name)")
        }
    }

    /// A question answered "not found" at one state, then asked after a block that records what it asks about, is
    /// answered from the new state, proven or not; the proven answer re-runs to the same result offline.
    @Test func anAnswerAfterTheStateMovedIsTheNewStates() throws {
        let c = try VectorChain()
        let keyN = VectorChain.key(9)
        let target = "/v1/governance/members/\(keyN.publicKey.text)"
        for t in [target, target + "?prove=true"] {
            #expect(c.ask("GET", t, as: VectorChain.bankB).status == 404)
            #expect(c.ask("GET", t, as: VectorChain.bankB).status == 404)
        }
        try c.decide(.addMember(NewMember(name: "bank-n", role: .bank, publicKey: keyN.publicKey, address: "http://127.0.0.1:9", power: 0)), proposal: 2)
        let plain = c.ask("GET", target, as: VectorChain.bankB)
        #expect(plain.status == 200 && String(decoding: plain.body, as: UTF8.self).contains("bank-n"))
        let proven = c.ask("GET", target + "?prove=true", as: VectorChain.bankB)
        #expect(proven.status == 200)
        let verified = try AnswerVerifier.verify(response: proven.body, genesis: VectorChain.genesis)
        #expect(verified.height == c.node.store.tip.height)
    }

    /// The questions a node keeps by state root are those whose answer is the state's alone: a question whose answer
    /// changes with the block time alone (the same state, a later time) says it reads the time.
    @Test func aQuestionWhoseAnswerMovesWithTheTimeSaysSo() throws {
        let c = try VectorChain()
        let state = c.node.store.committedState
        let now = c.node.store.tip.time
        var moved = 0
        for q in try ProofAnswerVectorTests.questions(c) {
            let answers = [now, now + 2 * 365 * 86_400_000].map { q.query.answer(state, time: $0, suite: .sha256) }
            if answers[0] != answers[1] {
                #expect(q.query.readsTime, "\(q.name)")
                moved += 1
            }
        }
        #expect(moved > 0, "no vector question moves with the time: the test checks nothing")
    }

    /// A proven answer is tried against the state cache alone first; one that then needs a SQLite snapshot (a unit
    /// never asked: its key not in the cache, its proof not kept) runs again there, and is charged to its caller's
    /// proof quota once, not once a run.
    @Test func aProvenAnswerReadAgainInASnapshotIsChargedOnce() throws {
        let c = try VectorChain()
        let quota = c.api.query.proofQuota
        let granted = quota.granted.load(ordering: .relaxed), reads = c.node.store.readsFromCache.load(ordering: .relaxed)
        for i in 0..<5 {
            let target = "/v1/mortgage/units/320505001001GB00001F000100\(20 + i)/encumbrances?prove=true"
            let answer = c.ask("GET", target, as: VectorChain.bankB)
            #expect(answer.status == 404)
            _ = try AnswerVerifier.verify(response: answer.body, genesis: VectorChain.genesis)
        }
        #expect(quota.granted.load(ordering: .relaxed) - granted == 5)
        #expect(c.node.store.readsFromCache.load(ordering: .relaxed) == reads, "answered from the cache alone: the test checks nothing")
        // Asked again, each is the cache's alone, and charged once.
        for i in 0..<5 {
            #expect(c.ask("GET", "/v1/mortgage/units/320505001001GB00001F000100\(20 + i)/encumbrances?prove=true", as: VectorChain.bankB).status == 404)
        }
        #expect(quota.granted.load(ordering: .relaxed) - granted == 10)
        #expect(c.node.store.readsFromCache.load(ordering: .relaxed) == reads + 5)
    }
}
