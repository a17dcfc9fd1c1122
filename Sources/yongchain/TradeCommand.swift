import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

enum TradeCommand {
    static let declarationFields = "NUMBER:EXPORTER:AMOUNT_MINOR:CURRENCY:YYYYMMDD:DIGEST"
    static let declarationSpec = "\(declarationFields) (DIGEST: 64 hex, or @FILE of the document)"

    static func run(_ argv: [String]) throws {
        try AppCLI.run("trade", argv, [
            .tx("enterprise-register", "enterprise.register", "--credit-code CODE --name NAME --public-key KEY|FILE   (trade registry)",
                ["credit-code", "name", "public-key"]) { a, _ in
                ["creditCode": try a.require("credit-code"), "name": try a.require("name"), "publicKey": try AppCLI.publicKey(try a.require("public-key"))]
            },
            AppCLI.Sub(name: "publish", usage: "--declaration \(declarationSpec) [--declaration ...]   (trade registry)",
                       options: ["declaration"]) { a, c in
                if let j = try AppCLI.jsonOption(a) { return try c.submit(PublishDeclarations.type, json: j) }
                let suite = try c.chain().hashSuite, fields = try a.values("declaration").map { try declaration($0, suite: suite) }
                guard !fields.isEmpty else { throw UsageError("missing --declaration") }
                let p = PublishDeclarations(declarations: fields.map { PublishedDeclaration($0, suite: suite) })
                try AppCLI.validated { try p.validate() }
                try c.submit(PublishDeclarations.type, p.canonicalBytes)
            },
            .provable("precheck", "--declaration \(declarationSpec) | --number NUMBER  (repeatable; a bank)", ["declaration", "number"]) { a, c in
                let items: [[String: Any]] = try a.values("declaration").map { s in
                    let f = try declarationJSON(s, suite: { try c.chain().hashSuite })
                    return ["number": f["number"]!, "fields": f]
                } + a.values("number").map { ["number": $0] }
                return ("POST", "/v1/trade/precheck", try JSONSerialization.data(withJSONObject: ["declarations": items]).bytes)
            },
            .tx("finance", "financing.record", "--exporter CODE --amount MINOR [--currency CNY] --pledge \(declarationFields):PLEDGE_MINOR [--pledge ...]\n      (DIGEST: 64 hex, or @FILE of the document; PLEDGE_MINOR in the declaration's currency)",
                ["exporter", "amount", "currency", "pledge"]) { a, c in
                let pledges = try a.values("pledge").map { s -> [String: Any] in
                    guard let cut = s.lastIndex(of: ":"), let minor = Int64(s[s.index(after: cut)...]) else {
                        throw UsageError("--pledge: \(declarationFields):PLEDGE_MINOR, got '\(s)'")
                    }
                    let d = try declarationJSON(String(s[..<cut]), option: "pledge", trailer: ":PLEDGE_MINOR", suite: { try c.chain().hashSuite })
                    return ["declaration": d, "amount": ["minorUnits": minor, "currency": (d["amount"] as! [String: Any])["currency"]!]]
                }
                return ["exporter": try a.require("exporter"), "amount": try AppCLI.money(a, "amount"), "pledges": pledges]
            },
            .tx("repay", "financing.repay", "--financing ID --amount MINOR [--currency CNY]   (the financing bank)", ["financing", "amount", "currency"]) { a, _ in
                ["financingId": try a.require("financing"), "amount": try AppCLI.money(a, "amount")]
            },
            .tx("grant", "authorization.grant", "--bank KEY|FILE [--expires-at MS | --expires-in SECONDS (86400)]   (--key: the enterprise's key)",
                ["bank", "expires-at", "expires-in"]) { a, _ in
                let expires = try a.value("expires-at") != nil ? AppCLI.int(a, "expires-at")
                    : Int64(Date().timeIntervalSince1970 * 1000) + (a.value("expires-in") != nil ? try AppCLI.int(a, "expires-in") : 86_400) * 1000
                return ["bank": try AppCLI.publicKey(try a.require("bank")), "expiresAt": expires]
            },
            .tx("revoke", "authorization.revoke", "--bank KEY|FILE   (--key: the enterprise's key)", ["bank"]) { a, _ in
                ["bank": try AppCLI.publicKey(try a.require("bank"))]
            },
            AppCLI.Sub(name: "query", usage: "--enterprise CODE [--purpose TEXT] [--prove FILE]   logs a creditQuery.record, then reads the credit record (a bank)",
                       options: ["enterprise", "purpose", "prove"]) { a, c in
                let code = try a.require("enterprise")
                let body = try AppCLI.validated { try LedgerApplication.canonicalBody(type: RecordCreditQuery.type, json: Array(JSONSerialization.data(
                    withJSONObject: ["enterprise": code, "purpose": a.value("purpose") ?? "credit review"]))) }
                let hash = try c.submit(RecordCreditQuery.type, body)
                try c.provable("GET", "/v1/trade/enterprises/\(AppCLI.escape(code))/credit-record?queryId=\(hash)", [], saveTo: a.value("prove"))
            },
            .provable("queries", "--enterprise CODE [--after CURSOR] [--limit N]   (the enterprise's key, or the trade registry)",
                   ["enterprise", "after", "limit"]) { a, _ in
                ("GET", "/v1/trade/enterprises/\(AppCLI.escape(try a.require("enterprise")))/queries" + AppCLI.queryString(a, ["after", "limit"]), [])
            },
        ])
    }

    /// One declaration from its colon-separated fields; errors name `--option` as the user typed it. `suite` (the
    /// chain's) is asked only for a document given as @FILE (its digest is the chain's hash).
    static func declarationJSON(_ spec: String, option: String = "declaration", trailer: String = "", suite: () throws -> HashSuite) throws -> [String: Any] {
        let p = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 6, let minor = Int64(p[2]), let date = UInt32(p[4]) else {
            throw UsageError("--\(option): \(declarationFields)\(trailer) (DIGEST: 64 hex, or @FILE of the document)")
        }
        var digest = p[5]
        if digest.hasPrefix("@") {
            guard let d = FileManager.default.contents(atPath: String(digest.dropFirst())) else { throw UsageError("cannot read \(digest.dropFirst())") }
            digest = try suite().digest(Array(d)).hex
        }
        return ["number": p[0], "exporter": p[1], "amount": ["minorUnits": minor, "currency": p[3]], "exportDate": date, "documentDigest": digest]
    }

    static func declaration(_ spec: String, suite: HashSuite) throws -> DeclarationFields {
        try AppCLI.validated { try JSONDecoder().decode(DeclarationFields.self, from: JSONSerialization.data(withJSONObject: try declarationJSON(spec, suite: { suite }))) }
    }
}
