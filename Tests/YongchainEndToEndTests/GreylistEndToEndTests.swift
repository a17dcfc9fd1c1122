import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto

extension EndToEnd {
    /// The grey-list on the suggested consortium (docs/greylist.md), through the CLI only: the central bank's node
    /// holds the VRF key, governance admits it, bank-a reports, the supervisor publishes, and bank-b — through its
    /// own member node, which has the central bank's node compute pseudonyms and checks their proofs — checks a listed applicant (a proven hit) and
    /// an unlisted one (a proven miss); after a withdrawal the same applicant is a proven miss, and so is one whose
    /// entry expired (governance sets a lifetime of seconds). The supervisor reads the checks; no node's files nor
    /// anything a node serves holds an identity number. Where a JDK is installed, the Java client checks the first
    /// two applicants through bank-b's node, verifying every step itself.
    @Suite(.serialized) struct GreylistEndToEndTests {
        static let listed = "11010519491231002X"
        static let unlisted = "91310000MA1FL0001R"
        static let expiring = "110105198001010016"
        /// The entry lifetime governance sets for the expiring applicant (the floor is 1 s).
        static let lifetimeMs: Int64 = 2_000

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
            // Governance admits the VRF key, proved by the key file (a public key alone is refused); every authority votes.
            let proposed = try run(["governance", "propose", "greylist-add-key", "--vrf-key-file", "\(central)/greylist-vrf.pem", "--output", "json"],
                                   as: "central-bank")
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

            // Expired, an applicant is a proven miss: governance shortens the entry lifetime to seconds, the supervisor
            // publishes a third applicant, and once a block's time is past the expiry bank-b's check is NOT LISTED, the
            // proven answer showing the entry itself (its category and expiry) with `listed` false.
            let parameters = #"{"entryLifetimeMs":\#(Self.lifetimeMs),"checkAnswerWindowMs":600000,"checkRecordLifetimeMs":604800000,"maxChecksPerBankPerDay":20000,"maxPendingReportsPerBank":1000,"maxPendingAppealsPerBank":200}"#
            let setting = try run(["governance", "propose", "greylist-set-parameters", "--parameters", parameters, "--output", "json"], as: "central-bank")
            let settingID = try #require((try? JSONSerialization.jsonObject(with: Data(setting.out.utf8)) as? [String: Any])?["message"] as? String,
                                         "\(setting.out) \(setting.err)")
            for org in validators.prefix(3) {
                let v = try run(["governance", "vote", "--proposal", String(settingID.dropFirst("proposal ".count)), "--approve"], as: org)
                #expect(v.status == 0, "\(org): \(v.out) \(v.err)")
            }
            let expiring = try run(["greylist", "report", "--subject", "residentId:\(Self.expiring)", "--category", "accountTrading",
                                    "--evidence-hash", String(repeating: "cd", count: 32)], as: "bank-a")
            let expiringID = try #require(expiring.out.split(separator: "\n").first { $0.hasPrefix("  tx ") }.map { String($0.dropFirst(5)) },
                                          "\(expiring.out) \(expiring.err)")
            let published = try run(["greylist", "review", "--report", expiringID, "--publish", "--category", "accountTrading",
                                     "--subject", "residentId:\(Self.expiring)"], as: "central-bank")
            #expect(published.status == 0 && published.out.hasPrefix("accepted greylist.review"), "\(published.out) \(published.err)")
            // The review's block time is at most now (block time is the proposer's clock, on this machine).
            let expiresBy = Int64(Date().timeIntervalSince1970 * 1000) + Self.lifetimeMs
            #expect(c.eventually(20) { ((try? c.getJSON(c.url("registry") + "/v1/status"))?["latestBlockTime"] as? Int).map { Int64($0) > expiresBy } ?? false })
            let expired = try run(["greylist", "check", "--subject", "residentId:\(Self.expiring)", "--genesis", c.genesisPath, "--output", "json"],
                                  as: "bank-b")
            // The submitted check's result, then the verified answer on the last line.
            let last = expired.out.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            let answer = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
            let shown = (answer["subjects"] as? [[String: Any]])?.first ?? [:]
            #expect(expired.status == 0 && answer["listed"] as? Bool == false && answer["proven"] as? Bool == true, "\(expired.out) \(expired.err)")
            #expect(shown["listed"] as? Bool == false && shown["category"] as? String == "accountTrading"
                        && (shown["expiresAt"] as? Int).map { Int64($0) <= expiresBy } == true, "an expired entry, not an absent one: \(shown)")

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
            // The expired entry is held until a sweep removes it.
            #expect(counts["checks"] == 4 + javaChecks && counts["hits"] == 1 + javaChecks / 2 && counts["publications"] == 2 && counts["withdrawals"] == 1 && counts["entries"] == 1,
                    "\(counts)")

            // No identity number in any node's files, nor in anything a node serves; what did go on chain is found.
            try PersonalDataScan.expectNone(c, [Self.listed, Self.unlisted, Self.expiring], controls: [], served: validators)
            // Nor a plain hash of one (2^37 resident ids are guessed in hours): the number's and the VRF input's
            // SHA-256 and SM3 digests, raw and in hex, in no node's files.
            let chainID = try #require((try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: c.genesisPath))) as? [String: Any])?["chainId"] as? String)
            let identities = [GreylistIdentity.resident(try ResidentID(Self.listed)), GreylistIdentity.enterprise(try CreditCode(Self.unlisted)),
                              GreylistIdentity.resident(try ResidentID(Self.expiring))]
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
