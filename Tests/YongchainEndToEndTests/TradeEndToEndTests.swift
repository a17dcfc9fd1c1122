import Foundation
import Synchronization
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    @Suite(.serialized) struct Trade {
        static func declaration(_ exporter: CreditCode, _ i: Int) throws -> DeclarationFields {
            DeclarationFields(number: try DeclarationNumber("22312020" + String(format: "%010d", i)), exporter: exporter,
                              amount: try Money(minorUnits: 1_000_000, currency: Currency("USD")), exportDate: 20200315,
                              documentDigest: HashSuite.sha256.digest(Array("declaration \(i)".utf8)))
        }

        /// Registers an exporter through the trade authority's node; returns its credit code and key.
        static func exporter(_ c: ClusterHarness, _ n: Int) throws -> (CreditCode, PrivateKey) {
            let key = try PrivateKey.generate()
            let code = try CreditCode(creditCode(n))
            let r = try c.submit("trade-authority", RegisterEnterprise(creditCode: code, name: "Exporter \(n)", publicKey: key.publicKey)
                .transaction(key: c.orgKey("trade-authority"), nonce: UInt64(n), chainID: c.chainID))
            #expect(r.code == "OK", "\(r.json)")
            return (code, key)
        }

        /// Issue 5: bank-a and bank-b finance the same declaration at the same moment through two different nodes.
        /// Exactly one is accepted, the other is committed as DUPLICATE_FINANCING, and every node says the same.
        @Test func racingFinancingsOfOneDeclarationThroughTwoNodesCommitExactlyOne() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let chain = c.chainID
            let (code, _) = try Self.exporter(c, 501)
            let authority = try c.orgKey("trade-authority")
            let banks = [("bank-a", try c.orgKey("bank-a")), ("bank-b", try c.orgKey("bank-b"))]
            var winners: [String: Int] = [:]
            for round in 1...10 {
                let d = try Self.declaration(code, round)
                let pub = try c.submit("trade-authority", PublishDeclarations(declarations: [PublishedDeclaration(d, suite: .sha256)])
                    .transaction(key: authority, nonce: UInt64(1000 + round), chainID: chain))
                #expect(pub.code == "OK", "round \(round): publish \(pub.json)")
                c.waitForHeight(pub.json["height"] as? Int ?? 0, nodes: ["bank-a", "bank-b"])

                // Both transactions are built first, then released together.
                let financing = RecordFinancing(exporter: code, amount: d.amount, pledges: [PledgeRequest(declaration: d, amount: d.amount)])
                let txs = banks.map { financing.transaction(key: $0.1, nonce: UInt64(round), chainID: chain) }
                let outcomes = Mutex<[Int: (code: String, height: Int)]>([:])
                let start = DispatchSemaphore(value: 0)
                let group = DispatchGroup()
                for i in 0..<2 {
                    group.enter()
                    Thread.detachNewThread {
                        defer { group.leave() }
                        start.wait()
                        if let r = try? c.submit(banks[i].0, txs[i]) {
                            let outcome = (code: r.code, height: r.json["height"] as? Int ?? 0)
                            outcomes.withLock { $0[i] = outcome }
                        }
                    }
                }
                start.signal(); start.signal()
                group.wait()
                let got = outcomes.withLock { $0 }
                let codes = (0..<2).map { got[$0]?.code ?? "no answer" }
                #expect(codes.sorted() == ["DUPLICATE_FINANCING", "OK"], "round \(round): \(codes)")
                if let w = codes.firstIndex(of: "OK") { winners[banks[w].0, default: 0] += 1 }

                // Every node reports the same outcome for both transactions.
                let hashes = txs.map { $0.hash(on: Chain(id: chain, hashSuite: .sha256)).hex }
                let maxHeight = got.values.map(\.height).max() ?? 0
                c.waitForHeight(maxHeight)
                for (i, h) in hashes.enumerated() {
                    let seen = c.nodes.map { (try? c.getJSON($0.url + "/v1/txs/\(h)"))?["code"] as? String ?? "missing" }
                    #expect(Set(seen) == [codes[i]], "round \(round), \(banks[i].0)'s financing: nodes report \(seen)")
                }
            }
            // The declaration is pledged once per round, whoever won it.
            #expect(winners.values.reduce(0, +) == 10, "\(winners)")
        }

        /// A credit query without authorisation is refused; with it, answered and logged (and the enterprise sees
        /// who asked); after revocation, refused again. Driven through the CLI.
        @Test func creditQueriesNeedTheEnterprisesAuthorisationAndAreLogged() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let entKey = "\(c.dir)/exporter.key"
            #expect(try c.cli(["keys", "new", "--out", entKey]).status == 0)
            let code = creditCode(777)
            let reg = try c.cli(["trade", "enterprise-register", "--key", c.key("trade-authority"), "--node", c.url("trade-authority"),
                                 "--credit-code", code, "--name", "Suzhou Export Co.", "--public-key", entKey])
            #expect(reg.status == 0 && reg.out.hasPrefix("accepted enterprise.register"), "\(reg.out) \(reg.err)")
            let decl = "223120200000000042:\(code):500000:USD:20200315:\(HashSuite.sha256.digest(Array("doc".utf8)).hex)"
            let pub = try c.cli(["trade", "publish", "--key", c.key("trade-authority"), "--node", c.url("trade-authority"), "--declaration", decl])
            #expect(pub.status == 0, "\(pub.out) \(pub.err)")
            let pre = try c.cli(["trade", "precheck", "--key", c.key("bank-a"), "--node", c.url("bank-a"), "--declaration", decl, "--number", "223120200000000043"])
            #expect(pre.status == 0 && pre.out.contains("\"free\" : 500000") && pre.out.contains("FAKE_DECLARATION"), "\(pre.out) \(pre.err)")
            let fin = try c.cli(["trade", "finance", "--key", c.key("bank-a"), "--node", c.url("bank-a"), "--exporter", code,
                                 "--amount", "400000", "--currency", "USD", "--pledge", decl + ":400000"])
            #expect(fin.status == 0, "\(fin.out) \(fin.err)")
            let asA = ["--key", c.key("bank-a"), "--node", c.url("bank-a")]

            // 1. No authorisation: the log is refused on chain, so nothing can be answered.
            let refused = try c.cli(["trade", "query", "--enterprise", code] + asA)
            #expect(refused.status == 1 && refused.out.contains("NOT_AUTHORIZED"), "\(refused.out) \(refused.err)")
            let hashOfRefused = printedTxHash(refused.out)
            let direct = try c.request("bank-a", "/v1/trade/enterprises/\(code)/credit-record?queryId=\(hashOfRefused)", key: c.orgKey("bank-a"))
            #expect(direct.status == 404 && direct.code == "UNKNOWN_QUERY", "\(direct.json)")

            // 2. The enterprise grants bank-a (with its own key); a grant signed by the bank itself is refused.
            let bankAKey = try c.orgKey("bank-a").publicKey.text
            let forged = try c.cli(["trade", "grant", "--bank", bankAKey] + asA)
            #expect(forged.status == 1 && (forged.out + forged.err).contains("NOT_ENTERPRISE"), "\(forged.out) \(forged.err)")
            let grant = try c.cli(["trade", "grant", "--key", entKey, "--node", c.url("registry"), "--bank", bankAKey, "--expires-in", "3600"])
            #expect(grant.status == 0, "\(grant.out) \(grant.err)")
            let answered = try c.cli(["trade", "query", "--enterprise", code, "--purpose", "working capital review"] + asA)
            #expect(answered.status == 0 && answered.out.contains("\"outstanding\" : 400000"), "\(answered.out) \(answered.err)")
            let queryID = printedTxHash(answered.out)
            // Bank-b cannot use bank-a's query id.
            let other = try c.request("bank-b", "/v1/trade/enterprises/\(code)/credit-record?queryId=\(queryID)", key: c.orgKey("bank-b"))
            #expect(other.status == 404 && other.code == "UNKNOWN_QUERY", "\(other.json)")

            // 3. The enterprise sees who asked; another bank may not list them; the trade registry may.
            let listed = try c.cli(["trade", "queries", "--enterprise", code, "--key", entKey, "--node", c.url("bank-b")])
            #expect(listed.status == 0 && listed.out.contains(queryID) && listed.out.contains("working capital review"), "\(listed.out) \(listed.err)")
            let nosy = try c.request("bank-b", "/v1/trade/enterprises/\(code)/queries", key: c.orgKey("bank-b"))
            #expect(nosy.status == 403, "\(nosy.json)")
            #expect(try c.request("trade-authority", "/v1/trade/enterprises/\(code)/queries", key: c.orgKey("trade-authority")).status == 200)
            // Cursors are list positions; a malformed one is a 400 naming its parameter, a huge one no trap.
            let pastEnd = try c.request("trade-authority", "/v1/trade/enterprises/\(code)/queries?after=1", key: c.orgKey("trade-authority"))
            #expect(pastEnd.status == 200 && (pastEnd.result["queries"] as? [Any])?.isEmpty == true, "\(pastEnd.json)")
            let badAfter = try c.request("trade-authority", "/v1/trade/enterprises/\(code)/queries?after=99999999999999999999999",
                                         key: c.orgKey("trade-authority"))
            #expect(badAfter.status == 400 && badAfter.code == "INVALID_FIELD" && badAfter.message.hasPrefix("after"), "\(badAfter.json)")
            let badPage = try c.request("bank-a", "/v1/trade/enterprises/\(code)/credit-record?queryId=\(queryID)&financingsAfter=-1",
                                        key: c.orgKey("bank-a"))
            #expect(badPage.status == 400 && badPage.code == "INVALID_FIELD" && badPage.message.hasPrefix("financingsAfter"), "\(badPage.json)")

            // 4. Revoked: the old query id is no longer answered, and a new query is refused.
            let revoke = try c.cli(["trade", "revoke", "--key", entKey, "--node", c.url("registry"), "--bank", bankAKey])
            #expect(revoke.status == 0, "\(revoke.out) \(revoke.err)")
            c.waitForHeight(try c.getJSON(c.url("registry") + "/v1/txs/\(printedTxHash(revoke.out))")["height"] as? Int ?? 0, nodes: ["bank-a"])
            let stale = try c.request("bank-a", "/v1/trade/enterprises/\(code)/credit-record?queryId=\(queryID)", key: c.orgKey("bank-a"))
            #expect(stale.status == 403 && stale.code == "NOT_AUTHORIZED", "\(stale.json)")
            let again = try c.cli(["trade", "query", "--enterprise", code] + asA)
            #expect(again.status == 1 && again.out.contains("NOT_AUTHORIZED"), "\(again.out) \(again.err)")
            let log = try c.request("trade-authority", "/v1/trade/enterprises/\(code)/queries", key: c.orgKey("trade-authority"))
            #expect((log.result["queries"] as? [Any])?.count == 1, "only the answered query is logged: \(log.json)")
        }
    }
}
