import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainNode

/// `yongchain greylist …` (docs/greylist.md, "CLI"). A subject is given by its identity, which never leaves this
/// machine but for the supervisor's node (`--vrf-node`, default `--node`), which returns its pseudonyms with VRF
/// proofs; every proof is verified here before a pseudonym is used.
enum GreylistCommand {
    static let subjectForm = "residentId:NUMBER, creditCode:CODE, or @FILE / @- holding one (kept out of the process list and shell history)"

    static func run(_ argv: [String]) throws {
        try AppCLI.run("greylist", argv, [
            AppCLI.Sub(name: "keygen", usage: "--out FILE   the supervisor's VRF key (PKCS#8 PEM, 0600); prints its public key for greylist.addVrfKey",
                       options: ["out"]) { a, _ in
                let out = try a.require("out")
                guard !FileManager.default.fileExists(atPath: out) else { throw UsageError("--out: \(out) exists; a VRF key is never overwritten") }
                let key = try VRFPrivateKey.generate()
                try KeyFile.write(key, to: out)
                print(key.publicKey.text)
            },
            AppCLI.Sub(name: "report", usage: "--subject \(subjectForm) --category CATEGORY (--evidence FILE | --evidence-hash HEX) [--vrf-node URL]\n      submits greylist.report signed with --key (a bank); the evidence stays here, only its hash is sent",
                       options: ["subject", "category", "evidence", "evidence-hash", "vrf-node"]) { a, c in
                let s = try newest(a, c)
                try c.submit(ReportSubject.type, json: ["subject": json(s), "category": try a.require("category"), "evidenceHash": try digest(a, "evidence", c)])
            },
            AppCLI.Sub(name: "review", usage: "--report ID (--publish --category CATEGORY --subject \(subjectForm) | --reject --reason REASON) [--decision FILE | --decision-hash HEX] [--vrf-node URL]\n      submits greylist.review signed with --key (the supervisor); --publish first recomputes the report's pseudonym from the\n      subject the supervisor reviewed and refuses a mismatch (GREYLIST_WRONG_SUBJECT: reject it with --reason wrongSubject)",
                       options: ["report", "category", "reason", "decision", "decision-hash", "subject", "vrf-node"]) { a, c in
                var body: [String: Any] = ["report": try a.require("report"), "decisionHash": try digest(a, "decision", c, optional: true)]
                switch (a.flag("publish"), a.flag("reject")) {
                case (true, false):
                    try subjectIsReported(try a.require("report"), a, c)
                    body["decision"] = "publish"; body["category"] = try a.require("category")
                case (false, true): body["decision"] = "reject"; body["reason"] = try a.require("reason")
                default: throw UsageError("review: --publish or --reject")
                }
                try c.submit(ReviewReport.type, json: body)
            }.withSwitches(["publish", "reject"]),
            AppCLI.Sub(name: "check", usage: "--subject \(subjectForm) --genesis FILE [--purpose accountOpening|customerReview] [--vrf-node URL] [--prove FILE]\n      the three steps (pseudonyms, greylist.check, the proven answer), each verified: LISTED or NOT LISTED (a bank)",
                       options: ["subject", "genesis", "purpose", "vrf-node", "prove"]) { a, c in try check(a, c) },
            .tx("outcome", RecordCheckOutcome.type, "--check ID (--stopped | --opened)   (the checking bank)", ["check"]) { a, _ in
                guard a.flag("stopped") != a.flag("opened") else { throw UsageError("outcome: --stopped or --opened") }
                return ["check": try a.require("check"), "stopped": a.flag("stopped")]
            }.withSwitches(["stopped", "opened"]),
            AppCLI.Sub(name: "withdraw", usage: "--subject \(subjectForm) --reason REASON [--decision FILE | --decision-hash HEX] [--key-version N] [--vrf-node URL]\n      submits greylist.withdraw signed with --key (the supervisor)",
                       options: ["subject", "reason", "decision", "decision-hash", "key-version", "vrf-node"]) { a, c in
                let s = try version(a, c)
                try c.submit(WithdrawEntry.type, json: ["subject": json(s), "reason": try a.require("reason"), "decisionHash": try digest(a, "decision", c, optional: true)])
            },
            AppCLI.Sub(name: "appeal", usage: "--subject \(subjectForm) (--evidence FILE | --evidence-hash HEX) [--vrf-node URL]\n      submits greylist.appeal signed with --key (the bank the subject came to)",
                       options: ["subject", "evidence", "evidence-hash", "vrf-node"]) { a, c in
                let s = try newest(a, c)
                try c.submit(AppealListing.type, json: ["subject": json(s), "evidenceHash": try digest(a, "evidence", c)])
            },
            AppCLI.Sub(name: "renew", usage: "--subject \(subjectForm) [--key-version N] [--vrf-node URL]\n      submits greylist.renew signed with --key (the supervisor)",
                       options: ["subject", "key-version", "vrf-node"]) { a, c in
                try c.submit(RenewEntry.type, json: ["subject": json(try version(a, c))])
            },
            AppCLI.Sub(name: "decide-appeal", usage: "--appeal ID (--uphold | --dismiss) [--decision FILE | --decision-hash HEX]\n      submits greylist.decideAppeal signed with --key (the supervisor)",
                       options: ["appeal", "decision", "decision-hash"]) { a, c in
                guard a.flag("uphold") != a.flag("dismiss") else { throw UsageError("decide-appeal: --uphold or --dismiss") }
                try c.submit(DecideAppeal.type, json: ["appeal": try a.require("appeal"), "upheld": a.flag("uphold"),
                                                       "decisionHash": try digest(a, "decision", c, optional: true)])
            }.withSwitches(["uphold", "dismiss"]),
            .tx("retire-key", RetireVRFKey.type, "--key-version N   (the supervisor; nothing may be left under it)", ["key-version"]) { a, _ in
                ["keyVersion": try AppCLI.int(a, "key-version")]
            },
            .query("stats", "   the grey-list's counts (open)", []) { _, _ in ("GET", "/v1/greylist/stats", []) },
        ])
    }

    // MARK: - The subject

    static func identity(_ a: Args) throws -> GreylistIdentity {
        var spec = try a.require("subject")
        // An identity number on the command line is in `ps` and the shell's history on the bank's host: `@FILE` (or
        // `@-`, standard input) reads it from elsewhere, its first line.
        if spec.hasPrefix("@") {
            let path = String(spec.dropFirst())
            guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
                throw UsageError("--subject: cannot read \(path)")
            }
            guard data.count <= 1024 else { throw UsageError("--subject: \(path) is longer than an identity (1 KiB at most)") }
            spec = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        guard let cut = spec.firstIndex(of: ":") else { throw UsageError("--subject: \(subjectForm), got '\(spec)'") }
        return try AppCLI.validated { try GreylistIdentity(idType: String(spec[..<cut]), idNumber: String(spec[spec.index(after: cut)...]), field: "subject") }
    }

    /// Step 1: the subject's pseudonyms under every version in force, from the supervisor's node, each proof
    /// verified against the alpha encoded here and the key the node names (VRF_PROOF_INVALID: the node lied).
    static func pseudonyms(_ a: Args, _ c: AppCLI.Context, _ id: GreylistIdentity) throws -> [GreylistPseudonym] {
        let body = try JSONSerialization.data(withJSONObject: ["subjects": [["idType": id.idType == 1 ? "residentId" : "creditCode", "idNumber": id.idNumber]]]).bytes
        let vrfNode = a.value("vrf-node").map { NodeClient($0) } ?? c.node
        let target = "/v1/greylist/pseudonyms"
        let headers = RequestAuth.headers(method: "POST", target: target, body: body, key: try c.key(), chainID: try c.chainID())
        let r = try vrfNode.send("POST", target, headers: headers + [("Content-Type", "application/json")], body: body, timeout: 30)
        guard r.status == 200 else { try NodeClient.show(r.status, r.body); throw CommandFailed("no pseudonyms") }
        struct Answer: Decodable {
            struct Key: Decodable { let keyVersion: UInt32; let vrfKey: String }
            struct Subject: Decodable { let pseudonyms: [GreylistPseudonym] }
            let keys: [Key]
            let subjects: [Subject]
        }
        struct Envelope: Decodable { let result: Answer }
        guard let answer = try? JSONDecoder().decode(Envelope.self, from: Data(r.body)).result, answer.subjects.count == 1 else {
            throw CommandFailed("the node's pseudonym answer is not the documented one", code: "VRF_PROOF_MALFORMED")
        }
        let alpha = id.alpha(chainID: try c.chainID())
        for p in answer.subjects[0].pseudonyms {
            guard let text = answer.keys.first(where: { $0.keyVersion == p.keyVersion })?.vrfKey, let key = try? VRFPublicKey(text: text),
                  let proof = Hex.decode(p.proof), (try? key.verify(proof: proof, alpha: alpha)) == p.pseudonym else {
                throw CommandFailed("the pseudonym of version \(p.keyVersion) is not this subject's: the node's answer is refused", code: "VRF_PROOF_INVALID")
            }
        }
        return answer.subjects[0].pseudonyms
    }

    /// The subject's pseudonym under the newest version in force (a report, an appeal).
    static func newest(_ a: Args, _ c: AppCLI.Context) throws -> GreylistSubject {
        guard let p = try pseudonyms(a, c, try identity(a)).max(by: { $0.keyVersion < $1.keyVersion }) else { throw CommandFailed("no key version in force") }
        return p.subject
    }

    /// Under `--key-version N`, or the newest (a withdrawal).
    static func version(_ a: Args, _ c: AppCLI.Context) throws -> GreylistSubject {
        guard let text = a.value("key-version") else { return try newest(a, c) }
        guard let v = UInt32(text) else { throw UsageError("--key-version: a whole number, got '\(text)'") }
        guard let p = try pseudonyms(a, c, try identity(a)).first(where: { $0.keyVersion == v }) else {
            throw CommandFailed("key version \(v) is not in force", code: Codes.Greylist.keyVersion)
        }
        return p.subject
    }

    /// Before publishing: the pseudonym the report names is the reviewed subject's (`--subject`), computed under the
    /// report's key version with every proof verified. The report is read from its committed block on `--node`
    /// (the supervisor's own: a party to every report). Throws GREYLIST_WRONG_SUBJECT on a mismatch, so a bank
    /// cannot have someone else listed with evidence about its subject.
    static func subjectIsReported(_ report: String, _ a: Args, _ c: AppCLI.Context) throws {
        guard let id = Hash(hex: report) else { throw UsageError("--report: the report's id, 64 hex digits") }
        func json(_ r: HTTPResponse) -> [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any]) ?? [:] }
        let result = try c.send("GET", "/v1/txs/\(id.hex)", []), outcome = json(result)
        guard result.status == 200, outcome["status"] as? String == "accepted", let height = outcome["height"] as? Int else {
            try NodeClient.show(result.status, result.body)
            throw CommandFailed("report \(id.hex) is not a committed report on this node", code: Codes.Greylist.unknownReport)
        }
        let block = try c.send("GET", "/v1/blocks/\(height)", [])
        let txs = json(block)["transactions"] as? [[String: Any]] ?? []
        guard let tx = txs.first(where: { $0["hash"] as? String == id.hex }), tx["type"] as? String == ReportSubject.type,
              let body = (tx["body"] as? String).flatMap(Hex.decode), let reported = try? ReportSubject(canonical: body) else {
            throw CommandFailed("transaction \(id.hex) is not a grey-list report", code: Codes.Greylist.unknownReport)
        }
        let mine = try pseudonyms(a, c, try identity(a)).first { $0.keyVersion == reported.subject.keyVersion }
        guard let mine else {
            throw CommandFailed("the report's key version \(reported.subject.keyVersion) is no longer in force", code: Codes.Greylist.keyVersion)
        }
        guard mine.subject == reported.subject else {
            throw CommandFailed("report \(id.hex) names pseudonym \(reported.subject.pseudonym.hex), not the reviewed subject's: not published; reject it with --reject --reason wrongSubject",
                                code: "GREYLIST_WRONG_SUBJECT")
        }
    }

    static func json(_ s: GreylistSubject) -> [String: Any] { ["keyVersion": s.keyVersion, "pseudonym": s.pseudonym.hex] }

    /// `--NAME FILE` hashed here with the chain's hash (the file is never sent), or `--NAME-hash HEX`; zero when
    /// `optional` and neither is given.
    static func digest(_ a: Args, _ name: String, _ c: AppCLI.Context, optional: Bool = false) throws -> String {
        if let hex = a.value("\(name)-hash") { return hex }
        guard let file = a.value(name) else {
            if optional { return Hash.zero.hex }
            throw UsageError("--\(name) FILE or --\(name)-hash HEX")
        }
        guard let d = FileManager.default.contents(atPath: file) else { throw UsageError("--\(name): cannot read \(file)") }
        return try c.chain().hashSuite.digest(Array(d)).hex
    }

    // MARK: - The check

    /// Steps 1-3 of docs/greylist.md's check, each verified: the pseudonyms' proofs, the committed check, the
    /// answer proven from genesis and its pseudonyms the applicant's under the chain's keys.
    static func check(_ a: Args, _ c: AppCLI.Context) throws {
        let genesisPath = try a.require("genesis")
        let genesis: Genesis
        do { genesis = try GenesisFile.load(path: genesisPath) } catch { throw UsageError("cannot read genesis \(genesisPath): \(error)") }
        let id = try identity(a)
        let given = try pseudonyms(a, c, id)
        let checkID = try c.submit(CheckApplicant.type, try AppCLI.validated {
            try LedgerApplication.canonicalBody(type: CheckApplicant.type, json: JSONSerialization.data(withJSONObject: [
                "subjects": given.map { json($0.subject) }, "purpose": a.value("purpose") ?? "accountOpening"]).bytes)
        })
        let r = try c.send("GET", "/v1/greylist/checks/\(checkID)?prove=true", [])
        if let file = a.value("prove") {
            guard FileManager.default.createFile(atPath: file, contents: Data(r.body)) else { throw CommandFailed("cannot write \(file)") }
        }
        guard r.status == 200 else { try NodeClient.show(r.status, r.body); throw CommandFailed("the check was not answered") }
        let verdict: AnswerVerifier.Verdict
        do { verdict = try AnswerVerifier.verify(response: r.body, genesis: genesis) } catch let f as ProofFailure {
            throw CommandFailed("the answer's proof is refused: \(f.message)", code: f.code)
        }
        guard verdict.query == .greylistCheck(check: Hash(hex: checkID) ?? .zero, bank: try c.key().publicKey), case .result(let bytes) = verdict.outcome,
              let answer = try? JSONDecoder().decode(GreylistCheckAnswer.self, from: Data(bytes)) else {
            throw CommandFailed("the proven answer is not the answer to this check", code: "PROOF_ANSWER_MISMATCH")
        }
        let listed: Bool
        do { listed = try answer.verify(bank: answer.bank, identity: id, chainID: genesis.chainID, pseudonyms: given) } catch let e as CodedError {
            throw CommandFailed(e.message, code: e.code)
        }
        if c.jsonOutput {
            print(try AppCLI.jsonText(["listed": listed, "check": checkID, "height": verdict.height, "proven": true,
                                       "subjects": try JSONSerialization.jsonObject(with: JSONEncoder().encode(answer.subjects))]))
            return
        }
        if listed, let s = answer.subjects.first(where: \.listed) {
            print("LISTED: \(s.category?.rawValue ?? "?") since \(s.since ?? 0), until \(s.expiresAt ?? 0)\(s.underAppeal == true ? ", under appeal" : "")")
        } else {
            print("NOT LISTED")
        }
        print("  proven at height \(verdict.height) by \(verdict.signers) of \(verdict.validators) validators; check \(checkID)")
    }
}
