import Foundation
import Testing

extension EndToEnd {
    /// `yongchain governance` against a live cluster, as operators run docs/governance.md's runbook: a bank's card
    /// proposed and voted in, the proposal read back, refusals with their codes, and a forced key rotation whose
    /// old key is refused.
    @Suite(.serialized) struct GovernanceCLI {
        @Test func bankJoinsByVoteAndALostKeyIsReplaced() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let node = c.url("bank-a")
            func run(_ args: [String], as org: String) throws -> ClusterHarness.Result {
                try c.cli(["governance"] + args + ["--key", c.key(org), "--node", node])
            }
            func json(_ r: ClusterHarness.Result) -> [String: Any] {
                (try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]) ?? [:]
            }

            // The joining bank's card, as `org init` writes it on its own host.
            let home = "\(c.dir)/bank-e"
            let initialised = try c.cli(["org", "init", "--home", home, "--name", "bank-e", "--role", "bank", "--address", "http://127.0.0.1:1", "--power", "0"])
            try #require(initialised.status == 0, "\(initialised.err)")

            let proposed = try run(["propose", "member-add", "--card", "\(home)/member.json", "--description", "admit bank-e", "--output", "json"], as: "bank-a")
            #expect(proposed.status == 0 && json(proposed)["code"] as? String == "OK", "\(proposed.out) \(proposed.err)")
            let open = try run(["list", "--status", "open", "--output", "json"], as: "registry")
            let listed = ((json(open)["result"] as? [String: Any])?["proposals"] as? [[String: Any]]) ?? []
            let id = try #require(listed.last?["id"] as? Int, "\(open.out) \(open.err)")
            #expect((listed.last?["voters"] as? [Any])?.count == 4)
            #expect(json(proposed)["message"] as? String == "proposal \(id)", "the outcome names the proposal: \(proposed.out)")

            for org in ["registry", "trade-authority", "bank-a"] {
                let v = try run(["vote", "--proposal", "\(id)", "--approve"], as: org)
                #expect(v.status == 0 && v.out.hasPrefix("accepted governance.vote"), "\(org): \(v.out) \(v.err)")
            }
            let shown = json(try run(["show", "\(id)", "--output", "json"], as: "bank-b"))["result"] as? [String: Any] ?? [:]
            #expect(shown["status"] as? String == "passed" && (shown["outcome"] as? [String: Any])?["code"] as? String == "OK", "\(shown)")
            #expect(shown["effectiveHeight"] as? Int == (shown["decidedHeight"] as? Int).map { $0 + 1 }, "a member without power: next height")

            // Refusals carry their code and exit 1.
            let late = try run(["vote", "--proposal", "\(id)", "--reject"], as: "bank-b")
            #expect(late.status == 1 && late.err.contains("PROPOSAL_CLOSED"), "\(late.out) \(late.err)")
            let quorum = try run(["propose", "set-power", "--name", "bank-e", "--power", "2"], as: "bank-a")
            #expect(quorum.status == 1 && quorum.err.contains("WOULD_BREAK_QUORUM"), "\(quorum.out) \(quorum.err)")
            let fullOnly = try run(["propose", "set-node", "--name", "bank-a", "--kind", "member"], as: "bank-b")
            #expect(fullOnly.status == 1 && fullOnly.err.contains("VALIDATOR_MUST_BE_FULL"), "\(fullOnly.out) \(fullOnly.err)")
            let missing = try run(["show", "999999"], as: "bank-a")
            #expect(missing.status == 1 && missing.err.contains("PROPOSAL_NOT_FOUND"), "\(missing.err)")
            let stray = try run(["propose", "member-remove", "--name", "bank-e", "--power", "1"], as: "bank-a")
            #expect(stray.status == 2 && stray.err.contains("--power is not an option of governance propose member-remove"), "\(stray.err)")

            // bank-e's key is lost: another member proposes the replacement (forced), and the old key is refused.
            let newKey = "\(c.dir)/bank-e-new.key"
            try #require(try c.cli(["keys", "new", "--out", newKey]).status == 0)
            let rotate = try run(["propose", "rotate-key", "--name", "bank-e", "--new-key", newKey, "--description", "key lost"], as: "bank-b")
            #expect(rotate.status == 0, "\(rotate.out) \(rotate.err)")
            let rotation = try #require(((json(try run(["list", "--status", "open", "--output", "json"], as: "registry"))["result"] as? [String: Any])?["proposals"]
                as? [[String: Any]])?.last?["id"] as? Int)
            #expect(rotate.out.hasPrefix("accepted governance.propose at height ") && rotate.out.contains(": proposal \(rotation)\n"), "\(rotate.out)")
            for org in ["registry", "trade-authority", "bank-a"] {
                #expect(try run(["vote", "--proposal", "\(rotation)", "--approve"], as: org).status == 0)
            }
            let old = try c.cli(["governance", "propose", "member-remove", "--name", "bank-b", "--key", "\(home)/node.key", "--node", node])
            #expect(old.status == 1 && old.err.contains("KEY_REVOKED"), "\(old.out) \(old.err)")
        }
    }
}
