import Foundation
import Testing

/// Help and docs are true (issue 15): every command and subcommand found by walking `yongchain --help` accepts
/// every option its help shows, and every example in the help, in README.md's command blocks and in
/// docs/operations.md's runs as printed against a live local cluster, after filling in the obvious placeholders.
/// The commands are discovered from the help and the examples extracted from the files, so a new command or a
/// changed doc is covered without touching this test.
@Suite struct HelpExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Examples not run, each with why. A prefix matches an example's text after `yongchain ` (help) or the
    /// whole line (docs).
    static let skipped: [(prefix: String, why: String)] = [
        ("node run", "runs a node until stopped; `cluster up` below starts nodes the same way"),
        ("demo", "runs until Ctrl-C (without --exit); DemoEndToEndTests runs `demo --exit`"),
        ("bench", "a load run of minutes on a release build; its options are checked to parse above"),
        ("tx sign", "TYPE and a JSON body are not placeholders to fill generically; IndependentClientTests and IntegratorCLITests sign real bodies"),
        ("tx submit", "the same; IndependentClientTests submits every transaction type"),
        ("tx show", "needs a transaction hash; IntegratorCLITests reads its own writes"),
        ("verify answer --genesis FILE", "the synopsis; the README and docs/operations.md examples verify a real saved answer"),
        ("mortgage <subcommand>", "a synopsis of the group, not a command; each subcommand's options are checked above"),
        ("trade <subcommand>", "a synopsis of the group, not a command; each subcommand's options are checked above"),
        ("property <subcommand>", "a synopsis of the group, not a command; each subcommand's options are checked above"),
        ("governance <subcommand>", "a synopsis of the group, not a command; each subcommand's options are checked above"),
        ("greylist <subcommand>", "a synopsis of the group, not a command; each subcommand's options are checked above"),
        ("genesis new --chain-id ID --org SPEC", "the synopsis; the Example under it runs"),
        ("genesis assemble --chain-id ID", "the synopsis; the Example in org --help runs it on a card org init wrote"),
        ("org init --home DIR --name NAME", "the synopsis; the Example under it runs"),
        ("org bundle --home DIR --genesis FILE", "the synopsis; the Example under it runs"),
        ("org join --home DIR --genesis FILE", "the synopsis; a joining organisation needs a card org init wrote and a vote: GovernanceEndToEndTests runs it"),
        ("swift build -c release && .build/release/yongchain demo", "a release build, then a demo that runs until Ctrl-C"),
        ("bash .ci/run", "runs this test suite"),
        ("open http", "opens a browser (macOS `open`); the status page is checked in StatusPageTests"),
        // docs/operations.md, "Containers": image building and container commands need podman (or a Docker engine) and
        // root; scripts/podman-common.sh, podman-cluster.sh and five-hosts.sh run them, slowly, outside CI.
        ("docker build", "needs a Docker engine and a registry; scripts/podman-common.sh builds the same image offline with podman"),
        ("debootstrap ", "makes a root file system (minutes, root); scripts/podman-common.sh yc_base_image runs it"),
        ("tar -C rootfs", "imports that file system into podman; scripts/podman-common.sh yc_base_image runs it"),
        ("swift build -c release --static-swift-stdlib", "a release build of minutes; scripts/podman-common.sh yc_node_image runs it"),
        ("cp .build/release/yongchain docker/", "the image's build context; scripts/podman-common.sh yc_node_image makes it"),
        ("podman ", "needs podman and the image; scripts/podman-cluster.sh and scripts/five-hosts.sh run these"),
        ("podman-compose ", "needs podman and the image; scripts/five-hosts.sh runs each organisation's bundle this way"),
        ("YONGCHAIN_GENESIS=genesis.json yongchain status --node https://10.0.0.", "an address of the ceremony's example hosts; scripts/five-hosts.sh asks its own hosts"),
        ("curl -fsS --insecure --pinnedpubkey sha256//… https://10.0.0.", "an address of the ceremony's example hosts; the Health section's curl runs against the test cluster"),
    ]

    struct Run { let status: Int32; let out: String; let err: String }

    final class Context {
        let exe = ClusterHarness.executable()
        let cluster: ClusterHarness
        let scratch: String
        private var fresh = 0
        init(validators: Int = 2) throws {
            cluster = try ClusterHarness(validators: validators, emptyBlockMs: 200)
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent("yc-examples-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: scratch) }

        var home: String { cluster.dir + "/" + cluster.nodes[0].name }
        func newPath(_ name: String) -> String { fresh += 1; return "\(scratch)/\(name)-\(fresh)" }

        func run(_ argv: [String]) throws -> Run {
            try spawn(exe, argv)
        }
        func shell(_ line: String) throws -> Run {
            try spawn("/bin/sh", ["-c", line])
        }
        private func spawn(_ path: String, _ argv: [String]) throws -> Run {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = argv
            p.currentDirectoryURL = URL(fileURLWithPath: scratch)
            var env = ProcessInfo.processInfo.environment
            env["YONGCHAIN_NODE"] = cluster.nodes[0].url
            p.environment = env
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            // A command that does not finish is a failure, not a hung suite.
            let timeout = DispatchWorkItem { if p.isRunning { p.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: timeout)
            defer { timeout.cancel() }
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return Run(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
        }

        /// Runs examples in the order an operator would: offline ones, `cluster up`, the ones that need running
        /// nodes, `cluster down`, then the ones that need a stopped node.
        func runInOrder(_ examples: [(source: String, command: String)]) throws -> Int {
            func phase(_ c: String) -> Int {
                let verb = c.split(separator: " ").dropFirst().prefix(2).joined(separator: " ")
                if verb == "cluster up" { return 1 }
                if verb == "cluster down" { return 3 }
                if verb.hasPrefix("restore") { return 4 }
                if verb.hasPrefix("keys") || verb.hasPrefix("genesis") || verb.hasPrefix("org") || verb == "cluster init" { return 0 }
                return 2
            }
            var lastPublicKey: String?
            let ordered = examples.enumerated().sorted { (phase($0.element.command), $0.offset) < (phase($1.element.command), $1.offset) }
            for (_, example) in ordered {
                // Files an example names as key=NAME.key (the genesis example) exist, as its text assumes.
                for match in example.command.matches(of: /key=([A-Za-z0-9_-]+\.key)/) where !FileManager.default.fileExists(atPath: "\(scratch)/\(match.1)") {
                    _ = try run(["keys", "new", "--out", "\(scratch)/\(match.1)"])
                }
                // `<from keys new>`: what the `keys new` before it printed, as a person would paste it.
                let command = example.command.replacingOccurrences(of: "<from keys new>", with: lastPublicKey ?? "<no keys new before>")
                let r = try shell(command)
                if let key = r.out.split(separator: "\n").first(where: { $0.hasPrefix("publicKey:") })?.split(separator: " ").last {
                    lastPublicKey = String(key)
                }
                #expect(r.status == 0, "\(example.source): `\(command)` exited \(r.status): \(r.out) \(r.err)")
                // What follows reads blocks, so let the started cluster commit one.
                if phase(example.command) == 1 {
                    let started = Date()
                    let committed = cluster.eventually(20) { cluster.height(cluster.nodes[0].name) >= 1 }
                    print("HelpExamples: first block \(committed ? "after" : "not within") \(Date().timeIntervalSince(started)) s")
                    #expect(committed, "no block after \(example.command): \(cluster.logTails())")
                }
            }
            return ordered.count
        }
    }

    static func options(_ text: String) -> Set<String> {
        let words = text.split(whereSeparator: { !($0.isLetter || $0 == "-") }).map(String.init)
        return Set(words.filter { $0.hasPrefix("--") && $0.count > 2 && $0 != "--help" && $0.dropFirst(2).first?.isLetter == true })
    }

    static func skipReason(_ text: String) -> String? {
        let bare = text.hasPrefix("yongchain ") ? String(text.dropFirst("yongchain ".count)) : text
        return skipped.first { text.hasPrefix($0.prefix) || bare.hasPrefix($0.prefix) }?.why
    }

    /// Removes `[optional]` parts, innermost first.
    static func withoutOptionals(_ s: String) -> String {
        var s = s
        while let r = s.range(of: #"\s*\[[^\[\]]*\]"#, options: .regularExpression) { s.removeSubrange(r) }
        return s
    }

    @Test func everyCommandsHelpOptionsAreAcceptedAndItsExamplesRun() throws {
        let ctx = try Context()
        let top = try ctx.run(["--help"])
        #expect(top.status == 0)
        var commands: [String] = []
        for line in top.out.split(separator: "\n") where line.hasPrefix("  ") {
            let synopsis = line.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0]
            for segment in synopsis.components(separatedBy: " | ") {
                if let word = segment.split(separator: " ").first.map(String.init),
                   word.allSatisfy({ $0.isLowercase || $0 == "-" }), !commands.contains(word) { commands.append(word) }
            }
        }
        #expect(commands.count >= 17, "commands found in yongchain --help: \(commands)")

        let probe = "--no-such-option-probe"
        var optionsChecked = 0, subcommandsChecked = 0
        var examples: [(source: String, command: String)] = []
        for command in commands {
            let help = try ctx.run([command, "--help"])
            #expect(help.status == 0 && help.out.contains(command), "yongchain \(command) --help: \(help.out) \(help.err)")
            // A line `yongchain CMD ...` or `  CMD ...` heads a block; more indented lines continue it. A block
            // whose second word is a subcommand is that subcommand's; the rest (group synopsis, notes) apply to all.
            var general = "", perSub: [(sub: String, text: String)] = []
            var current: Int? = nil
            // The top help's lines for this command count too: `  node run --home DIR ...`.
            let lines = top.out.components(separatedBy: "\n").filter { $0.hasPrefix("  \(command) ") }.map { "  " + $0.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0] }
                + help.out.components(separatedBy: "\n")
            for (i, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                let indent = line.prefix { $0 == " " }.count
                let words = trimmed.split(separator: " ").map(String.init)
                let startsCommand = words.first == "yongchain" || words.first == "$"
                let body = Array(words.drop { $0 == "$" || $0 == "yongchain" })
                if (startsCommand || indent <= 2) && body.first == command {
                    if body.count > 1, body[1].first?.isLowercase == true, body[1].allSatisfy({ $0.isLowercase || $0 == "-" }) {
                        perSub.append((body[1], trimmed)); current = perSub.count - 1
                    } else {
                        general += trimmed + "\n"; current = nil
                    }
                } else if startsCommand {
                    // An example of another command inside this one's (org's Example runs genesis assemble): its
                    // options are that command's, checked under it; the line still runs as an example below.
                } else if let c = current, indent > 0 {
                    perSub[c].text += "\n" + trimmed
                } else {
                    general += trimmed + "\n"
                }
                // Example lines: `yongchain ...` / `$ yongchain ...`, with `\` continuations, or anything under an Example heading.
                let underHeading = i > 0 && lines[i - 1].hasSuffix("Example:")
                if startsCommand || underHeading {
                    var text = trimmed.hasPrefix("$ ") ? String(trimmed.dropFirst(2)) : trimmed
                    var j = i
                    while text.hasSuffix("\\"), j + 1 < lines.count {
                        j += 1
                        text = String(text.dropLast()).trimmingCharacters(in: .whitespaces) + " " + lines[j].trimmingCharacters(in: .whitespaces)
                    }
                    text = text.components(separatedBy: "  ")[0]  // the description column
                    #expect(text.hasPrefix("yongchain "), "\(command) --help: an example that is not a yongchain command: \(text)")
                    examples.append(("yongchain \(command) --help", text))
                }
            }

            let subs = perSub.map(\.sub).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for sub in subs.isEmpty ? [nil] : subs.map(Optional.some) {
                let argv = [command] + (sub.map { [$0] } ?? [])
                if let sub {
                    let subHelp = try ctx.run(argv + ["--help"])
                    #expect(subHelp.status == 0 && subHelp.out.contains("\(command) \(sub)"), "yongchain \(command) \(sub) --help: \(subHelp.out) \(subHelp.err)")
                    subcommandsChecked += 1
                }
                let text = general + perSub.filter { $0.sub == sub }.map(\.text).joined(separator: "\n")
                for option in Self.options(text).sorted() {
                    // The probe after it proves the parser took the option and went on; nothing runs.
                    let r = try ctx.run(argv + [option, "x", probe])
                    #expect(r.err.contains("unknown option \(probe)") && !r.err.contains("unknown option \(option)"),
                            "yongchain \(argv.joined(separator: " ")) --help shows \(option), which it does not accept: \(r.err)")
                    optionsChecked += 1
                }
            }
        }
        #expect(optionsChecked > 100 && subcommandsChecked > 30, "only \(optionsChecked) options, \(subcommandsChecked) subcommands checked")

        // Fill the placeholders; an example with one left is a failure unless it is skipped on purpose.
        var runnable: [(source: String, command: String)] = []
        let restoreHome = ctx.newPath("restored-home")
        // `restore` installs a backup as a stopped node's database: a node set up (config, genesis, key) but not
        // yet started; restoring over an existing database takes --force, which the operations example shows.
        try FileManager.default.createDirectory(atPath: restoreHome, withIntermediateDirectories: true)
        for file in ["config.json", "genesis.json", "node.key"] {
            try FileManager.default.copyItem(atPath: "\(ctx.home)/\(file)", toPath: "\(restoreHome)/\(file)")
        }
        let backupFile = ctx.scratch + "/help-backup.sqlite", keyFile = ctx.scratch + "/help-example.key"
        for example in examples {
            let rest = String(example.command.dropFirst("yongchain ".count))
            if Self.skipReason(rest) != nil { continue }
            let words = Self.withoutOptionals(rest).split(separator: " ").map(String.init)
            let verb = words.prefix(2).joined(separator: " ")
            var filled: [String] = []
            for word in words {
                switch word {
                case "DIR":
                    switch verb {
                    case "cluster init": filled.append(ctx.newPath("init"))
                    case _ where verb.hasPrefix("restore"): filled.append(restoreHome)
                    case _ where verb.hasPrefix("cluster"): filled.append(ctx.cluster.dir)
                    default: filled.append(ctx.home)
                    }
                case "FILE": filled.append(verb.hasPrefix("keys") ? keyFile : backupFile)
                case "URL": filled.append(ctx.cluster.nodes[0].url)
                case _ where word.contains("|") && !word.hasPrefix("--"):
                    // `HEIGHT|latest`: the literal alternative.
                    guard let literal = word.split(separator: "|").first(where: { $0.allSatisfy { $0.isLowercase } }) else {
                        Issue.record("\(example.source): no value for \(word) in `\(example.command)`; fill it or skip the example with a reason"); continue
                    }
                    filled.append(String(literal))
                default:
                    if word.count > 1, word.allSatisfy({ $0.isUppercase || $0 == "_" }) {
                        Issue.record("\(example.source): no value for placeholder \(word) in `\(example.command)`; fill it or skip the example with a reason")
                    }
                    filled.append(word)
                }
            }
            runnable.append((example.source, ([ctx.exe] + filled).joined(separator: " ")))
        }
        let ran = try ctx.runInOrder(runnable)
        #expect(ran >= 12, "only \(ran) help examples ran: \(runnable.map(\.command))")
    }

    @Test func theReadmeAndOperationsExamplesRun() throws {
        // Three validators: registry, trade-authority and bank-a on ports BASE+1..3, the names and ports the
        // README's examples use (it shows four; the fourth is never addressed).
        let ctx = try Context(validators: 3)
        // ed25519:… in a genesis example: real public keys, one per organisation.
        var publicKeys: [String] = []
        for i in 0..<8 {
            let r = try ctx.run(["keys", "new", "--out", "\(ctx.scratch)/org-\(i).key"])
            publicKeys.append(try #require(r.out.split(separator: "\n").first { $0.hasPrefix("publicKey:") }?.split(separator: " ").last.map(String.init)))
        }
        let base = ctx.cluster.basePort
        var runnable: [(source: String, command: String)] = []
        var seen = 0
        for file in ["README.md", "docs/operations.md"] {
            let text = try String(contentsOfFile: "\(Self.root)/\(file)", encoding: .utf8)
            var lines = text.components(separatedBy: "\n")
            if file == "README.md" { lines = Array(lines.prefix(60)) }
            var inShell = false
            var i = 0
            while i < lines.count {
                defer { i += 1 }
                let line = lines[i]
                if line.hasPrefix("```") { inShell = line == "```sh" && !inShell ? true : false; continue }
                guard inShell else { continue }
                var command = line
                let lineNo = i + 1
                while command.hasSuffix("\\"), i + 1 < lines.count {
                    i += 1
                    command = String(command.dropLast()) + " " + lines[i].trimmingCharacters(in: .whitespaces)
                }
                // Drop a trailing `# comment` (outside quotes; the commands here quote only JSON).
                if let r = command.range(of: #"\s+#\s.*$"#, options: .regularExpression) { command.removeSubrange(r) }
                command = command.trimmingCharacters(in: .whitespaces)
                if command.isEmpty || command.hasPrefix("Y=") { continue }
                seen += 1
                if Self.skipReason(command) != nil { continue }
                let source = "\(file):\(lineNo)"
                // Substitute the machine-specific values: the binary, paths, ports; one node for `--validators 4`.
                command = Self.withoutOptionals(command)
                command = command.replacingOccurrences(of: "$Y ", with: "yongchain ")
                command = command.replacingOccurrences(of: #"/tmp/(?!yc(?=/|\s|$))"#, with: ctx.scratch + "/tmp-", options: .regularExpression)
                command = command.replacingOccurrences(of: #"/tmp/yc(?=/|\s|$)"#, with: command.contains("cluster init") ? ctx.newPath("doc-init") : ctx.cluster.dir, options: .regularExpression)
                command = command.replacingOccurrences(of: "/var/lib/yongchain", with: ctx.home)
                command = command.replacingOccurrences(of: "/etc/yongchain/", with: ctx.scratch + "/etc-")
                command = command.replacingOccurrences(of: #"/backup/[^ ]+"#, with: ctx.scratch + "/doc-backup.sqlite", options: .regularExpression)
                for n in 1...9 { command = command.replacingOccurrences(of: "127.0.0.1:2660\(n)", with: "127.0.0.1:\(base + n)") }
                var k = 0
                while let r = command.range(of: "ed25519:…") { command.replaceSubrange(r, with: publicKeys[k]); k += 1 }
                for part in command.components(separatedBy: " | ") {
                    guard part.hasPrefix("yongchain ") || part.hasPrefix("curl ") else {
                        Issue.record("\(source): not a yongchain command and not skipped with a reason: \(part)"); continue
                    }
                    runnable.append((source, part.hasPrefix("curl ") ? "curl -fsS -o /dev/null " + part.dropFirst("curl ".count) : ctx.exe + part.dropFirst("yongchain".count)))
                }
            }
        }
        #expect(seen >= 20, "only \(seen) command lines found in README.md and docs/operations.md")
        let ran = try ctx.runInOrder(runnable)
        #expect(ran >= 15, "only \(ran) doc examples ran: \(runnable.map(\.command))")
    }
}
