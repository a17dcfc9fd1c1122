import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainNode

extension EndToEnd {
    /// The CLI for integrators (issue 15): sign without sending, submit what was signed elsewhere, print the bytes an
    /// owner signs and attach the signature the owner's device returns.
    @Suite(.serialized) struct IntegratorCLI {
        @Test func ownerSignsOnTheirOwnDeviceAndTheRegistrySignsOfflineThenSubmits() throws {
            let c = try ClusterHarness(validators: 2, emptyBlockMs: 200)
            try c.up()
            let node = c.url("registry")
            let chain = c.chainID
            let ownerKeyFile = "\(c.dir)/owner.key"
            try #require(try c.cli(["keys", "new", "--out", ownerKeyFile]).status == 0)
            let ownerKey = try KeyFile.read(ownerKeyFile)
            let shownKey = try c.cli(["keys", "show", ownerKeyFile, "--output", "json"])
            #expect((try? JSONSerialization.jsonObject(with: Data(shownKey.out.utf8)) as? [String: String])?["publicKey"] == ownerKey.publicKey.text, "\(shownKey.out)")
            let owner = residentID("11010519491231002")
            let unit = "320505001001GB00001F00010001"
            let certificateFile = "\(c.dir)/title-certificate.json"
            let reg = try c.cli(["property", "register", "--key", c.key("registry"), "--node", node, "--unit", unit, "--title", "T-1",
                                 "--owner", "residentId:\(owner):\(ownerKeyFile)", "--area", "8950", "--use", "residential", "--title-out", certificateFile])
            #expect(reg.status == 0, "\(reg.out) \(reg.err)")
            let salt = try titleCertificateSalt(certificateFile)

            // The bank's application, unsigned, as its own system would write it: the owner by the commitment of the
            // identity and salt they handed the bank.
            let bank = try c.orgKey("bank-a")
            let commitment = try PersonOpening(number: owner, saltHex: salt).commitment(.sha256).hex
            let unsigned = """
                {"unitNumber": "\(unit)", "mortgagee": "\(bank.publicKey.text)", "mortgagors": [{"commitment": "\(commitment)"}],
                 "debtor": {"commitment": "\(commitment)"}, "principal": {"minorUnits": 100000000, "currency": "CNY"},
                 "term": {"start": "2021-01-01", "end": "2041-01-01"}, "mortgageType": "general", "contractHash": "\(HashSuite.sha256.digest(Array("contract".utf8)).hex)"}
                """
            let appFile = "\(c.dir)/application.json"
            try unsigned.write(toFile: appFile, atomically: true, encoding: .utf8)

            // 1. The consent bytes, as hex and raw; they are what the application's own code says the owner signs.
            let hex = try c.cli(["mortgage", "consent", "--node", node, "--json", "@\(appFile)"])
            #expect(hex.status == 0, "\(hex.err)")
            let expected = try JSONDecoder().decode(MortgageApplication.self, from: Data(unsigned.utf8)).consentBytes(chainID: chain)
            #expect(hex.out.trimmingCharacters(in: .whitespacesAndNewlines) == Hex.encode(expected))
            let raw = try c.cli(["mortgage", "consent", "--node", node, "--json", "@\(appFile)", "--out", "\(c.dir)/consent.bin"])
            #expect(raw.status == 0 && FileManager.default.contents(atPath: "\(c.dir)/consent.bin").map { [UInt8]($0) } == expected)

            // 2. The owner signs on their device; the bank attaches the signature, checked against the owner's key.
            let signature = ownerKey.sign(expected)
            var forged = signature
            forged[0] ^= 1
            let refused = try c.cli(["mortgage", "attach-signature", "--node", node, "--json", "@\(appFile)", "--mortgagor", "residentId:\(owner):\(salt)",
                                     "--signature", Hex.encode(forged), "--owner-public-key", ownerKey.publicKey.text])
            #expect(refused.status == 1 && refused.err.contains("is not"), "\(refused.out) \(refused.err)")
            let attached = try c.cli(["mortgage", "attach-signature", "--node", node, "--json", "@\(appFile)", "--mortgagor", "residentId:\(owner):\(salt)",
                                      "--signature", Hex.encode(signature), "--owner-public-key", ownerKey.publicKey.text])
            #expect(attached.status == 0, "\(attached.err)")
            #expect(attached.out.contains(Hex.encode(signature)))
            let signedFile = "\(c.dir)/signed-application.json"
            try attached.out.write(toFile: signedFile, atomically: true, encoding: .utf8)

            // Without owner keys, apply refuses an application with a mortgagor who has not signed ...
            let unsignedApply = try c.cli(["mortgage", "apply", "--key", c.key("bank-a"), "--node", node, "--json", "@\(appFile)"])
            #expect(unsignedApply.status == 2 && unsignedApply.err.contains("attach-signature"), "\(unsignedApply.err)")
            // ... and submits the signed one as it is.
            let apply = try c.cli(["mortgage", "apply", "--key", c.key("bank-a"), "--node", node, "--json", "@\(signedFile)"])
            #expect(apply.status == 0 && apply.out.hasPrefix("accepted mortgage.apply"), "\(apply.out) \(apply.err)")
            let applicationId = printedTxHash(apply.out)

            // 3. The registry signs its approval offline: nothing reaches the node until it is submitted.
            let signedTx = try c.cli(["tx", "sign", "--key", c.key("registry"), "--chain-id", chain, "--type", "mortgage.approve",
                                      "--body", #"{"applicationId": "\#(applicationId)"}"#])
            #expect(signedTx.status == 0, "\(signedTx.err)")
            let envelope = try JSONDecoder().decode(TransactionJSON.self, from: Data(signedTx.out.utf8))
            let tx = Transaction(type: envelope.type, body: Hex.decode(envelope.body)!, signer: PublicKey(text: envelope.signer)!,
                                 nonce: UInt64(envelope.nonce)!, signature: Hex.decode(envelope.signature)!)
            #expect(tx.verifySignature(chainID: chain))
            let hash = tx.hash(on: Chain(id: chain, hashSuite: .sha256)).hex
            #expect(try c.http.send("GET", url: node + "/v1/txs/\(hash)", timeout: 5).status == 404, "tx sign sent nothing")
            let txFile = "\(c.dir)/approve.json"
            try signedTx.out.write(toFile: txFile, atomically: true, encoding: .utf8)
            let submitted = try c.cli(["tx", "submit", "--signed", txFile, "--node", c.url("bank-a")])
            #expect(submitted.status == 0 && submitted.out.contains(hash) && submitted.out.contains("\"code\" : \"OK\""), "\(submitted.out) \(submitted.err)")
            // --min-height: read your own write through another node.
            let height = (try? JSONSerialization.jsonObject(with: Data(submitted.out.utf8)) as? [String: Any])?["height"] as? Int ?? 0
            #expect(height > 0)
            let shown = try c.cli(["tx", "show", hash, "--node", node, "--min-height", "\(height)"])
            #expect(shown.status == 0 && shown.out.contains("\"code\" : \"OK\""), "\(shown.out) \(shown.err)")
            let view = try c.cli(["mortgage", "application", "--application", applicationId, "--key", c.key("bank-a"), "--node", node,
                                  "--min-height", "\(height)"])
            #expect(view.status == 0 && view.out.contains("\"state\" : \"registered\""), "\(view.out) \(view.err)")
            #expect(try c.cli(["status", "--node", node, "--min-height", "x"]).status == 2)
            // A retry that waits (the default) prints the committed outcome again; one with --no-wait is a replay.
            let retried = try c.cli(["tx", "submit", "--signed", txFile, "--node", node])
            #expect(retried.status == 0 && retried.out.contains(hash) && retried.out.contains("\"code\" : \"OK\""), "\(retried.out) \(retried.err)")
            let again = try c.cli(["tx", "submit", "--signed", txFile, "--node", node, "--no-wait"])
            #expect(again.status == 1 && again.err.contains("TX_ALREADY_COMMITTED"), "\(again.err)")
            // With --output json the error is JSON too, with the node's code.
            let againJSON = try c.cli(["tx", "submit", "--signed", txFile, "--node", node, "--no-wait", "--output", "json"])
            let error = (try? JSONSerialization.jsonObject(with: Data(againJSON.err.utf8)) as? [String: Any])?["error"] as? [String: Any]
            #expect(againJSON.status == 1 && error?["code"] as? String == "TX_ALREADY_COMMITTED", "\(againJSON.err)")
            let mixed = try c.cli(["tx", "submit", "--signed", txFile, "--type", "mortgage.approve", "--node", node])
            #expect(mixed.status == 2)

            // 4. --output json: the node's answer, for scripts.
            let seize = try c.cli(["property", "seize", "--key", c.key("registry"), "--node", node, "--unit", unit, "--court-order", "(2021)1号",
                                   "--output", "json"])
            let answer = try JSONSerialization.jsonObject(with: Data(seize.out.utf8)) as? [String: Any]
            #expect(seize.status == 0 && answer?["status"] as? String == "accepted" && answer?["code"] as? String == "OK", "\(seize.out) \(seize.err)")
        }

        /// Help is true: every option the help of a transaction or query command shows is one the command accepts,
        /// and the example `genesis --help` gives runs as printed.
        @Test func everyOptionTheHelpShowsIsAcceptedAndTheGenesisExampleRuns() throws {
            let exe = ClusterHarness.executable()
            func run(_ args: [String], in dir: String? = nil) throws -> (Int32, String, String) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: exe)
                p.arguments = args
                if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
                let out = Pipe(), err = Pipe()
                p.standardOutput = out
                p.standardError = err
                try p.run()
                let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
            }
            func options(_ help: String) -> Set<String> {
                let words = help.split(whereSeparator: { !($0.isLetter || $0 == "-") }).map(String.init)
                return Set(words.filter { $0.hasPrefix("--") && $0.count > 2 && $0 != "--help" && $0.dropFirst(2).first?.isLetter == true })
            }
            // Every network call goes to a closed port, so nothing is sent anywhere.
            let nowhere = ["--node", "http://127.0.0.1:9"]
            var checked = 0
            for group in ["property", "mortgage", "trade"] {
                let (_, help, _) = try run([group, "--help"])
                let subs = help.split(separator: "\n").compactMap { line -> String? in
                    let parts = line.split(separator: " ")
                    return line.hasPrefix("  \(group) ") && parts.count > 1 ? String(parts[1]) : nil
                }
                #expect(subs.count >= 5, "\(group): \(help)")
                for sub in subs {
                    let (_, subHelp, _) = try run([group, sub, "--help"])
                    for option in options(subHelp) {
                        let (_, _, err) = try run([group, sub, option, "x"] + nowhere)
                        #expect(!err.contains("unknown option"), "\(group) \(sub) --help shows \(option), which it refuses: \(err)")
                        checked += 1
                    }
                }
            }
            let (_, txHelp, _) = try run(["tx", "--help"])
            for line in txHelp.split(separator: "\n") where line.hasPrefix("yongchain tx ") {
                let sub = String(line.split(separator: " ")[2])
                for option in options(String(line)) {
                    let (_, _, err) = try run(["tx", sub, option, "x"] + nowhere)
                    #expect(!err.contains("unknown option"), "tx \(sub) shows \(option), which it refuses: \(err)")
                    checked += 1
                }
            }
            #expect(checked > 60, "only \(checked) options checked")

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-help-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let (_, genesisHelp, _) = try run(["genesis", "--help"])
            // The example: the line after "Example:" and its `\` continuations (other subcommands' help follows).
            var exampleLines: [Substring] = []
            for line in try #require(genesisHelp.components(separatedBy: "Example:\n").dropFirst().first).split(separator: "\n") {
                exampleLines.append(line)
                if !line.hasSuffix("\\") { break }
            }
            let example = exampleLines.joined(separator: "\n")
                .replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            try #require(example.first == "yongchain", "\(example)")
            #expect(try run(["keys", "new", "--out", "reg.key"], in: dir).0 == 0)
            let (status, out, err) = try run(Array(example.dropFirst()), in: dir)
            #expect(status == 0 && FileManager.default.fileExists(atPath: dir + "/genesis.json"), "\(example.joined(separator: " ")): \(out) \(err)")
        }

        /// `trade finance --help` shows the pledge format the command parses, and a malformed pledge is reported
        /// under the option the user typed.
        @Test func tradeFinanceHelpShowsThePledgeFormatItParses() throws {
            let exe = ClusterHarness.executable()
            func run(_ args: [String]) throws -> (Int32, String, String) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: exe)
                p.arguments = args
                let out = Pipe(), err = Pipe()
                p.standardOutput = out
                p.standardError = err
                try p.run()
                let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
            }
            let (_, help, _) = try run(["trade", "finance", "--help"])
            #expect(help.contains("--pledge NUMBER:EXPORTER:AMOUNT_MINOR:CURRENCY:YYYYMMDD:DIGEST:PLEDGE_MINOR"), "\(help)")
            let (status, _, err) = try run(["trade", "finance", "--exporter", creditCode(1), "--amount", "100", "--pledge", "223120200000000001:100"])
            #expect(status == 2 && err.contains("--pledge") && !err.contains("--declaration"), "\(err)")
            // The format shown parses: a well-formed pledge gets past option parsing (and then needs a key).
            let pledge = "223120200000000001:\(creditCode(1)):100:CNY:20200315:\(String(repeating: "ab", count: 32)):100"
            let (okStatus, _, okErr) = try run(["trade", "finance", "--exporter", creditCode(1), "--amount", "100", "--pledge", pledge])
            #expect(okStatus == 2 && okErr.contains("missing --key"), "\(okErr)")
            for group in ["tx", "mortgage"] {
                let (_, text, _) = try run([group, "--help"])
                #expect(text.contains(group == "tx" ? "tx sign" : "attach-signature"), "\(text)")
            }
        }
    }
}
