import Foundation
import Testing
import YongchainApplication
import YongchainCrypto

extension EndToEnd {
    /// Issue 14: a bank with no node of its own asks someone else's node with `--prove`, and checks every answer
    /// offline with `yongchain verify answer` and nothing but genesis.json.
    @Suite(.serialized) struct Proofs {
        @Test func aBankWithoutANodeGetsProvenAnswersItChecksFromGenesisAlone() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            // The bank keeps only the genesis file, copied from a node it does not run.
            let genesis = "\(c.dir)/bank-copy-of-genesis.json"
            try FileManager.default.copyItem(atPath: "\(c.dir)/registry/genesis.json", toPath: genesis)
            func verify(_ file: String) throws -> (status: Int32, json: [String: Any], text: String) {
                let r = try c.cli(["verify", "answer", "--genesis", genesis, "--output", "json", file])
                let json = (try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) as? [String: Any] ?? [:]
                return (r.status, json, r.out + r.err)
            }
            let asB = ["--key", c.key("bank-b"), "--node", c.url("registry")]

            // Trade: a declaration never financed, proven; then financed by bank-a, proven.
            let entKey = "\(c.dir)/exporter.key"
            #expect(try c.cli(["keys", "new", "--out", entKey]).status == 0)
            let code = creditCode(778)
            #expect(try c.cli(["trade", "enterprise-register", "--key", c.key("trade-authority"), "--node", c.url("trade-authority"),
                               "--credit-code", code, "--name", "Kunshan Export Co.", "--public-key", entKey]).status == 0)
            let decl = "223120200000000077:\(code):500000:USD:20200315:\(HashSuite.sha256.digest(Array("doc 77".utf8)).hex)"
            #expect(try c.cli(["trade", "publish", "--key", c.key("trade-authority"), "--node", c.url("trade-authority"), "--declaration", decl]).status == 0)

            let never = "\(c.dir)/never-financed.json"
            let pre = try c.cli(["trade", "precheck", "--declaration", decl, "--number", "223120200000000078", "--prove", never] + asB)
            #expect(pre.status == 0, "\(pre.out) \(pre.err)")
            let v1 = try verify(never)
            #expect(v1.status == 0, "\(v1.text)")
            let items1 = ((v1.json["result"] as? [String: Any])?["declarations"] as? [[String: Any]]) ?? []
            #expect(items1.count == 2 && items1[0]["code"] as? String == "OK" && items1[0]["pledged"] as? Int == 0 && items1[0]["free"] as? Int == 500000,
                    "never financed: \(items1)")
            #expect(items1.count == 2 && items1[1]["code"] as? String == "FAKE_DECLARATION" && items1[1]["known"] as? Bool == false,
                    "an unknown declaration is proven absent: \(items1)")

            let fin = try c.cli(["trade", "finance", "--key", c.key("bank-a"), "--node", c.url("bank-a"), "--exporter", code,
                                 "--amount", "400000", "--currency", "USD", "--pledge", decl + ":400000"])
            #expect(fin.status == 0, "\(fin.out) \(fin.err)")
            let financedAt = try c.getJSON(c.url("bank-a") + "/v1/txs/\(printedTxHash(fin.out))")["height"] as? Int ?? 0
            c.waitForHeight(financedAt)
            let financed = "\(c.dir)/financed.json"
            #expect(try c.cli(["trade", "precheck", "--number", "223120200000000077", "--prove", financed] + asB).status == 0)
            let v2 = try verify(financed)
            #expect(v2.status == 0, "\(v2.text)")
            let item2 = (((v2.json["result"] as? [String: Any])?["declarations"] as? [[String: Any]]) ?? []).first ?? [:]
            #expect(item2["pledged"] as? Int == 400000 && item2["free"] as? Int == 100000, "financed: \(item2)")
            #expect((v2.json["height"] as? Int ?? 0) >= financedAt && (v1.json["height"] as? Int ?? .max) < financedAt)

            // The credit record names who financed it and for how much: bank-b, authorised by the exporter, logs its
            // query and saves the proven record; the query log is proven to the exporter the same way.
            let bankA = try c.orgKey("bank-a").publicKey.text, bankB = try c.orgKey("bank-b").publicKey.text
            #expect(try c.cli(["trade", "grant", "--key", entKey, "--node", c.url("registry"), "--bank", bankB, "--expires-in", "3600"]).status == 0)
            let creditFile = "\(c.dir)/credit-record.json", logFile = "\(c.dir)/query-log.json"
            let q = try c.cli(["trade", "query", "--enterprise", code, "--purpose", "pre-loan review", "--prove", creditFile] + asB)
            #expect(q.status == 0, "\(q.out) \(q.err)")
            let vc = try verify(creditFile)
            let financings = ((vc.json["result"] as? [String: Any])?["financings"] as? [[String: Any]]) ?? []
            #expect(vc.status == 0 && financings.count == 1 && financings.first?["bank"] as? String == bankA
                    && (financings.first?["amount"] as? [String: Any])?["minorUnits"] as? Int == 400000, "\(vc.text)")
            #expect(try c.cli(["trade", "queries", "--enterprise", code, "--key", entKey, "--node", c.url("bank-a"), "--prove", logFile]).status == 0)
            let vl = try verify(logFile)
            let logged = ((vl.json["result"] as? [String: Any])?["queries"] as? [[String: Any]]) ?? []
            #expect(vl.status == 0 && logged.contains { $0["bank"] as? String == bankB && $0["purpose"] as? String == "pre-loan review" }, "\(vl.text)")

            // Mortgage: a proven title and a proven (empty, then non-empty) encumbrance list; an unregistered unit
            // is proven absent (the 404 carries its proof).
            let unit = "320505001001GB00001F00010077", title = "苏(2020)苏州市不动产权第0000077号", owner = residentID("11010519491231002")
            let ownerKey = "\(c.dir)/owner.key"
            #expect(try c.cli(["keys", "new", "--out", ownerKey]).status == 0)
            let certificateFile = "\(c.dir)/title-certificate.json"
            #expect(try c.cli(["property", "register", "--key", c.key("registry"), "--node", c.url("registry"), "--unit", unit, "--title", title,
                               "--owner", "residentId:\(owner):\(ownerKey)", "--area", "8950", "--use", "residential", "--title-out", certificateFile]).status == 0)
            let salt = try titleCertificateSalt(certificateFile)
            let titleFile = "\(c.dir)/title.json", encFile = "\(c.dir)/encumbrances.json", noUnit = "\(c.dir)/no-unit.json"
            #expect(try c.cli(["property", "verify-title", "--title", title, "--owner", "residentId:\(owner):\(salt)", "--prove", titleFile] + asB).status == 0)
            #expect(try c.cli(["property", "encumbrances", "--unit", unit, "--prove", encFile] + asB).status == 0)
            _ = try c.cli(["property", "encumbrances", "--unit", "320505001001GB00001F00010078", "--prove", noUnit] + asB)
            let vt = try verify(titleFile), ve = try verify(encFile), vn = try verify(noUnit)
            #expect(vt.status == 0 && (vt.json["result"] as? [String: Any])?["match"] as? Bool == true, "\(vt.text)")
            #expect(ve.status == 0 && ((ve.json["result"] as? [String: Any])?["mortgages"] as? [Any])?.isEmpty == true, "\(ve.text)")
            #expect(vn.status == 0 && (vn.json["refused"] as? [String: Any])?["code"] as? String == "NOT_FOUND", "\(vn.text)")
            let human = try c.cli(["verify", "answer", "--genesis", genesis, titleFile])
            #expect(human.status == 0 && human.out.hasPrefix("PROVEN at height ") && human.out.contains("certified by"), "\(human.out)")
            // Issue 27: the proven title (its question, every state entry it proves) holds no identity, in any encoding.
            let proven = try #require(FileManager.default.contents(atPath: titleFile))
            #expect(PersonalDataScan.findings(Array(proven), "the proven title answer", [owner, salt]).isEmpty)

            // Tampering with what the node said is caught, each with its code and exit 1.
            var o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: financed))) as! [String: Any]
            var r = o["result"] as! [String: Any]
            var items = r["declarations"] as! [[String: Any]]
            items[0]["free"] = 500000
            r["declarations"] = items
            o["result"] = r
            let lie = "\(c.dir)/lie.json"
            try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: lie))
            let caught = try c.cli(["verify", "answer", "--genesis", genesis, lie])
            #expect(caught.status == 1 && caught.err.contains("PROOF_ANSWER_MISMATCH"), "\(caught.out) \(caught.err)")
            // Another chain's genesis (same organisations, another chain id).
            let otherGenesis = "\(c.dir)/other-genesis.json"
            let g = try String(contentsOfFile: genesis, encoding: .utf8)
            try g.replacingOccurrences(of: c.chainID, with: c.chainID + "-other").write(toFile: otherGenesis, atomically: true, encoding: .utf8)
            let other = try c.cli(["verify", "answer", "--genesis", otherGenesis, financed])
            #expect(other.status == 1 && other.err.contains("PROOF_WRONG_CHAIN"), "\(other.out) \(other.err)")
            let unproven = try c.cli(["verify", "answer", "--genesis", genesis, "\(c.dir)/registry/genesis.json"])
            #expect(unproven.status == 1 && unproven.err.contains("PROOF_MALFORMED"), "\(unproven.out) \(unproven.err)")
        }
    }
}
