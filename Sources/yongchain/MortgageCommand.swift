import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

enum MortgageCommand {
    static func run(_ argv: [String]) throws {
        let appID = { (a: Args, _: AppCLI.Context) throws -> Any in ["applicationId": try a.require("application")] }
        try AppCLI.run("mortgage", argv, [
            AppCLI.Sub(name: "apply", usage: """
                --unit U --mortgagor TYPE:NUMBER --owner-key FILE [--mortgagor ... --owner-key ...] --debtor TYPE:NUMBER
                      --debtor-name NAME --amount MINOR_UNITS [--currency CNY] --start YYYY-MM-DD --end YYYY-MM-DD
                      [--mortgage-type general|maximumAmount] (--contract FILE | --contract-hash HEX)
                      Files a mortgage as the --key bank; each --owner-key signs the consent of the mortgagor in the same position.
                      Without --owner-key, every mortgagor's signature must already be in the --json application
                      (made on the owner's device: see mortgage consent and mortgage attach-signature)
                """,
                options: applyOptions, run: apply),
            AppCLI.Sub(name: "consent", usage: """
                [--out FILE] (--json APPLICATION|@FILE | the apply options)
                      prints (hex) the consent bytes every mortgagor signs (docs/transactions.md); --out FILE writes them raw,
                      for e.g. openssl pkeyutl -sign -rawin -inkey OWNER.pem -in FILE; sends nothing
                """, options: applyOptions.union(["out"]), run: consent),
            AppCLI.Sub(name: "attach-signature", usage: """
                --mortgagor TYPE:NUMBER --signature HEX [--owner-public-key KEY|FILE] (--json APPLICATION|@FILE | the apply options)
                      prints the application JSON with that mortgagor's signature attached (checked first if the key is given);
                      submit it with: mortgage apply --key BANK --json @FILE; sends nothing
                """, options: applyOptions.union(["signature", "owner-public-key"]), run: attachSignature),
            .tx("approve", "mortgage.approve", "--application ID        (registry)", ["application"], appID),
            .tx("reject", "mortgage.reject", "--application ID --reason TEXT   (registry)", ["application", "reason"]) { a, _ in
                ["applicationId": try a.require("application"), "reason": try a.require("reason")]
            },
            .tx("discharge", "mortgage.discharge", "--application ID        (the mortgagee bank)", ["application"], appID),
            .tx("register-discharge", "mortgage.registerDischarge", "--application ID   (registry)", ["application"], appID),
            .provable("certificate", "--number MR-YYYY-NNNNNNN", ["number"]) { a, _ in
                ("GET", "/v1/mortgage/certificates/\(AppCLI.escape(try a.require("number")))", [])
            },
            .provable("application", "--application ID", ["application"]) { a, _ in
                ("GET", "/v1/mortgage/applications/\(AppCLI.escape(try a.require("application")))", [])
            },
            .query("filings", "[--bank KEY] [--after CURSOR] [--limit N]   (default: the --key bank's own)", ["bank", "after", "limit"]) { a, c in
                let bank = try a.value("bank").map(AppCLI.publicKey) ?? c.key().publicKey.text
                return ("GET", "/v1/mortgage/banks/\(bank)/filings" + AppCLI.queryString(a, ["after", "limit"]), [])
            },
        ])
    }

    static let applyOptions: Set<String> = ["unit", "mortgagor", "owner-key", "debtor", "debtor-name", "amount", "currency", "start", "end",
                                            "mortgage-type", "contract", "contract-hash"]

    /// The application `--json` gives, or the one the apply options describe (the --key bank as mortgagee).
    static func application(_ a: Args, _ c: AppCLI.Context) throws -> MortgageApplication {
        let json: Any
        if let j = try AppCLI.jsonOption(a) {
            json = j
        } else {
            let digest: String
            if let file = a.value("contract") {
                guard let d = FileManager.default.contents(atPath: file) else { throw UsageError("--contract: cannot read \(file)") }
                digest = try c.chain().hashSuite.digest(Array(d)).hex
            } else {
                digest = try a.require("contract-hash")
            }
            var debtor = try AppCLI.identity(try a.require("debtor"))
            debtor["name"] = try a.require("debtor-name")
            json = ["unitNumber": try a.require("unit"), "mortgagee": try c.key().publicKey.text,
                    "mortgagors": try a.values("mortgagor").map(AppCLI.identity), "debtor": debtor,
                    "principal": try AppCLI.money(a, "amount"), "term": ["start": try a.require("start"), "end": try a.require("end")],
                    "mortgageType": a.value("mortgage-type") ?? "general", "contractHash": digest]
        }
        return try AppCLI.validated { try JSONDecoder().decode(MortgageApplication.self, from: JSONSerialization.data(withJSONObject: json)) }
    }

    /// Builds the application, has each owner key sign its consent (or keeps the signatures its JSON carries), and
    /// submits it signed by the bank.
    static func apply(_ a: Args, _ c: AppCLI.Context) throws {
        var app = try application(a, c)
        let ownerKeys = try a.values("owner-key").map { try KeyFile.read($0) }
        if ownerKeys.isEmpty {
            // Signatures made elsewhere (docs/transactions.md, "The owners' consent"), already in the JSON.
            if let unsigned = app.mortgagors.first(where: { $0.signature.isEmpty }) {
                throw UsageError("mortgagor \(unsigned.id) has not signed: give --owner-key, or add the owner's signature with 'mortgage attach-signature'")
            }
        } else {
            guard ownerKeys.count == app.mortgagors.count else {
                throw UsageError("give one --owner-key per mortgagor, in the same order (\(app.mortgagors.count) mortgagors, \(ownerKeys.count) keys)")
            }
            let chain = try c.chainID()
            for (m, k) in zip(app.mortgagors, ownerKeys) { try app.sign(for: m.id, with: k, chainID: chain) }
        }
        try AppCLI.validated { try app.validate() }
        try c.submit(MortgageApplication.type, app.canonicalBytes)
    }

    /// Prints the bytes every mortgagor signs: hex on stdout, or raw to --out FILE (what `openssl pkeyutl -sign
    /// -rawin -in FILE` signs).
    static func consent(_ a: Args, _ c: AppCLI.Context) throws {
        let bytes = try application(a, c).consentBytes(chainID: try c.chainID())
        if let out = a.value("out") {
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else { throw CommandFailed("cannot write \(out)") }
            if c.jsonOutput { print(try AppCLI.jsonText(["consentBytes": Hex.encode(bytes), "file": out])) }
            return
        }
        print(try c.jsonOutput ? AppCLI.jsonText(["consentBytes": Hex.encode(bytes)]) : Hex.encode(bytes))
    }

    /// Puts a mortgagor's detached signature into the application and prints the application's JSON. With
    /// --owner-public-key, refuses a signature that key did not make over these consent bytes on this chain.
    static func attachSignature(_ a: Args, _ c: AppCLI.Context) throws {
        var app = try application(a, c)
        let spec = try AppCLI.identity(try a.require("mortgagor"))
        let id: IdentityNumber
        do { id = try IdentityNumber(type: spec["idType"]!, number: spec["idNumber"]!) } catch let e as ValidationError {
            throw UsageError("--mortgagor: \(e.message)")
        }
        let hex = try a.require("signature")
        guard let signature = Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw UsageError("--signature: hex of the owner's signature") }
        if let keyText = a.value("owner-public-key") {
            let key = try PublicKey(text: AppCLI.publicKey(keyText))!
            let chain = try c.chainID()
            guard key.verify(signature: signature, message: app.consentBytes(chainID: chain)) else {
                throw CommandFailed("the signature is not \(key.text)'s signature of this application's consent bytes on chain \(chain)")
            }
        }
        try AppCLI.validated { try app.attachSignature(signature, for: id) }
        print(String(decoding: try SortedJSON.encode(app), as: UTF8.self))
    }
}
