import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// Helpers the application suites share: signed API requests and raw transaction submission, as a bank's system
/// would make them.
extension ClusterHarness {
    struct Answer {
        let status: Int
        let json: [String: Any]
        let body: [UInt8]
        var code: String { ((json["error"] as? [String: Any])?["code"] as? String) ?? (json["code"] as? String) ?? "" }
        var message: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }
        var result: [String: Any] { json["result"] as? [String: Any] ?? [:] }
    }

    var chainID: String { (try? getJSON(url("registry") + "/v1/status"))?["chainId"] as? String ?? "" }

    /// A request signed with `key` (nil: unsigned) sent to `node`'s URL.
    func request(_ node: String, _ target: String, key: PrivateKey?, method: String = "GET", body: [UInt8] = [],
                 headers extra: [(String, String)] = []) throws -> Answer {
        let auth = key.map { RequestAuth.headers(method: method, target: target, body: body, key: $0, chainID: chainID) } ?? []
        let r = try http.send(method, url: url(node) + target, headers: auth + extra + [("Content-Type", "application/json")], body: body, timeout: 20)
        return Answer(status: r.status, json: (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:], body: r.body)
    }

    /// POST /v1/txs?wait=commit with a raw JSON body.
    func post(_ node: String, _ body: [UInt8]) throws -> Answer {
        let r = try http.send("POST", url: url(node) + "/v1/txs?wait=commit&timeoutMs=20000", headers: [("Content-Type", "application/json")], body: body, timeout: 30)
        let answer = Answer(status: r.status, json: (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:], body: r.body)
        if let h = answer.json["height"] as? Int { settle(at: h) }
        return answer
    }

    func submit(_ node: String, _ tx: Transaction) throws -> Answer {
        try post(node, Array(try JSONEncoder().encode(TransactionJSON(tx))))
    }

    func orgKey(_ name: String) throws -> PrivateKey { try KeyFile.read(key(name)) }

    /// Every transaction committed on `node`, counted over all its blocks.
    func committedTransactions(_ node: String) throws -> Int {
        var total = 0
        var before: Int?
        while true {
            let page = try getJSON(url(node) + "/v1/blocks?limit=100" + (before.map { "&before=\($0)" } ?? ""))
            let rows = page["blocks"] as? [[String: Any]] ?? []
            total += rows.reduce(0) { $0 + ($1["txCount"] as? Int ?? 0) }
            guard let last = rows.last?["height"] as? Int, last > 1 else { return total }
            before = last
        }
    }

    func waitForHeight(_ h: Int, nodes: [String]? = nil) {
        for n in nodes ?? self.nodes.map(\.name) { #expect(eventually(15) { height(n) >= h }, "\(n) did not reach height \(h)") }
    }
}

/// The transaction hash a CLI transaction command printed (`  tx <hash>`).
func printedTxHash(_ out: String) -> String {
    out.split(separator: "\n").first { $0.hasPrefix("  tx ") }.map { String($0.dropFirst(5)) } ?? ""
}

func residentID(_ first17: String) -> String { first17 + String(ResidentID.checkCharacter(for: first17)!) }

extension EndToEnd {
    @Suite(.serialized) struct Mortgage {
        let unit = "320505001001GB00001F00010001"
        let title = "苏(2020)苏州市不动产权第0000001号"
        let owner = residentID("11010519491231002")

        /// Issue 4: register, apply from bank-a through node bank-a, approve from the registry's node, verify from
        /// bank-b through another node — and every node gives the same answer for the same snapshot.
        @Test func registerApplyApproveAndVerifyFromAnotherBanksNode() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let ownerKey = "\(c.dir)/owner.key"
            #expect(try c.cli(["keys", "new", "--out", ownerKey]).status == 0)

            // The registry's CLI draws the owner's salt and writes the title certificate's part for the owner.
            let titleFile = "\(c.dir)/title-certificate.json"
            let reg = try c.cli(["property", "register", "--key", c.key("registry"), "--node", c.url("registry"), "--unit", unit, "--title", title,
                                 "--owner", "residentId:\(owner):\(ownerKey)", "--area", "8950", "--use", "residential", "--title-out", titleFile])
            #expect(reg.status == 0 && reg.out.hasPrefix("accepted property.register"), "\(reg.out) \(reg.err)")
            let salt = try titleCertificateSalt(titleFile)
            #expect(reg.out.contains("salt \(salt)"), "\(reg.out)")
            let person = "residentId:\(owner):\(salt)"

            // The owner hands identity and salt to bank-a, whose CLI sends only the commitment.
            let apply = try c.cli(["mortgage", "apply", "--key", c.key("bank-a"), "--node", c.url("bank-a"), "--unit", unit,
                                   "--mortgagor", person, "--owner-key", ownerKey, "--debtor", person,
                                   "--amount", "150000000", "--start", "2020-06-01", "--end", "2030-05-31",
                                   "--contract-hash", HashSuite.sha256.digest(Array("contract".utf8)).hex])
            #expect(apply.status == 0 && apply.out.hasPrefix("accepted mortgage.apply"), "\(apply.out) \(apply.err)")
            let appID = printedTxHash(apply.out)

            let approve = try c.cli(["mortgage", "approve", "--key", c.key("registry"), "--node", c.url("registry"), "--application", appID])
            #expect(approve.status == 0 && approve.out.hasPrefix("accepted mortgage.approve"), "\(approve.out) \(approve.err)")
            let approvedAt = try c.getJSON(c.url("registry") + "/v1/txs/\(printedTxHash(approve.out))")["height"] as? Int ?? 0
            c.waitForHeight(approvedAt)

            // Bank-b, through its own node, with the CLI.
            let asB = ["--key", c.key("bank-b"), "--node", c.url("bank-b")]
            let verify = try c.cli(["property", "verify-title", "--title", title, "--owner", person] + asB)
            #expect(verify.status == 0 && verify.out.contains("\"match\" : true"), "\(verify.out) \(verify.err)")
            let wrongOwner = try c.cli(["property", "verify-title", "--title", title, "--owner", "residentId:\(residentID("11010519800101001")):\(salt)"] + asB)
            #expect(wrongOwner.out.contains("\"match\" : false"), "\(wrongOwner.out)")
            let wrongSalt = try c.cli(["property", "verify-title", "--title", title, "--owner", "residentId:\(owner):\(String(salt.reversed()))"] + asB)
            #expect(wrongSalt.out.contains("\"match\" : false"), "\(wrongSalt.out)")
            let noSalt = try c.cli(["property", "verify-title", "--title", title, "--owner", "residentId:\(owner)"] + asB)
            #expect(noSalt.status == 2 && noSalt.err.contains("salt"), "\(noSalt.err)")
            let enc = try c.cli(["property", "encumbrances", "--unit", unit] + asB)
            #expect(enc.status == 0 && enc.out.contains("\"priority\" : 1") && enc.out.contains("\"state\" : \"registered\""), "\(enc.out) \(enc.err)")
            let cert = try c.request("bank-b", "/v1/mortgage/units/\(unit)/encumbrances", key: c.orgKey("bank-b"))
                .result["mortgages"].flatMap { ($0 as? [[String: Any]])?.first?["certificateNumber"] as? String } ?? ""
            #expect(cert.hasPrefix("MR-"))
            let shown = try c.cli(["mortgage", "certificate", "--number", cert] + asB)
            #expect(shown.status == 0 && shown.out.contains(appID) && shown.out.contains("\"mortgageeName\" : \"bank-a\""), "\(shown.out) \(shown.err)")

            // The same three answers from every node: identical results, each naming a block every node agrees on.
            let bankB = try c.orgKey("bank-b")
            let commitment = try PersonOpening(number: owner, saltHex: salt).commitment(.sha256).hex
            let targets = ["/v1/mortgage/titles/verify?certificate=\(title.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&owner=\(commitment)",
                           "/v1/mortgage/units/\(unit)/encumbrances", "/v1/mortgage/certificates/\(cert)"]
            for t in targets {
                let answers = try c.nodes.map { try c.request($0.name, t, key: bankB) }
                #expect(answers.allSatisfy { $0.status == 200 }, "\(t): \(answers.map(\.status))")
                let results = answers.map { JSON($0.result) }
                #expect(Set(results).count == 1, "\(t) differs between nodes: \(results)")
                for a in answers {
                    let h = a.json["height"] as? Int ?? -1
                    #expect(h >= approvedAt)
                    #expect(c.stateAt("registry", height: h)?.blockHash == a.json["blockHash"] as? String, "\(t) at height \(h) names a block the registry does not have")
                }
                // Same height, same bytes.
                let byHeight = Dictionary(grouping: answers, by: { $0.json["height"] as? Int ?? -1 })
                for (_, same) in byHeight { #expect(Set(same.map(\.body)).count == 1) }
            }

            // Filings: the bank itself and the registry may list them; another bank may not.
            let bankAKey = try c.orgKey("bank-a").publicKey.text
            let own = try c.request("bank-a", "/v1/mortgage/banks/\(bankAKey)/filings", key: c.orgKey("bank-a"))
            #expect(own.status == 200 && (own.result["filings"] as? [Any])?.count == 1, "\(own.json)")
            #expect(try c.request("registry", "/v1/mortgage/banks/\(bankAKey)/filings", key: c.orgKey("registry")).status == 200)
            let snoop = try c.request("bank-b", "/v1/mortgage/banks/\(bankAKey)/filings", key: bankB)
            #expect(snoop.status == 403 && snoop.code == "FORBIDDEN_ROLE", "\(snoop.json)")
            let cliSnoop = try c.cli(["mortgage", "filings", "--bank", bankAKey] + asB)
            #expect(cliSnoop.status == 1 && cliSnoop.err.contains("FORBIDDEN_ROLE"))

            // Issue 27: after all of it, the owner's identity number is in no node's database, log, block or metric.
            try PersonalDataScan.expectNone(c, [owner, "Li Wei", salt], controls: [unit])
            #expect(try !PersonalDataScan.served(c, [commitment]).isEmpty, "the blocks carry the owner's commitment")
        }

        /// Bad input through the API gets 400 with a code naming the field and commits nothing; unsigned and
        /// unknown-key requests get 401; open endpoints stay open.
        @Test func badInputAndUnauthenticatedCallersAreRefusedAndChangeNothing() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            try c.up()
            let chain = c.chainID
            let registry = try c.orgKey("registry"), bankA = try c.orgKey("bank-a")
            let ownerKey = try PrivateKey.generate()
            let opening = try PersonOpening.draw(for: try ResidentID(owner))
            let ownerID = ChainIdentity.person(opening, suite: .sha256)
            let property = RegisterProperty(unitNumber: try UnitNumber(unit), titleCertificateNumber: title,
                                            owners: [PropertyOwner(id: ownerID, publicKey: ownerKey.publicKey)], area: 8950, use: "residential")
            #expect(try c.submit("registry", property.transaction(key: registry, nonce: 1, chainID: chain)).code == "OK")
            let before = try c.committedTransactions("registry")
            // The registration committed on the registry's node; read "before" only once bank-a's node has it too.
            let registered = c.height("registry")
            #expect(c.eventually(20) { c.height("bank-a") >= registered })
            let encumbrancesBefore = JSON(try c.request("bank-a", "/v1/mortgage/units/\(unit)/encumbrances", key: bankA).result)

            // A valid application, then its canonical body altered by hand (our own encoder refuses to make these).
            let principal: Int64 = 123_456_789_012
            var app = MortgageApplication(unitNumber: try UnitNumber(unit), mortgagee: bankA.publicKey, mortgagors: [ownerID],
                                          debtor: MortgageDebtor(person: opening.commitment(.sha256)), principal: try Money(minorUnits: principal, currency: Currency("CNY")),
                                          term: MortgageTerm(start: try .init("2020-06-01"), end: try .init("2030-05-31")), mortgageType: .general,
                                          contractHash: HashSuite.sha256.digest(Array("c".utf8)))
            try app.sign(for: ownerID, with: ownerKey, chainID: chain)
            func bigEndian(_ v: Int64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
            func altered(_ from: [UInt8], _ to: [UInt8]) -> Transaction {
                var body = app.canonicalBytes
                let i = (0...(body.count - from.count)).first { Array(body[$0..<$0 + from.count]) == from }!
                body.replaceSubrange(i..<i + from.count, with: to)
                return Transaction.signed(type: MortgageApplication.type, body: body, nonce: 7, key: bankA, chainID: chain)
            }
            let cases: [(String, Transaction, String)] = [
                ("wrong unit number layout", altered(Array(unit.utf8), Array(unit.replacingOccurrences(of: "GB", with: "XB").utf8)), "unitNumber"),
                ("negative amount", altered(bigEndian(principal), bigEndian(-principal)), "principal.minorUnits"),
                ("unknown currency", altered(Array("CNY".utf8), Array("XYZ".utf8)), "principal.currency"),
            ]
            for (what, tx, field) in cases {
                let r = try c.submit("bank-a", tx)
                #expect(r.status == 400 && r.code == "INVALID_FIELD" && r.message.hasPrefix(field + ": "), "\(what): \(r.status) \(r.json)")
            }
            // Oversized transaction body, malformed JSON, a fractional amount in a JSON body.
            let huge = #"{"type":"mortgage.apply","body":"\#(String(repeating: "00", count: Transaction.maxBodyBytes + 1))","signer":"\#(bankA.publicKey.text)","nonce":"1","signature":"\#(String(repeating: "00", count: 64))"}"#
            let r1 = try c.post("bank-a", Array(huge.utf8))
            #expect(r1.status == 400 && r1.code == "INVALID_FIELD" && r1.message.hasPrefix("body"), "\(r1.json)")
            let r2 = try c.post("bank-a", Array(#"{"type": "mortgage.apply", "body": "#.utf8))
            #expect(r2.status == 400 && r2.code == "MALFORMED_JSON", "\(r2.json)")
            let fractional = Array(#"{"declarations":[{"number":"223120200000000001","fields":{"number":"223120200000000001","exporter":"91310000MA1FL0001R","amount":{"minorUnits":1.5,"currency":"CNY"},"exportDate":20200315,"documentDigest":"\#(HashSuite.sha256.digest([1]).hex)"}}]}"#.utf8)
            let r3 = try c.request("bank-a", "/v1/trade/precheck", key: bankA, method: "POST", body: fractional)
            #expect(r3.status == 400 && r3.code == "INVALID_FIELD" && r3.message.contains("minorUnits"), "\(r3.json)")
            let r4 = try c.request("bank-a", "/v1/trade/precheck", key: bankA, method: "POST", body: Array("{\"declarations\": [".utf8))
            #expect(r4.status == 400 && r4.code == "MALFORMED_JSON", "\(r4.json)")
            let r5 = try c.request("bank-a", "/v1/trade/precheck", key: bankA, method: "POST", body: [UInt8](repeating: 32, count: (1 << 20) + 1))
            #expect(r5.status == 400 && r5.code == "INVALID_FIELD" && r5.message.hasPrefix("body"), "\(r5.json)")
            // Bad path and query input names the field.
            let r6 = try c.request("bank-a", "/v1/mortgage/units/320505001001XB00001F00010001/encumbrances", key: bankA)
            #expect(r6.status == 400 && r6.code == "INVALID_FIELD" && r6.message.hasPrefix("unit"), "\(r6.json)")
            // A title is asked by commitment: an identity number is refused, whatever else comes with it.
            let r7 = try c.request("bank-a", "/v1/mortgage/titles/verify?certificate=x&idType=residentId&id=\(owner)", key: bankA)
            #expect(r7.status == 400 && r7.code == "INVALID_FIELD" && r7.message.hasPrefix("id:"), "\(r7.json)")
            let r8 = try c.request("bank-a", "/v1/mortgage/titles/verify?certificate=x&owner=123", key: bankA)
            #expect(r8.status == 400 && r8.message.hasPrefix("owner:"), "\(r8.json)")
            #expect(try c.request("bank-a", "/v1/mortgage/applications/xyz", key: bankA).message.hasPrefix("id"))
            #expect(try c.request("bank-a", "/v1/mortgage/certificates/MR-1999-0000001", key: bankA).status == 404)
            // The CLI refuses a fractional amount itself: one line, exit 2.
            let person = "residentId:\(owner):\(Hex.encode(opening.salt))"
            let cli = try c.cli(["mortgage", "apply", "--key", c.key("bank-a"), "--node", c.url("bank-a"), "--unit", unit, "--mortgagor", person,
                                 "--owner-key", c.key("bank-a"), "--debtor", person, "--amount", "1.5",
                                 "--start", "2020-06-01", "--end", "2030-05-31", "--contract-hash", HashSuite.sha256.digest([1]).hex])
            #expect(cli.status == 2 && cli.err.split(separator: "\n").count == 1 && cli.err.contains("--amount"), "\(cli.err)")

            // Unsigned, unknown-key and stale requests: 401; open endpoints need no signature.
            let target = "/v1/mortgage/units/\(unit)/encumbrances"
            #expect(try c.request("bank-b", target, key: nil).code == "AUTH_REQUIRED")
            let stranger = try c.request("bank-b", target, key: try PrivateKey.generate())
            #expect(stranger.status == 401 && stranger.code == "AUTH_UNKNOWN_KEY")
            let stale = RequestAuth.headers(method: "GET", target: target, key: bankA, chainID: chain, timestampMs: Int64(Date().timeIntervalSince1970 * 1000) - 600_000)
            let r9 = try c.http.send("GET", url: c.url("bank-b") + target, headers: stale, timeout: 5)
            #expect(r9.status == 401 && String(decoding: r9.body, as: UTF8.self).contains("AUTH_STALE"))
            let once = RequestAuth.headers(method: "GET", target: target, key: bankA, chainID: chain)
            #expect(try c.http.send("GET", url: c.url("bank-b") + target, headers: once, timeout: 5).status == 200)
            let replay = try c.http.send("GET", url: c.url("bank-b") + target, headers: once, timeout: 5)
            #expect(replay.status == 401 && String(decoding: replay.body, as: UTF8.self).contains("AUTH_REPLAYED"))
            for open in ["/healthz", "/v1/status", "/v1/blocks", "/v1/blocks/latest", "/v1/validators", "/metrics"] {
                #expect(try c.http.send("GET", url: c.url("bank-b") + open, timeout: 5).status == 200, "\(open)")
            }

            // Nothing of the above was committed, and the unit's encumbrances are as before.
            #expect(try c.committedTransactions("registry") == before)
            #expect(JSON(try c.request("bank-a", "/v1/mortgage/units/\(unit)/encumbrances", key: bankA).result) == encumbrancesBefore)
        }
    }
}

/// The salt the title certificate file (`property register --title-out`) gives its first owner.
func titleCertificateSalt(_ file: String) throws -> String {
    let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
    return try #require(((o?["owners"] as? [[String: Any]])?.first?["salt"]) as? String)
}

/// A JSON value in canonical text (sorted keys), for comparing answers.
func JSON(_ o: Any) -> String {
    (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "\(o)"
}
