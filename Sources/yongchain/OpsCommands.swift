import Foundation
import YongchainNode

/// Operator commands that work on a node's home directory: backup, restore, verify.
enum BackupCommand {
    static let help = "yongchain backup --home DIR --out FILE     consistent online copy of the node's database (safe while it runs)"
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["home", "out"])
        let h = try ChainAudit.backup(home: NodeHome(try a.require("home")), to: try a.require("out"))
        print("backup of height \(h) written to \(try a.require("out"))")
    }
}

enum RestoreCommand {
    static let help = "yongchain restore --home DIR --from FILE [--force]   install a backup as a stopped node's database"
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["home", "from"], switches: ["force"])
        let h = try ChainAudit.restore(home: NodeHome(try a.require("home")), from: try a.require("from"), force: a.flag("force"))
        print("restored height \(h); start the node and it catches up from its peers")
    }
}

enum VerifyCommand {
    static let help = """
    yongchain verify chain --home DIR
        Offline audit of the whole chain in DIR: hash links, transaction roots, commit certificates against the
        validator set, and re-execution from genesis reproducing every recorded state hash. Reads a copy; never
        changes the node's data. Exit 0 and one verdict line when the chain is sound, 1 with the first bad height.
    """
    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard argv.first == "chain" else { throw UsageError("verify needs 'chain'") }
        let a = try Args(Array(argv.dropFirst()), valued: ["home"])
        let started = Date()
        let h = try ChainAudit.verify(home: NodeHome(try a.require("home"))) { done, total in
            printErr("verified \(done) of \(total) blocks")
        }
        print(String(format: "chain OK: %llu blocks verified (links, roots, certificates, state hashes) in %.1f s", h, Date().timeIntervalSince(started)))
    }
}
