import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto

/// `yongchain property ...`: the registry's side of a title, and title and encumbrance queries.
///
/// `register` is where a person's salt is born: the CLI draws one per person per title, puts only the commitment
/// on chain, and gives the registry each owner's identity and salt for the title certificate. The owner hands them
/// to a bank, which alone lets the bank name them (docs/confidentiality.md, "Personal data: commitments only").
enum PropertyCommand {
    static func run(_ argv: [String]) throws {
        try AppCLI.run("property", argv, [
            AppCLI.Sub(name: "register", usage: """
                --unit U --title NO --owner residentId:NUMBER:KEY|creditCode:CODE:KEY [--owner ...] --area HUNDREDTHS_M2 --use USE
                      [--title-out FILE]
                      submits property.register signed with --key (the registry): a fresh salt is drawn for each person, and only
                      the commitment of identity and salt goes on chain; then prints each owner's identity, salt and commitment,
                      which the title certificate gives the owner (--title-out FILE: also written as JSON, mode 0600)
                """, options: ["unit", "title", "owner", "area", "use", "title-out"], run: register),
            .tx("seize", "property.seize", "--unit U --court-order ORDER", ["unit", "court-order"]) { a, _ in
                ["unitNumber": try a.require("unit"), "courtOrder": try a.require("court-order")]
            },
            .tx("release", "property.release", "--unit U --court-order ORDER", ["unit", "court-order"]) { a, _ in
                ["unitNumber": try a.require("unit"), "courtOrder": try a.require("court-order")]
            },
            .provable("encumbrances", "--unit U", ["unit"]) { a, _ in
                ("GET", "/v1/mortgage/units/\(AppCLI.escape(try a.require("unit")))/encumbrances", [])
            },
            .provable("verify-title", "--title NO --owner \(IdentitySpec.forms)\n      (SALT: from the owner's title certificate; only the commitment is sent)",
                      ["title", "owner"]) { a, c in
                let owner: String
                switch try IdentitySpec.identity(try a.require("owner"), option: "owner", suite: { try c.chain().hashSuite }) {
                case .person(let h): owner = h.hex
                case .organisation(let code): owner = code.value
                }
                return ("GET", "/v1/mortgage/titles/verify?certificate=\(AppCLI.escape(try a.require("title")))&owner=\(owner)", [])
            },
        ])
    }

    static func register(_ a: Args, _ c: AppCLI.Context) throws {
        if let j = try AppCLI.jsonOption(a) { try c.submit(RegisterProperty.type, json: j); return }
        let suite = { try c.chain().hashSuite }
        let owners = try a.values("owner").map { try IdentitySpec.newOwner($0, suite: suite) }
        let unit = try a.require("unit"), title = try a.require("title")
        let body: [String: Any] = ["unitNumber": unit, "titleCertificateNumber": title, "owners": owners.map(\.json),
                                   "area": try AppCLI.int(a, "area"), "use": try a.require("use")]
        let certificate: [String: Any] = [
            "unitNumber": unit, "titleCertificateNumber": title, "hashSuite": try suite().rawValue,
            "owners": owners.map { o -> [String: Any] in
                guard let p = o.opening else { return o.json }
                return o.json.merging(["idType": "residentId", "idNumber": p.id.value, "salt": Hex.encode(p.salt)]) { a, _ in a }
            },
        ]
        // Written before the registration is sent: a commitment on chain whose salt nobody kept could never be named.
        if let file = a.value("title-out") {
            let data = try JSONSerialization.data(withJSONObject: certificate, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            guard FileManager.default.createFile(atPath: file, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailed("cannot write \(file)")
            }
        }
        let lines = ["title certificate \(title): each owner's part (identity and salt name them on chain; nobody can without them)"]
            + owners.enumerated().map { i, o in
                guard let p = o.opening else { return "  owner \(i + 1): creditCode \(o.json["creditCode"] ?? "")" }
                return "  owner \(i + 1): residentId \(p.id.value) salt \(Hex.encode(p.salt)) commitment \(o.json["commitment"] ?? "")"
            }
        let bytes = try JSONSerialization.data(withJSONObject: body).bytes
        do {
            try c.submit(RegisterProperty.type, try AppCLI.validated { try LedgerApplication.canonicalBody(type: RegisterProperty.type, json: bytes) },
                         extra: ["titleCertificate": certificate])
        } catch {
            // Unanswered (no connection, COMMIT_TIMEOUT) it may still commit: the salts must not be lost with the answer.
            if (error as? CommandFailed).map({ $0.code == "COMMIT_TIMEOUT" }) ?? true {
                printErr((["the registration may still commit; keep the owners' salts:"] + lines).joined(separator: "\n"))
            }
            throw error
        }
        if !c.jsonOutput { print(lines.joined(separator: "\n")) }
    }
}
