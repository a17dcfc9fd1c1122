import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto

extension EndToEnd {
    /// The grey-list on the suggested consortium (docs/greylist.md), through the CLI only: the central bank's node
    /// holds the VRF key, governance admits it, bank-a reports, the supervisor publishes, and bank-b — through its
    /// own member node, which has the central bank's node compute pseudonyms and checks their proofs — checks a listed applicant (a proven hit) and
    /// an unlisted one (a proven miss); after a withdrawal the same applicant is a proven miss. The supervisor reads
    /// both banks' checks; no node's files nor anything a node serves holds an identity number. Where a JDK is
    /// installed, the Java client checks the same two applicants through bank-b's node, verifying every step itself.
    @Suite(.serialized) struct GreylistEndToEndTests {
        static let listed = "11010519491231002X"
        static let unlisted = "91310000MA1FL0001R"

        @Test func aReportedSubjectIsAProvenHitAtAnotherBankAndAMissOnceWithdrawn() throws {
            let c = try ClusterHarness(validators: 4, memberBanks: 2, emptyBlockMs: 300)
            let central = "\(c.dir)/central-bank"
            let keygen = try c.cli(["greylist", "keygen", "--out", "\(central)/greylist-vrf.pem"])
            try #require(keygen.status == 0, "\(keygen.out) \(keygen.err)")
            let vrfKey = keygen.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(vrfKey.hasPrefix("ecvrf-p256:") && vrfKey.count == 11 + 66)
            // Only the central bank's node computes pseudonyms.
            var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(central)/config.json"))) as! [String: Any]
            config["greylistVrfKeyFile"] = "greylist-vrf.pem"
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: "\(central)/config.json"))
            try c.up()
            let validators = ["registry", "trade-authority", "central-bank", "credit-platform"]

            func run(_ args: [String], as org: String, node: String? = nil) throws -> ClusterHarness.Result {
                try c.cli(args + ["--key", c.key(org), "--node", c.url(node ?? org)])
            }
            // Governance admits the VRF key; every authority votes.
            let proposed = try run(["governance", "propose", "greylist-add-key", "--vrf-key", vrfKey, "--output", "json"], as: "central-bank")
            let id = try #require((try? JSONSerialization.jsonObject(with: Data(proposed.out.utf8)) as? [String: Any])?["message"] as? String)
            for org in validators.prefix(3) {  // three of four pass it (more than two thirds)
                let v = try run(["governance", "vote", "--proposal", String(id.dropFirst("proposal ".count)), "--approve"], as: org)
                #expect(v.status == 0, "\(org): \(v.out) \(v.err)")
            }
            // Bank-a reports through its member node (which has the central bank's node compute the pseudonym, and
            // checks its proof); the supervisor publishes.
            let report = try run(["greylist", "report", "--subject", "residentId:\(Self.listed)", "--category", "fraudAccountOpening",
                                  "--evidence-hash", String(repeating: "ab", count: 32)], as: "bank-a")
            #expect(report.status == 0 && report.out.hasPrefix("accepted greylist.report"), "\(report.out) \(report.err)")
            let reportID = try #require(report.out.split(separator: "\n").first { $0.hasPrefix("  tx ") }.map { String($0.dropFirst(5)) })
            // The supervisor publishes only the subject it reviewed: the report's pseudonym recomputed from it. Another
            // identity (a bank reporting someone else's pseudonym with this evidence) is refused, nothing submitted.
            let wrong = try run(["greylist", "review", "--report", reportID, "--publish", "--category", "fraudAccountOpening",
                                 "--subject", "creditCode:\(Self.unlisted)"], as: "central-bank")
            #expect(wrong.status != 0 && (wrong.out + wrong.err).contains("GREYLIST_WRONG_SUBJECT"), "\(wrong.out) \(wrong.err)")
            // The reviewed identity read from a file, not the command line.
            let subjectFile = c.dir + "/subject.txt"
            try "residentId:\(Self.listed)\n".write(toFile: subjectFile, atomically: true, encoding: .utf8)
            let review = try run(["greylist", "review", "--report", reportID, "--publish", "--category", "fraudAccountOpening",
                                  "--subject", "@" + subjectFile], as: "central-bank")
            #expect(review.status == 0 && review.out.hasPrefix("accepted greylist.review"), "\(review.out) \(review.err)")

            // Bank-b checks through its own member node: a proven hit, and a proven miss for an unlisted applicant.
            func check(_ subject: String, as bank: String = "bank-b") throws -> ClusterHarness.Result {
                try run(["greylist", "check", "--subject", subject, "--genesis", c.genesisPath], as: bank)
            }
            let hit = try check("residentId:\(Self.listed)")
            #expect(hit.status == 0 && hit.out.contains("LISTED: fraudAccountOpening") && hit.out.contains("proven at height"), "\(hit.out) \(hit.err)")
            let miss = try check("creditCode:\(Self.unlisted)")
            #expect(miss.status == 0 && miss.out.contains("NOT LISTED"), "\(miss.out) \(miss.err)")
            let checks = [hit, miss].compactMap { r in r.out.split(separator: "\n").first { $0.hasPrefix("  tx ") }.map { String($0.dropFirst(5)) } }
            #expect(checks.count == 2)
            // The Java client (scripts/java/, written from the docs) does the same three steps through bank-b's member node
            // and verifies each itself: the VRF proofs, the answer from genesis, and the answer bound to its applicant.
            let javaChecks = JavaClient.hasJDK ? 2 : 0
            if JavaClient.hasJDK {
                for (subject, expected) in [("residentId:\(Self.listed)", "LISTED: fraudAccountOpening"), ("creditCode:\(Self.unlisted)", "NOT LISTED")] {
                    let java = try JavaClient.main(["greylist-check", "--node", c.url("bank-b"), "--bank", c.key("bank-b"), "--genesis", c.genesisPath,
                                                    "--subject", subject])
                    #expect(java.status == 0 && java.out.hasPrefix(expected + " (check ") && java.out.contains("proven at height"), "\(java.out)")
                }
            }
            // Asked of a full node without the key, pseudonyms are refused, naming the central bank's node.
            let noKey = try run(["greylist", "check", "--subject", "residentId:\(Self.listed)", "--genesis", c.genesisPath, "--vrf-node", c.url("registry")], as: "bank-b")
            #expect(noKey.status != 0 && (noKey.out + noKey.err).contains("GREYLIST_UNAVAILABLE"), "\(noKey.out) \(noKey.err)")

            // Withdrawn, the applicant is a proven miss.
            let withdraw = try run(["greylist", "withdraw", "--subject", "residentId:\(Self.listed)", "--reason", "supervisorDecision"], as: "central-bank")
            #expect(withdraw.status == 0 && withdraw.out.hasPrefix("accepted greylist.withdraw"), "\(withdraw.out) \(withdraw.err)")
            let after = try check("residentId:\(Self.listed)")
            #expect(after.status == 0 && after.out.contains("NOT LISTED"), "\(after.out) \(after.err)")

            // The supervisor sees bank-b's checks in full (it is a party to every check); bank-a, another bank, sees
            // only their leaves. The counts are open.
            for h in checks {
                let shown = try run(["tx", "show", h], as: "central-bank", node: "registry")
                let height = try #require((try? JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])?["height"] as? Int, "\(shown.out)")
                let supervisor = try run(["blocks", "show", String(height), "--output", "json"], as: "central-bank", node: "registry")
                #expect(supervisor.status == 0 && supervisor.out.contains("greylist.check") && supervisor.out.contains(h), "\(supervisor.out) \(supervisor.err)")
                let other = try run(["blocks", "show", String(height), "--output", "json"], as: "bank-a", node: "registry")
                #expect(other.status == 0 && !other.out.contains("greylist.check") && other.out.contains("leaf"), "\(other.out) \(other.err)")
            }
            let stats = try c.getJSON(c.url("registry") + "/v1/greylist/stats")
            let counts = try #require(stats["result"] as? [String: Int])
            #expect(counts["checks"] == 3 + javaChecks && counts["hits"] == 1 + javaChecks / 2 && counts["publications"] == 1 && counts["withdrawals"] == 1 && counts["entries"] == 0,
                    "\(counts)")

            // No identity number in any node's files, nor in anything a node serves; what did go on chain is found.
            try PersonalDataScan.expectNone(c, [Self.listed, Self.unlisted], controls: [], served: validators)
            // Nor a plain hash of one (2^37 resident ids are guessed in hours): the number's and the VRF input's
            // SHA-256 and SM3 digests, raw and in hex, in no node's files.
            let chainID = try #require((try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: c.genesisPath))) as? [String: Any])?["chainId"] as? String)
            let identities = [GreylistIdentity.resident(try ResidentID(Self.listed)), GreylistIdentity.enterprise(try CreditCode(Self.unlisted))]
            let hashed = identities.flatMap { id in [Array(id.idNumber.utf8), id.alpha(chainID: chainID)] }
                .flatMap { input in HashSuite.allCases.map { $0.digest(input) } }
            var homes: [[UInt8]] = []
            for n in c.nodes {
                let home = "\(c.dir)/\(n.name)"
                for name in try FileManager.default.subpathsOfDirectory(atPath: home) {
                    if let data = FileManager.default.contents(atPath: "\(home)/\(name)") { homes.append(Array(data)) }
                }
            }
            #expect(homes.count > 10)
            for digest in hashed {
                for needle in [digest.bytes, Array(digest.hex.utf8)] {
                    #expect(homes.allSatisfy { $0.firstRange(of: needle) == nil }, "a node's file holds the plain hash \(digest.hex) of an identity")
                }
            }
            // The searches would have found what did go there: the report's id (a state key), the grey-list metrics.
            #expect(try !PersonalDataScan.files(c, [reportID]).isEmpty)
            #expect(try !PersonalDataScan.served(c, ["yongchain_greylist_events_total"], only: validators).isEmpty)
        }
    }
}
