import Foundation
import YongchainNode

/// `yongchain node run`: the node in the foreground until SIGINT or SIGTERM; SIGHUP reopens its log file.
enum NodeCommand {
    static let help = """
    yongchain node run --home DIR [--log-level debug|info|warn|error] [--log-format json|text] [--log-file FILE]

    Runs a node from DIR (config.json, genesis.json, node.key, data/). Stops cleanly on SIGINT/SIGTERM. Logs go to
    stderr, or with --log-file are appended to FILE (stdout and stderr both, so a crash report lands there too);
    SIGHUP reopens FILE by name, so logrotate (or mv) can rotate it: rename the file, then send SIGHUP.
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard argv.first == "run" else { throw UsageError("node needs 'run'") }
        let a = try Args(Array(argv.dropFirst()), valued: ["home", "log-level", "log-format", "log-file"])
        let home = try a.require("home")
        guard let level = Logger.Level(name: a.value("log-level") ?? "info") else { throw UsageError("--log-level: debug, info, warn or error") }
        guard let format = Logger.Format(rawValue: a.value("log-format") ?? "json") else { throw UsageError("--log-format: json or text") }
        let logger = Logger(level: level, format: format)
        if let file = a.value("log-file") { try logger.write(to: file) }
        // Block SIGINT/SIGTERM/SIGHUP before the node starts any thread, so every thread inherits the mask and the
        // signal stays pending until sigwait takes it (with a dispatch source, a signal delivered to a thread that
        // had not ignored it could be lost: in containers the node never stopped on SIGTERM). SIGHUP's default
        // action would end the process.
        var signals = sigset_t()
        sigemptyset(&signals)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, s) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        ProcessMemory.configure()
        let nodeHome = NodeHome(home)
        let stop: () -> Void
        if try nodeHome.loadConfig().nodeKind == .member {
            let node = try MemberNodeRuntime(home: nodeHome, logger: logger)
            try node.start()
            stop = node.stop
        } else {
            let node = try Node(home: nodeHome, logger: logger)
            try node.start()
            stop = node.stop
        }
        var received: Int32 = 0
        while sigwait(&signals, &received) == 0, received == SIGHUP {
            do {
                if let path = try logger.reopen() { logger.info("node", "log reopened", ["file": path, "signal": "SIGHUP"]) }
                else { logger.warn("node", "SIGHUP: there is no --log-file to reopen") }
            } catch {
                logger.error("node", "SIGHUP: \(error); logging goes on to the file open before")
            }
        }
        logger.info("node", "stopping", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT"])
        stop()
    }
}
