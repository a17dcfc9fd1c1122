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
    }
}
