import Foundation
import YongchainCore
import YongchainCrypto
import YongchainNode

enum KeysCommand {
    static let help = """
    yongchain keys new --out FILE [--algorithm ed25519|sm2] [--output json]
        create a new private key file (PKCS#8 PEM, mode 0600): Ed25519 (the default) or SM2 (GB/T 32918, with SM3);
        prints its public key (ed25519:<64 hex> or sm2:<130 hex>, the algorithm is part of the key everywhere)
    yongchain keys show FILE [--output json]          print the public key and key id of a key file (refused if others can read it)
    """

    static func show(_ key: PrivateKey, file: String?, _ a: Args) throws {
        if a.value("output") == "json" {
            var o = ["publicKey": key.publicKey.text, "keyId": key.publicKey.keyID, "algorithm": key.suite.name]
            if let file { o["file"] = file }
            print(try AppCLI.jsonText(o))
        } else {
            print("publicKey: \(key.publicKey.text)\nkeyId:     \(key.publicKey.keyID)" + (file.map { "\nfile:      \($0)" } ?? ""))
        }
    }

    /// `--algorithm`: ed25519 (the default) or sm2.
    static func algorithm(_ a: Args) throws -> SignatureSuite {
        let name = a.value("algorithm") ?? SignatureSuite.ed25519.name
        guard let s = SignatureSuite(name: name) else {
            throw UsageError("--algorithm: \(SignatureSuite.allCases.map(\.name).joined(separator: " or ")), not '\(name)'")
        }
        return s
    }

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("keys needs 'new' or 'show'") }
        switch sub {
        case "new":
            let a = try Args(Array(argv.dropFirst()), valued: ["out", "output", "algorithm"])
            let out = try a.require("out")
            let key = try PrivateKey.generate(suite: try algorithm(a))
            try KeyFile.write(key, to: out)
            try show(key, file: out, a)
        case "show":
            let a = try Args(Array(argv.dropFirst()), valued: ["output"])
            guard let file = a.positionals.first else { throw UsageError("keys show needs a FILE") }
            try show(try KeyFile.read(file), file: nil, a)
        default: throw UsageError("unknown keys subcommand '\(sub)'")
        }
    }
}
