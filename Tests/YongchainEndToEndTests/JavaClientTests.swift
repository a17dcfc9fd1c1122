import Foundation
import Testing
import YongchainApplication
import YongchainCrypto

/// scripts/java/, a client written in Java (JDK 17, the JDK alone) from docs/transactions.md, docs/api-auth.md and
/// docs/proofs.md: compiled with javac, it reproduces the transaction vectors, checks every proof vector and
/// proven answer from genesis, and drives a live cluster (every transaction type, signed requests, a session, a
/// proven answer verified offline). Skipped where there is no JDK (.ci/run installs openjdk-17-jdk-headless).
enum JavaClient {
    static let root = IndependentClient.root
    static func run(_ exe: String, _ args: [String]) -> (status: Int32, out: String)? { IndependentClient.run(program: exe, args) }

    /// The JDK's own P-256 arithmetic, which `ECVRF.java` verifies with and JDK 17 does not export (scripts/java/README.md,
    /// "The VRF"): the same flags for javac and java.
    static let exports = ["--add-modules", "jdk.crypto.ec"] + ["jdk.crypto.ec/sun.security.ec", "jdk.crypto.ec/sun.security.ec.point",
                                                             "java.base/sun.security.util.math"].flatMap { ["--add-exports", $0 + "=ALL-UNNAMED"] }

    static let hasJDK: Bool = run("javac", ["-version"])?.status == 0 && run("java", ["-version"])?.status == 0

    /// The client's classes, compiled once per test run into a directory of their own.
    static let classes: Result<String, Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-java-\(UUID().uuidString.prefix(8))").path
        let src = root + "/scripts/java/src/yongchain"
        let files = try FileManager.default.contentsOfDirectory(atPath: src).filter { $0.hasSuffix(".java") }.map { src + "/" + $0 }
        let r = run("javac", ["-Xlint:all", "-Werror"] + exports + ["-d", dir] + files)
        guard let r, r.status == 0 else { throw JavaError(message: "javac failed: \(r?.out ?? "not run")") }
        return dir
    }

    struct JavaError: Error { let message: String }

    static func main(_ args: [String]) throws -> (status: Int32, out: String) {
        try #require(run("java", exports + ["-cp", try classes.get(), "yongchain.Main"] + args))
    }
}

extension EndToEnd {
    @Suite(.serialized, .enabled(if: JavaClient.hasJDK, "no JDK (javac and java) is installed")) struct JavaClientTests {
        @Test func reproducesTheTransactionVectorsAndChecksEveryProofVectorFromGenesis() throws {
            let tx = try JavaClient.main(["vectors", JavaClient.root + "/docs/transaction-vectors.json"])
            #expect(tx.status == 0 && tx.out.contains(" 0 failed") && tx.out.contains("\(LedgerApplication.transactionTypes.count) transaction types"), "\(tx.out)")
            let proofs = try JavaClient.main(["proof-vectors", JavaClient.root + "/docs/proof-vectors.json", JavaClient.root + "/docs/proof-answer-vectors.json"])
            #expect(proofs.status == 0 && proofs.out.contains(" 0 failed"), "\(proofs.out)")
        }

        /// ECVRF-P256-SHA256-TAI in Java on the JDK's own P-256 arithmetic: RFC 9381's examples 10 to 12 (beta and the
        /// intermediate H, U, V), the grey-list subjects' alpha and pseudonyms, and every bad input of
        /// docs/vrf-vectors.json refused with its code (a proof for another input or under another key among them).
        /// Question 9's answers, bound to their applicants, are checked by `proof-vectors` above.
        @Test func verifiesTheVRFVectorsAndRefusesEveryBadInput() throws {
            let vrf = try JavaClient.main(["vrf-vectors", JavaClient.root + "/docs/vrf-vectors.json"])
            #expect(vrf.status == 0 && vrf.out.contains("19 bad inputs refused") && vrf.out.contains(" 0 failed"), "\(vrf.out)")
        }

        /// Against three real nodes over TLS 1.3, each accepted by its node key from genesis: every transaction type
        /// committed and read back from every node, retries, signed reads, a session, and proven answers checked
        /// offline from the genesis file. A node presenting a key that is not pinned is refused. Then a proven
        /// answer saved by the CLI is checked by the Java verifier, and a forged one refused.
        @Test func drivesALiveClusterOverPinnedTLSAndVerifiesProvenAnswersOffline() throws {
            let c = try ClusterHarness(validators: 3, emptyBlockMs: 200, tls: true)
            try c.up()
            let keys = try c.genesisMemberKeys()
            let pinned = try JavaClient.main(["status", "--node", c.url("registry"), "--pin", "ed25519:" + Hex.encode(keys["registry"]!)])
            #expect(pinned.status == 0 && pinned.out.hasPrefix("HTTP 200"), "\(pinned.out)")
            let wrong = try JavaClient.main(["status", "--node", c.url("registry"), "--pin", "ed25519:" + Hex.encode(keys["bank-a"]!)])
            #expect(wrong.status == 1 && wrong.out.hasPrefix("REFUSED"), "\(wrong.out)")
            let r = try JavaClient.main(["flow"] + c.nodes.flatMap { ["--node", $0.url] } + ["--registry", c.key("registry"),
                "--trade-authority", c.key("trade-authority"), "--bank", c.key("bank-a"), "--genesis", c.genesisPath] + c.vrfPossessionProofs())
            #expect(r.status == 0 && r.out.contains(" 0 failed"), "\(r.out)")
            let lines = r.out.split(separator: "\n").filter { $0.hasPrefix("tx ") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(Set(lines.map { String($0[1]) }) == Set(LedgerApplication.transactionTypes), "\(r.out)")
            #expect(r.out.contains("proven credit record at height"), "\(r.out)")

            let answer = "\(c.dir)/encumbrances.json"
            _ = try c.cli(["property", "encumbrances", "--unit", "320505001001GB00001F00010077", "--key", c.key("bank-a"),
                           "--node", c.url("registry"), "--prove", answer])
            let v = try JavaClient.main(["verify", "--genesis", c.genesisPath, answer])
            #expect(v.status == 0 && v.out.hasPrefix("PROVEN at height") && v.out.contains("refused NOT_FOUND"), "\(v.out)")
            let stale = try JavaClient.main(["verify", "--genesis", c.genesisPath, "--min-height", "1000000", answer])
            #expect(stale.status == 1 && stale.out.contains("PROOF_HEIGHT_TOO_LOW"), "\(stale.out)")
            let text = try String(contentsOfFile: answer, encoding: .utf8)
            try text.replacingOccurrences(of: "NOT_FOUND", with: "UNKNOWN_QUERY").write(toFile: answer, atomically: true, encoding: .utf8)
            let forged = try JavaClient.main(["verify", "--genesis", c.genesisPath, answer])
            #expect(forged.status == 1 && forged.out.contains("PROOF_ANSWER_MISMATCH"), "\(forged.out)")
        }
    }
}
