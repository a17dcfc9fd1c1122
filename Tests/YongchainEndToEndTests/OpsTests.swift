import Foundation
import Synchronization
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    /// Operator commands on real node homes: offline audit, online backup, restore and catch-up.
    @Suite(.serialized) struct Ops {
        func register(_ c: ClusterHarness, via node: String, _ i: Int) throws {
            let chain = try c.getJSON(c.url(node) + "/v1/status")["chainId"] as! String
            let signer = c.nodes.contains { $0.name == "trade-authority" } ? "trade-authority" : "registry"
            let key = try KeyFile.read(c.key(signer))
            let first = "9155" + String(format: "%013d", i)
            let tx = RegisterEnterprise(creditCode: try CreditCode(first + String(CreditCode.checkCharacter(for: first)!)),
                                        name: "E\(i)", publicKey: try PrivateKey.generate().publicKey)
                .transaction(key: key, nonce: UInt64(i), chainID: chain)
            _ = try c.http.send("POST", url: c.url(node) + "/v1/txs?wait=commit", headers: [("Content-Type", "application/json")],
                                body: Array(try JSONEncoder().encode(TransactionJSON(tx))), timeout: 20)
        }

        /// Log rotation (issue 24, item 10): node.log renamed, then SIGHUP: the node starts a new node.log and writes
        /// nothing more to the renamed one, and keeps running. (Before: SIGHUP's default action ended the node, and
        /// a renamed node.log went on being written.)
        @Test func sighupReopensARenamedLogFile() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            try c.up()
            let log = "\(c.dir)/registry/node.log", rotated = log + ".1"
            let pid = try #require(pid_t((try String(contentsOfFile: "\(c.dir)/registry/node.pid", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(c.eventually(10) { c.height("registry") >= 2 })
            try FileManager.default.moveItem(atPath: log, toPath: rotated)
            #expect(kill(pid, SIGHUP) == 0)
            #expect(c.eventually(10) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("log reopened") }, "a new node.log")
            let before = try String(contentsOfFile: rotated, encoding: .utf8)
            let top = c.height("registry")
            #expect(c.eventually(10) { c.height("registry") >= top + 3 }, "the node runs on")
            #expect(try String(contentsOfFile: rotated, encoding: .utf8) == before, "nothing more is written to the renamed file")
            #expect(!before.contains("log reopened") && before.contains("\"msg\":\"started\""))
        }

        @Test func verifyChainPassesAndDetectsABlockAlteredInSQLite() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            try c.up()
            for i in 1...5 { try register(c, via: "registry", i) }
            #expect(c.eventually(10) { c.height("registry") >= 8 })
            try c.down()
            let home = "\(c.dir)/registry"
            let good = try c.cli(["verify", "chain", "--home", home])
            #expect(good.status == 0, "\(good.err)")
            #expect(good.out.contains("chain OK"))

            // Flip one byte inside block 3's stored data, as an attacker with file access would.
            let db = home + "/data/chain.sqlite"
            let sql = "UPDATE blocks SET data = CAST(substr(data, 1, 60) || CASE WHEN substr(data, 61, 1) = X'FF' THEN X'00' ELSE X'FF' END || substr(data, 62) AS BLOB) WHERE height = 3;"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            p.arguments = [db, sql]
            try p.run()
            p.waitUntilExit()
            try #require(p.terminationStatus == 0)
            let bad = try c.cli(["verify", "chain", "--home", home])
            #expect(bad.status == 1)
            #expect(bad.err.contains("height 3") || bad.err.contains("height 4"), "\(bad.err)")
        }

        @Test func aBackupTakenUnderLoadRestoresAndCatchesUp() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let stop = Mutex(false)
            let loaderDone = DispatchSemaphore(value: 0)
            let loader = Thread { var i = 0; while !stop.withLock({ $0 }) { i += 1; try? register(c, via: "bank-a", 1000 + i) }; loaderDone.signal() }
            loader.start()
            // The loader holds the cluster: it must have finished before the test returns, or the cluster's
            // processes would outlive the test run.
            defer { stop.withLock { $0 = true }; loaderDone.wait(); try? c.down() }
            #expect(c.eventually(20) { c.height("bank-b") >= 5 })
            let backup = c.dir + "/bank-b.backup"
            let r = try c.cli(["backup", "--home", c.dir + "/bank-b", "--out", backup])
            #expect(r.status == 0, "\(r.err)")
            // One file: nothing of SQLite's WAL beside it (issue 31).
            for leftover in [backup + "-wal", backup + "-shm"] { #expect(!FileManager.default.fileExists(atPath: leftover), "\(leftover)") }
            #expect(c.eventually(20) { c.height("registry") >= c.height("bank-b") + 3 || c.height("registry") > 12 })
            try c.down(["bank-b"])
            let refused = try c.cli(["restore", "--home", c.dir + "/bank-b", "--from", backup])
            #expect(refused.status == 1, "restore over existing data needs --force")
            let restored = try c.cli(["restore", "--home", c.dir + "/bank-b", "--from", backup, "--force"])
            #expect(restored.status == 0, "\(restored.err)")
            try c.up(["bank-b"])
            stop.withLock { $0 = true }
            #expect(c.eventually(40) { c.height("bank-b") >= c.height("registry") - 1 && c.height("bank-b") > 5 })
            let top = min(c.height("bank-b"), c.height("registry"))
            for h in stride(from: 1, through: top, by: 1) {
                #expect(c.stateAt("bank-b", height: h)?.stateRoot == c.stateAt("registry", height: h)?.stateRoot, "height \(h)")
            }
        }
    }
}
