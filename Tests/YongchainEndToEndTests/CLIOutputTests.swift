import Foundation
import Testing

extension EndToEnd {
    /// Every command takes `--output text|json` (issue 31: status, validators, peers, blocks and cluster commands did
    /// not), and an error names the code the docs name, in text as in JSON.
    @Suite(.serialized) struct CLIOutput {
        static func object(_ text: String) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }

        @Test func nodeCommandsPrintJSONOrTextAndErrorsNameTheirCode() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            let node = c.url("registry")
            #expect(c.eventually(10) { c.height("registry") >= 2 })
            for args in [["status"], ["validators"], ["peers"], ["blocks", "show", "latest"], ["blocks", "list"]] {
                let json = try c.cli(args + ["--node", node, "--output", "json"])
                #expect(json.status == 0 && Self.object(json.out) != nil, "\(args) --output json: \(json.out) \(json.err)")
                let text = try c.cli(args + ["--node", node])
                #expect(text.status == 0 && !text.out.isEmpty && Self.object(text.out) == nil, "\(args) in text: \(text.out) \(text.err)")
            }
            let status = try c.cli(["status", "--node", node])
            #expect(status.out.contains("node:        registry (validator 0)") && status.out.contains("health:      ok"), "\(status.out)")
            let block = try c.cli(["blocks", "show", "2", "--node", node])
            #expect(block.out.hasPrefix("block 2 ") && block.out.contains("commit:") && block.out.contains("signed by validators 0"), "\(block.out)")
            #expect(try c.cli(["status", "--node", node, "--output", "yaml"]).status == 2)

            // A refusal: the node's code first in text, {"error":{"code","message"}} on stderr in JSON; exit 1.
            let missing = try c.cli(["blocks", "show", "999999", "--node", node])
            #expect(missing.status == 1 && missing.err.hasPrefix("yongchain: NOT_FOUND: HTTP 404: "), "\(missing.err)")
            let missingJSON = try c.cli(["blocks", "show", "999999", "--node", node, "--output", "json"])
            #expect(missingJSON.status == 1 && (Self.object(missingJSON.err)?["error"] as? [String: Any])?["code"] as? String == "NOT_FOUND", "\(missingJSON.err)")
            // An error of the CLI's own (a home with a genesis and no database to audit) keeps its code too.
            try FileManager.default.createDirectory(atPath: c.dir + "/empty", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: c.genesisPath, toPath: c.dir + "/empty/genesis.json")
            let nothing = try c.cli(["verify", "chain", "--home", c.dir + "/empty", "--output", "json"])
            #expect(nothing.status == 1 && (Self.object(nothing.err)?["error"] as? [String: Any])?["code"] as? String == "NO_DATABASE", "\(nothing.err)")

            let cluster = try c.cli(["cluster", "status", "--dir", c.dir, "--output", "json"])
            let nodes = Self.object(cluster.out)?["nodes"] as? [[String: Any]] ?? []
            #expect(nodes.count == 1 && nodes.first?["up"] as? Bool == true && (nodes.first?["status"] as? [String: Any])?["height"] is Int, "\(cluster.out)")
            let verified = try c.cli(["backup", "--home", c.dir + "/registry", "--out", c.dir + "/b.db", "--output", "json"])
            #expect(Self.object(verified.out)?["height"] is Int, "\(verified.out) \(verified.err)")
        }

        /// `cluster down --dir ABSOLUTE` after `cluster init --dir relative` stops the nodes (it printed nothing and
        /// left them running: the homes were read relative to wherever down ran); `cluster init` sets genesis's
        /// voting rules.
        @Test func aClusterMadeWithARelativeDirIsStoppedFromAnywhereAndInitSetsTheVotingRules() throws {
            let c = try ClusterHarness(validators: 1)
            let parent = c.dir + "/elsewhere"
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            let port = "\(ClusterHarness.nextBasePort())"
            #expect(try c.cli(["cluster", "init", "--dir", "rel", "--validators", "1", "--base-port", port, "--threshold", "1/3"], cwd: parent).status == 2)
            let made = try c.cli(["cluster", "init", "--dir", "rel", "--validators", "1", "--base-port", port, "--threshold", "3/4",
                                  "--voting-period-ms", "60000", "--proposers", "voters", "--output", "json"], cwd: parent)
            #expect(made.status == 0 && (Self.object(made.out)?["governance"] as? [String: Any])?["threshold"] as? String == "3/4", "\(made.out) \(made.err)")
            let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parent + "/rel/registry/genesis.json"))) as? [String: Any]
            let rules = genesis?["governance"] as? [String: Any] ?? [:]
            #expect(rules["thresholdNumerator"] as? Int == 3 && rules["thresholdDenominator"] as? Int == 4 && rules["votingPeriodMs"] as? Int == 60000
                    && rules["proposers"] as? String == "voters", "\(rules)")
            try #require(try c.cli(["cluster", "up", "--dir", "rel"], cwd: parent).status == 0)
            defer { _ = try? c.cli(["cluster", "down", "--dir", parent + "/rel"]) }
            let url = "http://127.0.0.1:\(Int(port)! + 1)/healthz"
            #expect((try? c.http.send("GET", url: url, timeout: 2))?.status == 200)
            let down = try c.cli(["cluster", "down", "--dir", parent + "/rel"], cwd: "/")
            #expect(down.status == 0 && down.out.contains("stopped registry"), "\(down.out) \(down.err)")
            #expect((try? c.http.send("GET", url: url, timeout: 2)) == nil, "the node still answers")
            let again = try c.cli(["cluster", "down", "--dir", parent + "/rel", "--output", "json"], cwd: "/")
            #expect(((Self.object(again.out)?["nodes"] as? [[String: Any]])?.first?["stopped"] as? Bool) == false, "\(again.out)")
        }
    }
}
