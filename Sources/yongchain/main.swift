import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode
import YongchainStorage

// The admin CLI and node launcher. Every subcommand explains itself with --help; a usage error prints one
// line to stderr and exits 2; a failure of the operation itself exits 1.
signal(SIGPIPE, SIG_IGN)

let argv = Array(CommandLine.arguments.dropFirst())
// With --output json, errors too are JSON on stderr: {"error":{"code","message"}}, as the node writes them.
let jsonErrors = argv.contains("--output=json") || zip(argv, argv.dropFirst()).contains { $0 == "--output" && $1 == "json" }

/// The stable code of what stopped the command (the codes the docs name), and its sentence.
func described(_ error: Error) -> (code: String, message: String) {
    switch error {
    case let e as UsageError: return ("USAGE", "\(e.message) (see: yongchain \(argv.first ?? "") --help)")
    case let e as CommandFailed: return (e.code, e.description)
    case let e as CodedError: return (e.code, e.message)
    case let e as HTTPError: return (e.code, e.description.dropPrefix(e.code + ": "))
    case let e as StorageError: return (e.code, "\(e)".dropPrefix(e.code + ": "))
    case let e as GenesisError: return ("GENESIS_INVALID", "\(e.field): \(e.message)")
    case let e as ValidationError: return (Codes.invalidField, "\(e)")
    case let e as ChainAudit.Failure: return ("CHAIN_INVALID", "at height \(e.height): \(e.reason)")
    default: return ("FAILED", "\(error)")
    }
}

/// Text says the code first unless the sentence already does: `yongchain: KEY_FILE_MISSING: no key at …`.
func fail(_ error: Error, status: Int32) -> Never {
    let (code, message) = described(error)
    if jsonErrors, let d = try? JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]], options: [.sortedKeys]) {
        printErr(String(decoding: d, as: UTF8.self))
    } else {
        printErr("yongchain: " + (["USAGE", "FAILED"].contains(code) || message.contains(code) ? message : "\(code): \(message)"))
    }
    exit(status)
}

extension String {
    func dropPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}

do {
    try CLI.run(argv)
    exit(0)
} catch let e as UsageError {
    fail(e, status: 2)
} catch {
    fail(error, status: 1)
}
