import Foundation

// The admin CLI and node launcher. Every subcommand explains itself with --help; a usage error prints one
// line to stderr and exits 2; a failure of the operation itself exits 1.
signal(SIGPIPE, SIG_IGN)

let argv = Array(CommandLine.arguments.dropFirst())
// With --output json, errors too are JSON on stderr: {"error":{"code","message"}}, as the node writes them.
let jsonErrors = argv.contains("--output=json") || zip(argv, argv.dropFirst()).contains { $0 == "--output" && $1 == "json" }
func fail(_ code: String, _ message: String, status: Int32) -> Never {
    if jsonErrors, let d = try? JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]], options: [.sortedKeys]) {
        printErr(String(decoding: d, as: UTF8.self))
    } else {
        printErr("yongchain: \(message)")
    }
    exit(status)
}
do {
    try CLI.run(argv)
    exit(0)
} catch let e as UsageError {
    fail("USAGE", "\(e.message) (see: yongchain \(argv.first ?? "") --help)", status: 2)
} catch let e as CommandFailed {
    fail(e.code, e.description, status: 1)
} catch {
    fail("FAILED", "\(error)", status: 1)
}
