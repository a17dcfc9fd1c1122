import CSQLite
import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainNode

extension EndToEnd {
    /// One member cannot flood governance (issue 24, item 3), on a real node: 5,000 proposals from one member with
    /// 1 KB descriptions are refused past the cap with a stable code, the node's state keeps only what the cap
    /// allows, its pool drains, and its status counts what takes votes. (Before: all 5,000 were accepted and kept
    /// for good — 20,000 grew every node's state by 30 MB — and every /v1/status decoded the open ones.)
    @Suite struct GovernanceFlood {
        /// Entries and bytes of the state under `governance/`, read from the running node's database.
        static func governanceState(_ path: String) throws -> (rows: Int, bytes: Int) {
            var db: OpaquePointer?
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw CancellationError() }
            defer { sqlite3_close(db) }
            var stmt: OpaquePointer?
            let sql = "SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM state WHERE key >= CAST('governance/' AS BLOB) AND key < CAST('governance0' AS BLOB)"
            guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw CancellationError() }
            defer { sqlite3_finalize(stmt) }
            guard sqlite3_step(stmt) == SQLITE_ROW else { throw CancellationError() }
            return (Int(sqlite3_column_int64(stmt, 0)), Int(sqlite3_column_int64(stmt, 1)))
        }

        @Test func fiveThousandProposalsFromOneMemberAreRefusedPastTheCap() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            let node = c.url("registry")
            let chain = try c.getJSON(node + "/v1/status")["chainId"] as! String
            let key = try KeyFile.read(c.key("registry"))
            let database = "\(c.dir)/registry/data/chain.sqlite"
            let before = try Self.governanceState(database)
            let description = String(repeating: "x", count: 1_000)
            var hashes: [String] = []
            for batch in 0..<5 {
                let txs = (0..<1_000).map { i in
                    ProposeGovernance(action: .setRules(GovernanceRules()), description: description)
                        .transaction(key: key, nonce: UInt64(batch * 1_000 + i + 1), chainID: chain)
                }
                hashes += txs.map { $0.hash(on: Chain(id: chain, hashSuite: .sha256)).hex }
                let body = Array(try JSONEncoder().encode(["transactions": txs.map(TransactionJSON.init)]))
                let r = try c.http.send("POST", url: node + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: body, timeout: 60)
                #expect(r.status == 200, "\(String(decoding: r.body.prefix(300), as: UTF8.self))")
            }
            // Every one is committed, accepted or refused, and the pool drains.
            #expect(c.eventually(60) { (try? c.getJSON(node + "/v1/txs/\(hashes.last!)"))?["height"] != nil })
            #expect(c.eventually(10) { (try? c.getJSON(node + "/v1/status"))?["mempoolSize"] as? Int == 0 })
            var codes: [String: Int] = [:]
            for h in hashes.prefix(20) + hashes.suffix(20) {
                let t = try c.getJSON(node + "/v1/txs/\(h)")
                codes[(t["code"] as? String) ?? "?", default: 0] += 1
            }
            #expect(codes == ["OK": 10, "TOO_MANY_OPEN_PROPOSALS": 30], "the first 10 accepted, every later one refused: \(codes)")
            #expect(try c.getJSON(node + "/v1/status")["openProposals"] as? Int == 10)
            // State: ten proposals and their index entries; nothing of the 4,990 refused.
            let after = try Self.governanceState(database)
            #expect(after.rows - before.rows == 10 * 3 + 3, "\(before) → \(after)")
            #expect(after.bytes - before.bytes < 10 * 2_000 + 1_000, "\(after.bytes - before.bytes) bytes for 10 proposals of 1 KB")
        }
    }
}
