import Foundation
import Synchronization
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

func creditCode(_ n: Int) -> String {
    let first = "9111" + String(format: "%013d", n)
    return first + String(CreditCode.checkCharacter(for: first)!)
}

extension EndToEnd {
    @Suite(.serialized) struct SingleNode {
        /// The walking skeleton as a new operator meets it: one validator, enterprises registered through the CLI,
        /// committed blocks shown by the CLI.
        @Test func registersEnterprisesThroughTheCLI() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            let node = c.url("registry")
            for i in 1...3 {
                let pub = try c.cli(["keys", "new", "--out", "\(c.dir)/ent\(i).key"])
                let keyText = pub.out.split(separator: "\n")[0].replacingOccurrences(of: "publicKey: ", with: "")
                let body = #"{"creditCode":"\#(creditCode(i))","name":"Exporter \#(i) Ltd","publicKey":"\#(keyText)"}"#
                let r = try c.cli(["tx", "submit", "--node", node, "--key", c.key("registry"), "--type", "enterprise.register", "--body", body])
                #expect(r.status == 0, "\(r.err)")
                #expect(r.out.contains("\"code\" : \"OK\""), "\(r.out)")
            }
            let shown = try c.cli(["blocks", "show", "latest", "--node", node, "--output", "json"])
            #expect(shown.status == 0)
            #expect(shown.out.contains("\"stateRoot\""))
            let list = try c.cli(["blocks", "list", "--node", node, "--output", "json"])
            #expect(list.out.contains("\"txCount\":1"))
            // A usage error is one line and exit status 2.
            let bad = try c.cli(["blocks", "show"])
            #expect(bad.status == 2)
            #expect(bad.err.split(separator: "\n").count == 1)
        }

        /// Bad credit code, bad signature, replay and malformed JSON each get their own code and commit nothing,
        /// one by one or in a batch.
        @Test func badInputGetsItsOwnCodeAndCommitsNothing() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            let node = c.url("registry")
            let status = try c.getJSON(node + "/v1/status")
            let chain = status["chainId"] as! String
            let registry = try KeyFile.read(c.key("registry"))
            let ent = try PrivateKey.generate()

            func post(_ body: [UInt8], wait: Bool = true) throws -> (Int, String, [String: Any]) {
                let r = try c.http.send("POST", url: node + (wait ? "/v1/txs?wait=commit" : "/v1/txs"), headers: [("Content-Type", "application/json")], body: body, timeout: 20)
                let o = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
                let code = ((o["error"] as? [String: Any])?["code"] as? String) ?? (o["code"] as? String) ?? ""
                return (r.status, code, o)
            }
            func json(_ tx: Transaction) -> [UInt8] { Array(try! JSONEncoder().encode(TransactionJSON(tx))) }

            // A bad credit code: canonical bytes made by hand, since our own encoder refuses to make them.
            var w = CanonicalWriter()
            w.string("91110000600037341X"); w.string("Bad Code Ltd"); w.publicKey(ent.publicKey)
            let badCode = Transaction.signed(type: "enterprise.register", body: w.bytes, nonce: 1, key: registry, chainID: chain)
            let r1 = try post(json(badCode))
            #expect(r1.0 == 400 && r1.1 == "INVALID_FIELD", "\(r1)")
            #expect(((r1.2["error"] as? [String: Any])?["message"] as? String ?? "").contains("creditCode"))

            // A bad signature.
            let good = RegisterEnterprise(creditCode: try CreditCode(creditCode(77)), name: "Good Ltd", publicKey: ent.publicKey)
                .transaction(key: registry, nonce: 2, chainID: chain)
            let forged = Transaction(type: good.type, body: good.body, signer: good.signer, nonce: good.nonce,
                                     signature: try PrivateKey.generate().sign(good.signingBytes(chainID: chain)))
            let r2 = try post(json(forged))
            #expect(r2.0 == 400 && r2.1 == "BAD_SIGNATURE", "\(r2)")

            // Malformed JSON.
            let r3 = try post(Array(#"{"type": "enterprise.register", "body": "#.utf8))
            #expect(r3.0 == 400 && r3.1 == "MALFORMED_JSON", "\(r3)")

            // The good one commits; its replay is refused, and a retry that waits is answered the committed outcome.
            let r4 = try post(json(good))
            #expect(r4.0 == 200 && r4.1 == "OK", "\(r4)")
            let r5 = try post(json(good), wait: false)
            #expect(r5.0 == 409 && r5.1 == "TX_ALREADY_COMMITTED", "\(r5)")
            let retry = try post(json(good))
            #expect(retry.0 == 200 && retry.1 == "OK" && retry.2["height"] as? Int == r4.2["height"] as? Int, "\(retry)")

            // Reads can wait for a height (read-your-writes through another node); a bad or unreached one is refused.
            let committedAt = r4.2["height"] as? Int ?? 0
            let seen = try c.http.send("GET", url: node + "/v1/txs/\(good.hash(on: Chain(id: chain, hashSuite: .sha256)).hex)?minHeight=\(committedAt)", timeout: 10)
            #expect(seen.status == 200 && committedAt > 0)
            let ahead = try c.http.send("GET", url: node + "/v1/status?minHeight=\(committedAt + 1_000_000)&timeoutMs=200", timeout: 10)
            #expect(ahead.status == 504 && String(decoding: ahead.body, as: UTF8.self).contains("HEIGHT_NOT_REACHED"))
            let notANumber = try c.http.send("GET", url: node + "/v1/status?minHeight=tip", timeout: 10)
            #expect(notANumber.status == 400 && String(decoding: notANumber.body, as: UTF8.self).contains("INVALID_MIN_HEIGHT"))

            // A batch with an item that breaks the schema is refused whole, naming the item; nothing is admitted.
            let good2 = RegisterEnterprise(creditCode: try CreditCode(creditCode(78)), name: "Good Two Ltd", publicKey: try PrivateKey.generate().publicKey)
                .transaction(key: registry, nonce: 3, chainID: chain)
            let forged2 = Transaction(type: good2.type, body: good2.body, signer: good2.signer, nonce: good2.nonce,
                                      signature: try PrivateKey.generate().sign(good2.signingBytes(chainID: chain)))
            var malformed = try JSONSerialization.jsonObject(with: Data(json(good2))) as! [String: Any]
            malformed["signature"] = "00"
            func batch(_ entries: [[UInt8]]) throws -> HTTPResponse {
                let body = Array(#"{"transactions":["#.utf8) + Array(entries.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",").utf8) + Array("]}".utf8)
                return try c.http.send("POST", url: node + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: body, timeout: 20)
            }
            let whole = try batch([json(good2), Array(try JSONSerialization.data(withJSONObject: malformed))])
            let wholeText = String(decoding: whole.body, as: UTF8.self)
            #expect(whole.status == 400 && wholeText.contains("INVALID_FIELD") && wholeText.contains("transactions[1].signature: "), "\(wholeText)")
            #expect(try c.http.send("GET", url: node + "/v1/txs/\(good2.hash(on: Chain(id: chain, hashSuite: .sha256)).hex)", timeout: 5).status == 404)
            // Well-formed items: each admitted or refused on its own, answered in order.
            let rb = try batch([json(forged2), json(good), json(good2), json(good2)])
            let ob = try JSONSerialization.jsonObject(with: Data(rb.body)) as! [String: Any]
            let outcomes = (ob["results"] as! [[String: Any]]).map { ($0["status"] as! String, ($0["error"] as? [String: Any])?["code"] as? String ?? "") }
            #expect(rb.status == 200 && ob["accepted"] as? Int == 2 && ob["refused"] as? Int == 2, "\(ob)")
            #expect(outcomes.map(\.0) == ["refused", "refused", "pending", "pending"], "\(outcomes)")
            #expect(outcomes.map(\.1) == ["BAD_SIGNATURE", "TX_ALREADY_COMMITTED", "", ""], "\(outcomes)")
            let empty = try c.http.send("POST", url: node + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: Array(#"{"transactions":[]}"#.utf8), timeout: 5)
            #expect(empty.status == 400 && String(decoding: empty.body, as: UTF8.self).contains("INVALID_BATCH"))
            let cut = try c.http.send("POST", url: node + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: Array(#"{"transactions":[{"#.utf8), timeout: 5)
            #expect(cut.status == 400 && String(decoding: cut.body, as: UTF8.self).contains("MALFORMED_JSON"))
            let good2Hash = good2.hash(on: Chain(id: chain, hashSuite: .sha256)).hex
            #expect(c.eventually(10) { (try? c.getJSON(node + "/v1/txs/\(good2Hash)"))?["code"] as? String == "OK" },
                    "\((try? c.getJSON(node + "/v1/txs/\(good2Hash)")) ?? [:])")

            // Exactly two transactions were ever committed.
            var total = 0
            for h in 1...max(c.height("registry"), 1) {
                let b = try c.getJSON(node + "/v1/blocks/\(h)")
                total += (b["transactions"] as? [Any])?.count ?? 0
            }
            #expect(total == 2)
        }

        /// SIGKILL while transactions stream in: after restart, every transaction the node answered as committed is
        /// there, and the chain is whole.
        @Test func survivesSigkillWithEveryAnsweredCommit() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            try c.up()
            let node = c.url("registry")
            let chain = try c.getJSON(node + "/v1/status")["chainId"] as! String
            let registry = try KeyFile.read(c.key("registry"))
            let committed = Mutex<[String]>([])
            let stop = Mutex(false)
            let group = DispatchGroup()
            for t in 0..<4 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    let http = HTTPClient()
                    var i = 0
                    while !stop.withLock({ $0 }) {
                        i += 1
                        let code = creditCode(100_000 + t * 10_000 + i)
                        let tx = RegisterEnterprise(creditCode: try! CreditCode(code), name: "E\(i)", publicKey: try! PrivateKey.generate().publicKey)
                            .transaction(key: registry, nonce: UInt64(i), chainID: chain)
                        guard let r = try? http.send("POST", url: node + "/v1/txs?wait=commit&timeoutMs=3000", headers: [("Content-Type", "application/json")],
                                                     body: Array(try! JSONEncoder().encode(TransactionJSON(tx))), timeout: 5) else { continue }
                        if r.status == 200 { committed.withLock { $0.append(tx.hash(on: Chain(id: chain, hashSuite: .sha256)).hex) } }
                    }
                }
            }
            #expect(c.eventually(30) { committed.withLock { $0.count } >= 20 })
            c.crash("registry")
            stop.withLock { $0 = true }
            group.wait()
            try c.up()
            let answered = committed.withLock { $0 }
            #expect(answered.count >= 20)
            for h in answered {
                let t = try c.getJSON(node + "/v1/txs/\(h)")
                #expect(t["code"] as? String == "OK", "transaction \(h) answered as committed is missing after the crash")
            }
            // And the node keeps committing after the restart.
            let before = c.height("registry")
            #expect(c.eventually(10) { c.height("registry") > before })
        }
    }
}
