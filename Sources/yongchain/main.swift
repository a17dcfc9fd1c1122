import Foundation

// The admin CLI and node launcher. Every subcommand explains itself with --help; a usage error prints one
// line to stderr and exits 2; a failure of the operation itself exits 1.
signal(SIGPIPE, SIG_IGN)

let argv = Array(CommandLine.arguments.dropFirst())
do {
    try CLI.run(argv)
    exit(0)
} catch let e as UsageError {
    printErr("yongchain: \(e.message) (see: yongchain \(argv.first ?? "") --help)")
    exit(2)
} catch {
    printErr("yongchain: \(error)")
    exit(1)
}
