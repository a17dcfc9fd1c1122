import Foundation
import Testing

extension EndToEnd {
    @Suite(.serialized) struct Demo {
        /// Issue 6, item 8: `yongchain demo --exit` brings up the suggested consortium (issue 26: four authorities
        /// validating, bank-a and bank-b on member nodes), runs both seed flows through
        /// the HTTP API, prints each step and the status page, stops the cluster and exits 0. Over TLS 1.3 (issue 17):
        /// the demo cluster is encrypted unless `--plain`.
        @Test func demoRunsBothFlowsAndExitsCleanly() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-demo-\(UUID().uuidString.prefix(8))").path
            let port = ClusterHarness.nextBasePort()
            let runner = try ClusterHarness(validators: 1)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try runner.cli(["demo", "--exit", "--dir", dir, "--base-port", "\(port)"])
            #expect(r.status == 0, "\(r.out)\n\(r.err)")
            #expect(r.out.contains("23/23 steps as expected"), "\(r.out)")
            #expect(r.out.contains("✓ DUPLICATE_FINANCING") && r.out.contains("✓ EXCESS_FINANCING"))
            // The suggested consortium: the banks act through member nodes that check every answer by proof.
            #expect(r.out.contains("4 validators, 2 member nodes"), "\(r.out)")
            #expect(r.out.contains("proven and checked by bank-b's member node") && r.out.contains("others' bodies 0 of"), "\(r.out)")
            #expect(r.out.contains("TLS 1.3"))
            #expect(r.out.contains("Status page: https://127.0.0.1:\(port + 1)/"))
            #expect(!r.out.contains("✗"))
            // The cluster is down afterwards.
            #expect((try? runner.http.send("GET", url: "http://127.0.0.1:\(port + 1)/healthz", timeout: 1)) == nil)
        }

        /// Issue 27: the demo's owner travels as a salt from the registry to the owner to the banks, and after both
        /// flows no node holds or serves the owner's identity number, name or salt, in any encoding.
        @Test func theDemoLeavesNoOnesIdentityOnAnyNode() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 300)
            try c.up()
            let r = try c.cli(["demo", "--attach", "--dir", c.dir])
            #expect(r.status == 0 && r.out.contains("21/21 steps as expected"), "\(r.out)\n\(r.err)")
            #expect(r.out.contains("✓ NOT_OWNER") && r.out.contains("match: false"), "\(r.out)")
            let salt = try #require(r.out.firstMatch(of: /gives the owner their salt ([0-9a-f]{32})/).map { String($0.1) }, "\(r.out)")
            let unit = try #require(r.out.firstMatch(of: /registers unit ([0-9A-Z]{28})/).map { String($0.1) }, "\(r.out)")
            let commitment = try #require(r.out.firstMatch(of: /commitment ([0-9a-f]{16})…/).map { String($0.1) }, "\(r.out)")
            try PersonalDataScan.expectNone(c, ["11010519491231002X", "Li Wei", salt], controls: [unit])
            #expect(try !PersonalDataScan.served(c, [commitment]).isEmpty, "the blocks carry the owner's commitment")
        }

        @Test func demoPlainRunsWithoutTLS() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-demo-\(UUID().uuidString.prefix(8))").path
            let port = ClusterHarness.nextBasePort()
            let runner = try ClusterHarness(validators: 1)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try runner.cli(["demo", "--exit", "--plain", "--dir", dir, "--base-port", "\(port)"])
            #expect(r.status == 0, "\(r.out)\n\(r.err)")
            #expect(r.out.contains("23/23 steps as expected"), "\(r.out)")
            #expect(r.out.contains("Status page: http://127.0.0.1:\(port + 1)/"))
        }
    }
}
