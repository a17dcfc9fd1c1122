import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    /// Issue 3 with real processes on 127.0.0.1: four validators, one chain, no forks.
    @Suite(.serialized) struct Cluster {
        static let validators = ["registry", "trade-authority", "bank-a", "bank-b"]

        func submit(_ c: ClusterHarness, via node: String, index: Int) throws -> [String: Any] {
            let chain = try c.getJSON(c.url(node) + "/v1/status")["chainId"] as! String
            let key = try KeyFile.read(c.key("trade-authority"))
            let first = "9144" + String(format: "%013d", index)
            let code = first + String(CreditCode.checkCharacter(for: first)!)
            let tx = RegisterEnterprise(creditCode: try CreditCode(code), name: "Exporter \(index)", publicKey: try PrivateKey.generate().publicKey)
                .transaction(key: key, nonce: UInt64(index), chainID: chain)
            let r = try c.http.send("POST", url: c.url(node) + "/v1/txs?wait=commit&timeoutMs=20000",
                                    headers: [("Content-Type", "application/json")], body: Array(try JSONEncoder().encode(TransactionJSON(tx))), timeout: 25)
            return (try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? ["status": r.status]
        }

        /// Every listed node holds the same block and state hashes at every height up to `height`.
        func agree(_ c: ClusterHarness, _ nodes: [String], upTo height: Int) {
            for h in 1...height {
                let seen = nodes.compactMap { c.stateAt($0, height: h) }
                #expect(seen.count == nodes.count, "not every node has block \(h)")
                #expect(Set(seen.map(\.blockHash)).count == 1, "fork at height \(h): \(seen)")
                #expect(Set(seen.map(\.stateRoot)).count == 1, "state differs at height \(h)")
            }
        }

        @Test func aTransactionSubmittedAnywhereCommitsEverywhereIdentically() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 300)
            try c.up()
            for (i, node) in Self.validators.enumerated() {
                let r = try submit(c, via: node, index: i + 1)
                #expect(r["code"] as? String == "OK", "via \(node): \(r)")
            }
            let target = Self.validators.map { c.height($0) }.min()!
            #expect(target >= 1)
            agree(c, Self.validators, upTo: target)
            // The certificate of each block verifies: the next block carries 2f+1 precommits.
            let b = try c.getJSON(c.url("bank-a") + "/v1/blocks/\(target)")
            let sigs = ((b["commit"] as? [String: Any])?["signatures"] as? [Any])?.count ?? 0
            #expect(sigs >= 3)
            // Prometheus metrics, named after CometBFT's.
            let metrics = String(decoding: try c.http.send("GET", url: c.url("bank-b") + "/metrics").body, as: UTF8.self)
            for name in ["yongchain_consensus_height", "yongchain_consensus_missed_blocks_total", "yongchain_mempool_size",
                         "yongchain_p2p_peers", "yongchain_state_txs_total{code=\"OK\"}", "yongchain_http_request_duration_seconds_bucket",
                         "yongchain_http_connections_refused_total"] {
                #expect(metrics.contains(name), "missing metric \(name)")
            }
            // The node gives freed memory back every second (ProcessMemory.trimInterval): two trims within 4 s,
            // which a 5 s interval cannot give.
            func trims() -> Int? {
                let text = (try? c.http.send("GET", url: c.url("bank-b") + "/metrics").body).map { String(decoding: $0, as: UTF8.self) } ?? ""
                return text.split(separator: "\n").first { $0.hasPrefix("yongchain_process_malloc_trims_total ") }
                    .flatMap { Int($0.split(separator: " ")[1]) }
            }
            let before = try #require(trims())
            #expect(c.eventually(4) { (trims() ?? 0) >= before + 2 }, "fewer than two trims in 4 s")
        }

        @Test func survivesOneCrashHaltsWithoutForkAtTwoAndResumes() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            #expect(c.eventually(20) { Self.validators.allSatisfy { c.height($0) >= 3 } })

            // One of four down: the other three keep committing.
            c.crash("bank-b")
            let h1 = c.height("registry")
            #expect(c.eventually(20) { c.height("registry") >= h1 + 3 }, "three of four validators must keep committing")
            #expect(try submit(c, via: "bank-a", index: 50)["code"] as? String == "OK")

            // Two of four down: no quorum, so no progress — and certainly no fork.
            c.crash("bank-a")
            usleep(500_000)
            let stalled = c.height("registry")
            #expect(!c.eventually(3) { c.height("registry") > stalled + 1 }, "two of four validators cannot commit")

            // One returns: progress resumes, and the restarted node catches up.
            try c.up(["bank-a"])
            #expect(c.eventually(40) { c.height("registry") > stalled + 2 }, "three validators again must commit")
            #expect(c.eventually(40) { c.height("bank-a") >= c.height("registry") - 1 })
            try c.up(["bank-b"])
            #expect(c.eventually(40) { c.height("bank-b") >= c.height("registry") - 1 }, "the node that was down must catch up")
            let top = Self.validators.map { c.height($0) }.min()!
            agree(c, Self.validators, upTo: top)
        }

        /// A fifth node, a non-voting observer started empty from genesis, catches up a long chain and agrees.
        @Test func anEmptyObserverCatchesUpALongChain() throws {
            let blocks = Int(ProcessInfo.processInfo.environment["YONGCHAIN_CATCHUP_BLOCKS"] ?? "1000") ?? 1000
            let c = try ClusterHarness(validators: 4, observers: 1, emptyBlockMs: 1)
            try c.up(Self.validators)
            #expect(c.eventually(600) { c.height("registry") >= blocks }, "the cluster did not reach \(blocks) blocks")
            let started = Date()
            try c.up(["observer-1"])
            let target = c.height("registry")
            #expect(c.eventually(300) { c.height("observer-1") >= target }, "the observer did not catch up")
            let secs = Date().timeIntervalSince(started)
            print("observer caught up \(target) blocks in \(String(format: "%.1f", secs)) s")
            for h in stride(from: 1, through: target, by: max(1, target / 50)) {
                #expect(c.stateAt("observer-1", height: h)?.blockHash == c.stateAt("registry", height: h)?.blockHash, "height \(h)")
            }
            #expect(c.stateAt("observer-1", height: target)?.stateRoot == c.stateAt("registry", height: target)?.stateRoot)
            // An observer never signs.
            let b = try c.getJSON(c.url("registry") + "/v1/blocks/\(target)")
            #expect(((b["commit"] as? [String: Any])?["signatures"] as? [Any])?.count ?? 0 <= 4)
        }
    }
}
