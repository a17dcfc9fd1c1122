import Foundation
import Testing
import YongchainApplication

/// scripts/yongchain_tx.py, a client written in Python from docs/transactions.md alone, sharing no code with the
/// node: it reproduces every test vector, and builds, signs and submits every transaction type of both
/// applications to a live cluster. Skipped where there is no python3.
enum IndependentClient {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let script = root + "/scripts/yongchain_tx.py"

    static func run(_ args: [String]) -> (status: Int32, out: String)? { run(program: "python3", args) }

    /// `program` (found on PATH) with `args`: its exit status and its output and errors together; nil if it cannot start.
    static func run(program: String, _ args: [String]) -> (status: Int32, out: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let hasPython: Bool = run(["-c", "import json, urllib.request"])?.status == 0
    static let hasCryptography: Bool = run(["-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"])?.status == 0
    static let hasOpenSSL: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "version"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
    static let hasContractTools: Bool = run(["-c", "import yaml, jsonschema"])?.status == 0
    /// gmssl (PyPI): SM2 and SM3 in pure Python, for the national suite (.ci/run installs it).
    static let hasGmssl: Bool = run(["-c", "import gmssl.sm2, gmssl.sm3"])?.status == 0
    static let hasSchemathesis: Bool = run(["-c", "import schemathesis.cli"])?.status == 0
    /// The backends this machine has: `cryptography` (what a bank's Python would use) and the openssl CLI.
    static var backends: [String] { (hasCryptography ? ["cryptography"] : []) + (hasOpenSSL ? ["openssl"] : []) }
}

extension EndToEnd {
    @Suite(.serialized, .enabled(if: IndependentClient.hasPython, "python3 is not installed")) struct IndependentClientTests {
        @Test func reproducesEveryVectorWithEachSignerBackend() throws {
            #expect(!IndependentClient.backends.isEmpty, "neither the cryptography package nor the openssl command is available")
            for backend in IndependentClient.backends {
                let r = try #require(IndependentClient.run([IndependentClient.script, "vectors", IndependentClient.root + "/docs/transaction-vectors.json",
                                                           "--backend", backend]))
                #expect(r.status == 0 && r.out.contains("all match"), "\(backend): \(r.out)")
                #expect(r.out.contains("\(LedgerApplication.transactionTypes.count) transaction types"), "\(backend): \(r.out)")
            }
        }

        /// The national suite's vectors (SM3 chain, SM2 keys), rebuilt by the client and every SM2 signature in them
        /// checked by a second implementation (gmssl), and the GB/T 32905 examples hashed by it.
        @Test(.enabled(if: IndependentClient.hasGmssl, "gmssl is not installed (.ci/run installs it)"))
        func reproducesTheNationalSuiteVectorsWithGmssl() throws {
            let r = try #require(IndependentClient.run([IndependentClient.script, "vectors", IndependentClient.root + "/docs/transaction-vectors-sm.json"]))
            #expect(r.status == 0 && r.out.contains("all match") && r.out.contains("sm3, SM2 keys"), "\(r.out)")
        }

        /// The same client, against three real nodes: every transaction type committed, every outcome the same on
        /// every node, and the verification answers (read with its own signed requests) what the flow implies. On
        /// the national suite too: an SM3 chain whose members, owners and exporter sign with SM2 (gmssl).
        @Test(arguments: ["standard", "sm"])
        func submitsEveryTransactionTypeToALiveClusterAndReadsTheResultsBack(crypto: String) throws {
            let backend = try #require(IndependentClient.backends.first, "no Ed25519 signer for the client")
            if crypto == "sm" && !IndependentClient.hasGmssl { return }  // skipped: no SM2 signer for the client
            let c = try ClusterHarness(validators: 3, emptyBlockMs: 200, initArgs: ["--crypto", crypto])
            try c.up()
            let nodes = c.nodes.flatMap { ["--node", $0.url] }
            let r = try #require(IndependentClient.run([IndependentClient.script, "flow", "--backend", backend] + nodes
                + ["--registry", c.key("registry"), "--trade-authority", c.key("trade-authority"), "--bank", c.key("bank-a")] + c.vrfPossessionProofs()))
            #expect(r.status == 0, "\(r.out)")
            #expect(r.out.contains(" 0 failed"), "\(r.out)")
            // Every type went through the client, and the node we ask ourselves agrees with what it printed.
            let lines = r.out.split(separator: "\n").filter { $0.hasPrefix("tx ") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(Set(lines.map { String($0[1]) }) == Set(LedgerApplication.transactionTypes), "\(r.out)")
            for l in lines {
                let answer = try c.getJSON(c.url("registry") + "/v1/txs/\(l.last!)")
                #expect(answer["code"] as? String == String(l[2]), "\(l.joined(separator: " ")): the node says \(answer)")
            }
            // Refused on purpose, once each: a second financing of a declaration, a mortgage naming the owners by
            // commitments made with the wrong salts (issue 27), and a sweep of a check record made seconds ago (#30).
            #expect(lines.filter { $0[2] != "OK" }.map { String($0[2]) }.sorted() == ["DUPLICATE_FINANCING", "GREYLIST_NOT_EXPIRED", "NOT_OWNER"], "\(r.out)")
        }

        /// The contract test (issue 15): every operation in docs/openapi.yaml, authenticated ones included, called on a
        /// live cluster with valid and invalid requests; each answer's status is the expected one and documented for
        /// the operation, and its body matches the documented schema (scripts/contract_check.py, jsonschema).
        @Test(.enabled(if: IndependentClient.hasContractTools, "PyYAML and jsonschema are not installed (.ci/run installs them with openapi-spec-validator)"))
        func everyDocumentedOperationAnswersAsItsSchemaSays() throws {
            let backend = try #require(IndependentClient.backends.first, "no Ed25519 signer for the client")
            let c = try ClusterHarness(validators: 3, emptyBlockMs: 200)
            try c.up()
            let r = try #require(IndependentClient.run([IndependentClient.root + "/scripts/contract_check.py", "--spec", IndependentClient.root + "/docs/openapi.yaml",
                                                       "--backend", backend] + c.nodes.flatMap { ["--node", $0.url] }
                + ["--registry", c.key("registry"), "--trade-authority", c.key("trade-authority"), "--bank", c.key("bank-a")] + c.vrfPossessionProofs()))
            let failures = r.out.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
            #expect(r.status == 0 && failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(r.out.suffix(2000))")
            #expect(r.out.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count >= 45, "\(r.out.suffix(2000))")
        }

        /// schemathesis (PyPI) against a live node with signed requests (issue 31): every operation of
        /// docs/openapi.yaml with generated requests the schema accepts and requests it refuses, checked by every
        /// schemathesis check; any mismatch between the node and its document fails (scripts/schemathesis_check.py).
        @Test(.enabled(if: IndependentClient.hasSchemathesis, "schemathesis is not installed (.ci/run installs it)"))
        func schemathesisFindsNoMismatchBetweenTheNodeAndItsDocument() throws {
            let backend = try #require(IndependentClient.backends.first, "no Ed25519 signer for the client")
            let c = try ClusterHarness(validators: 2, emptyBlockMs: 500)
            try c.up()
            let r = try #require(IndependentClient.run([IndependentClient.root + "/scripts/schemathesis_check.py", "--spec", IndependentClient.root + "/docs/openapi.yaml",
                                                       "--backend", backend, "--node", c.url("bank-a"), "--key", c.key("bank-a")]))
            #expect(r.status == 0, "\(r.out.suffix(6000))")
            #expect(r.out.contains("Tested: \(try OpenAPI.operations().count)\n"), "every documented operation is tested: \(r.out.suffix(3000))")
        }
    }
}
