import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    /// A member node as real processes run it (docs/operations.md, "Running a member node"): three validators and
    /// one bank whose genesis entry and config say `member`. It follows the chain by redacted batches, its database
    /// holds none of another organisation's transaction bodies, and a verification read signed by the bank comes
    /// back verified (`"proven": true`).
    @Suite(.serialized) struct MemberNode {
        @Test func aMemberNodeFollowsHoldsOnlyItsOwnAndAnswersByProof() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            let bank = c.nodes[3].name
            // The last bank runs a member node: no voting power, node kind member, in every copy of genesis.
            for n in c.nodes {
                let path = "\(c.dir)/\(n.name)/genesis.json"
                var g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
                var orgs = g["organizations"] as! [[String: Any]]
                orgs[3]["power"] = 0
                orgs[3]["node"] = "member"
                g["organizations"] = orgs
                try JSONSerialization.data(withJSONObject: g, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
            }
            let configPath = "\(c.dir)/\(bank)/config.json"
            var config = try JSONDecoder().decode(NodeConfig.self, from: Data(contentsOf: URL(fileURLWithPath: configPath)))
            config.node = "member"
            try config.write(path: configPath)
            try c.up()
            let trade = c.url(c.nodes[1].name), member = c.url(bank)

            // Another organisation's business: an enterprise the registry registers.
            let ent = try PrivateKey.generate()
            let name = "Confidential Exporter \(UUID().uuidString.prefix(6)) Ltd"
            let body = #"{"creditCode":"\#(creditCode(77))","name":"\#(name)","publicKey":"\#(ent.publicKey.text)"}"#
            let r = try c.cli(["tx", "submit", "--node", trade, "--key", c.key(c.nodes[1].name), "--type", "enterprise.register", "--body", body])
            #expect(r.status == 0 && r.out.contains("OK"), "submit: \(r.out) \(r.err)")
            let committed = c.height(c.nodes[1].name)

            // The member node follows the chain past that block.
            #expect(c.eventually(20) { ((try? c.getJSON(member + "/v1/status"))?["height"] as? Int ?? 0) >= committed },
                    "the member node did not follow the chain: \((try? c.getJSON(member + "/v1/status")) ?? [:])")
            let status = try c.getJSON(member + "/v1/status")
            #expect(status["node"] as? String == "member")

            // Its database (WAL included) holds headers, not the registry's transaction.
            let db = "\(c.dir)/\(bank)/data/member.sqlite"
            let bytes = [db, db + "-wal"].flatMap { FileManager.default.contents(atPath: $0).map { Array($0) } ?? [] }
            #expect(!bytes.isEmpty)
            #expect(bytes.firstRange(of: Array(name.utf8)) == nil, "the registry's enterprise name is in the member node's database")
            #expect(!FileManager.default.fileExists(atPath: "\(c.dir)/\(bank)/data/chain.sqlite"))

            // A verification read, signed by the bank, comes back from a full node with its proof checked.
            let key = try KeyFile.read(c.key(bank))
            let chain = status["chainId"] as! String
            // (Nothing is registered under them: the full node's NOT_FOUND is proven, and checked, like a result.)
            let unit = "/v1/mortgage/units/320505001001GB00001F00010001/encumbrances"
            let title = "/v1/mortgage/titles/verify?certificate=X1&owner=\(String(repeating: "ab", count: 32))"
            for target in [unit, title] {
                let answer = try c.http.send("GET", url: member + target, headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: chain), timeout: 20)
                let text = String(decoding: answer.body, as: UTF8.self)
                #expect(text.hasPrefix(#"{"proven":true"#) && text.contains(#""proof""#), "\(target): \(answer.status) \(text.prefix(400))")
            }
            let target = unit
            // Unsigned, the member node forwards nothing.
            #expect(try c.http.send("GET", url: member + target, timeout: 5).status == 401)
        }

        /// `cluster init --member-banks`: the suggested consortium at the city pilot's size (37 banks), written without
        /// starting it — four authorities validating on full nodes, every bank on a member node in genesis and in
        /// its config — and its limits, usage errors that leave nothing behind.
        @Test func clusterInitMakesTheSuggestedConsortium() throws {
            let runner = try ClusterHarness(validators: 1)
            let dir = runner.dir + "/consortium"
            let r = try runner.cli(["cluster", "init", "--dir", dir, "--member-banks", "37"])
            #expect(r.status == 0 && r.out.contains("4 validators, 37 member nodes"), "\(r.out) \(r.err)")
            let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/bank-ak/genesis.json"))) as! [String: Any]
            let orgs = g["organizations"] as! [[String: Any]]
            #expect(orgs.count == 41)
            #expect(orgs.prefix(4).map { "\($0["name"]!) \($0["role"]!) \($0["power"]!) \($0["node"] ?? "full")" }
                    == ["registry registry 1 full", "trade-authority registry 1 full", "central-bank supervisor 1 full", "credit-platform supervisor 1 full"])
            let banks = orgs.dropFirst(4)
            #expect(banks.allSatisfy { $0["role"] as? String == "bank" && $0["power"] as? Int == 0 && $0["node"] as? String == "member" })
            #expect(banks.first?["name"] as? String == "bank-a" && banks.last?["name"] as? String == "bank-ak")
            #expect(Set(orgs.map { $0["address"] as! String }).count == 41, "every node its own port")
            for name in ["bank-a", "bank-ak"] {
                let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/config.json"))) as! [String: Any]
                #expect(config["node"] as? String == "member" && config["observer"] == nil, "\(config)")
            }
            let registryConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/registry/config.json"))) as! [String: Any]
            #expect(registryConfig["node"] == nil)

            // Past what it takes: usage errors (exit 2), and nothing written.
            for (args, says) in [(["--member-banks", "61"], "--member-banks must be 1 to 60"), (["--member-banks", "0"], "--member-banks must be 1 to 60"),
                                 (["--member-banks", "2", "--validators", "4"], "leave out --validators")] {
                let bad = try runner.cli(["cluster", "init", "--dir", runner.dir + "/bad"] + args)
                #expect(bad.status == 2 && bad.err.contains(says), "\(args): \(bad.status) \(bad.err)")
            }
            // Too few open files for the nodes (each inherits this limit): said before anything is written.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "ulimit -n 150 && exec \"$0\" cluster init --dir \"$1\" --member-banks 37", runner.exe, runner.dir + "/bad"]
            let err = Pipe()
            p.standardError = err
            try p.run()
            let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 2 && said.contains("ulimit -n"), "\(p.terminationStatus) \(said)")
            #expect(!FileManager.default.fileExists(atPath: runner.dir + "/bad"))
        }

        /// Issue 26's end-to-end test: the demo's flows on the suggested consortium (`cluster init --member-banks 2`),
        /// each bank through its own member node. Afterwards bank-b's database file (WAL included) and every byte its
        /// node read from the network (`YONGCHAIN_TEST_RECEIVED_BYTES`) hold none of bank-a's transaction bodies —
        /// each whole body and signature, the declaration only it financed, its credit query's purpose — while
        /// bank-a's own database holds them all (the search can find them), nor bank-a's contract hash, which bank-b's
        /// proven lien answers leave out; bank-b verified title, encumbrances, certificate and
        /// pre-check by proof, and duplicate and excess financing were refused across banks. Then bank-b's node is
        /// down while a record it is party to (a governance proposal) commits, and back up it holds that record and
        /// its proven position reaches past it.
        @Test func theDemoOnMemberNodesLeavesBankBNoneOfBankAsBusiness() throws {
            let c = try ClusterHarness(validators: 4, memberBanks: 2, emptyBlockMs: 300)
            #expect(c.nodes.map(\.name) == ["registry", "trade-authority", "central-bank", "credit-platform", "bank-a", "bank-b"])
            let dump = c.dir + "/bank-b-received.bin"
            try c.up(["registry", "trade-authority", "central-bank", "credit-platform", "bank-a"])
            let upB = try c.cli(["cluster", "up", "--dir", c.dir, "--only", "bank-b"], env: ["YONGCHAIN_TEST_RECEIVED_BYTES": dump])
            try #require(upB.status == 0, "\(upB.out) \(upB.err)")

            let r = try c.cli(["demo", "--attach", "--dir", c.dir])
            #expect(r.status == 0 && r.out.contains("23/23 steps as expected"), "\(r.out)\n\(r.err)")
            #expect(!r.out.contains("✗"), "\(r.out)")
            for read in ["verifies the title", "asks again with a wrong salt", "reads the unit's encumbrances", "verifies certificate", "pre-checks declarations"] {
                let line = r.out.components(separatedBy: read).dropFirst().first?.split(separator: "\n").dropFirst().first ?? ""
                #expect(line.contains("✓") && line.contains("proven and checked by bank-b's member node"), "\(read): \(line)")
            }
            #expect(r.out.contains("✓ DUPLICATE_FINANCING") && r.out.contains("✓ EXCESS_FINANCING"), "\(r.out)")
            #expect(r.out.contains("others' bodies 0 of"), "\(r.out)")
            // `cluster status` says which nodes are member nodes, with their heights.
            let st = try c.cli(["cluster", "status", "--dir", c.dir])
            let lineB = st.out.split(separator: "\n").first { $0.hasPrefix("bank-b ") } ?? ""
            #expect(lineB.contains("member") && !lineB.contains("down"), "\(st.out)")

            // bank-a's transactions, whole, as a full node holds them (signed by bank-a's key): each body and each
            // signature, raw and in hex. And fields of them from the demo's output: the declaration only bank-a
            // financed, its credit query's purpose, its contract hash (from the run's salt).
            // Whole blocks go only to a full member's signed request once member nodes run: the registry's.
            let registry = c.url("registry"), tip = c.height("registry")
            let keyA = try KeyFile.read(c.key("bank-a")).publicKey.text, keyB = try KeyFile.read(c.key("bank-b")).publicKey.text
            let registryKey = try KeyFile.read(c.key("registry"))
            let chainID = try c.getJSON(registry + "/v1/status")["chainId"] as? String ?? ""
            var txsA: [[String: Any]] = [], bodiesB: Set<String> = []
            for h in 1...tip {
                let target = "/v1/blocks/\(h)"
                let block = try c.http.send("GET", url: registry + target, headers: RequestAuth.headers(method: "GET", target: target, key: registryKey, chainID: chainID), timeout: 5)
                let json = (try JSONSerialization.jsonObject(with: Data(block.body)) as? [String: Any]) ?? [:]
                let txs = json["transactions"] as? [[String: Any]] ?? []
                txsA += txs.filter { $0["signer"] as? String == keyA }
                bodiesB.formUnion(txs.filter { $0["signer"] as? String == keyB }.compactMap { $0["body"] as? String })
            }
            #expect(txsA.count == 5, "bank-a signed: \(txsA.map { $0["type"] ?? "?" })")
            var secrets: [(String, [UInt8])] = []
            for t in txsA {
                // bank-b's duplicate financing sends the very payload of bank-a's first financing: that body is
                // bank-b's own too (its signature is not).
                for field in ["body", "signature"] where field == "signature" || !bodiesB.contains(t["body"] as? String ?? "") {
                    let text = t[field] as? String ?? ""
                    secrets += [("\(t["type"] ?? "?") \(field)", try #require(Hex.decode(text))), ("\(t["type"] ?? "?") \(field) in hex", Array(text.utf8))]
                }
            }
            let onlyA = try #require(r.out.firstMatch(of: /bank-a finances 300,000.00 USD against declaration ([0-9]{18})/).map { String($0.1) }, "\(r.out)")
            let touchedByB = try #require(r.out.firstMatch(of: /bank-b finances 150,000.00 USD of the 200,000.00 of declaration ([0-9]{18})/).map { String($0.1) })
            secrets += [("declaration \(onlyA)", Array(onlyA.utf8)), ("credit query purpose", Array("trade finance renewal".utf8))]
            let salt = try #require(r.out.firstMatch(of: /registers unit [0-9A-Z]{20}([0-9]{8})/).flatMap { Int($0.1) }, "\(r.out)")
            let contract = HashSuite.sha256.digest(Array("loan contract \(salt)".utf8))

            func bytes(_ paths: [String]) -> [UInt8] { paths.flatMap { FileManager.default.contents(atPath: $0).map { Array($0) } ?? [] } }
            let dbB = "\(c.dir)/bank-b/data/member.sqlite", dbA = "\(c.dir)/bank-a/data/member.sqlite"
            let heldB = bytes([dbB, dbB + "-wal"]), heldA = bytes([dbA, dbA + "-wal"]), received = bytes([dump])
            #expect(heldB.count > 0 && received.count > 0)
            for (what, needle) in secrets {
                #expect(heldB.firstRange(of: needle) == nil, "bank-b's database holds bank-a's \(what)")
                #expect(received.firstRange(of: needle) == nil, "bank-b's node received bank-a's \(what)")
            }
            // Controls: the same search finds bank-a's bodies, signatures and fields in bank-a's own member database…
            for (what, needle) in secrets where !what.hasSuffix("in hex") {
                #expect(heldA.firstRange(of: needle) != nil, "bank-a's database lacks its own \(what): the search proves nothing")
            }
            // …and bank-b's own business in what bank-b's node holds and received.
            #expect(heldB.firstRange(of: Array(touchedByB.utf8)) != nil && received.firstRange(of: Array(touchedByB.utf8)) != nil)
            #expect(heldB.firstRange(of: contract.bytes) == nil && heldB.firstRange(of: Array(contract.hex.utf8)) == nil)
            // The registry's proven answers to bank-b's encumbrance and certificate reads show bank-a's lien (who holds
            // it, priority, since when) and rest on keys that hold nothing more: no contract hash, principal or debtor
            // reaches bank-b in an answer's JSON or in the state entries its proof carries (docs/confidentiality.md,
            // "What verification answers show").
            #expect(received.firstRange(of: Array(contract.hex.utf8)) == nil, "bank-b's node received bank-a's contract hash in an answer")
            for field in [#""principal""#, #""contractHash""#, #""debtor""#] {
                #expect(received.firstRange(of: Array(field.utf8)) == nil, "bank-b's node received a mortgage's \(field) in an answer")
            }

            // bank-b's node down while a record every member is party to commits; back up, it holds it.
            try c.down(["bank-b"])
            let proposal = try c.cli(["governance", "propose", "member-remove", "--name", "bank-a", "--description", "while bank-b is down",
                                      "--key", c.key("registry"), "--node", c.url("registry")])
            #expect(proposal.status == 0, "\(proposal.out) \(proposal.err)")
            let hash = try #require(proposal.out.firstMatch(of: /tx ([0-9a-f]{64})/).map { String($0.1) }, "\(proposal.out)")
            let committed = c.height("registry")
            #expect(c.eventually(20) { c.height("registry") >= committed + 10 }, "the validators did not go on while bank-b was down")
            try c.up(["bank-b"])
            let b = c.url("bank-b")
            #expect(c.eventually(30) { ((try? c.getJSON(b + "/v1/status"))?["provenHeight"] as? Int ?? 0) >= committed },
                    "bank-b's member node did not catch up: \((try? c.getJSON(b + "/v1/status")) ?? [:])")
            let held = try c.http.send("GET", url: b + "/v1/txs/\(hash)", timeout: 5)
            #expect(held.status == 200, "bank-b's node lacks the proposal it is party to: \(String(decoding: held.body, as: UTF8.self))")
        }
    }
}
