import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// A local cluster on 127.0.0.1: one home directory per node under DIR, processes started detached with their
/// logs in DIR/<node>/node.log and their pids in DIR/<node>/node.pid.
enum ClusterCommand {
    static let help = """
    yongchain cluster init --dir DIR [--validators 4] [--observers 0] [--base-port 26600] [--chain-id ID] [--empty-block-ms MS] [--tls]
                           [--crypto standard|sm] [--keys ALG[,ALG...]] [RULES]
        Writes keys, genesis and configs for validators (a real-estate registry, a trade authority, then banks;
        with 1 or 2 validators the registry holds both authorities and the second is bank-a) and optional
        non-voting observers, all on 127.0.0.1 ports BASE+1, BASE+2, ...; --empty-block-ms (1 to 2999) is genesis's
        emptyBlockIntervalMs (default 2000): how often a block is made when there are no transactions. --tls:
        TLS 1.3 between the nodes and for the API (https:// URLs; nodes authenticated by their node keys);
        without it the configs say "tls": "off" (plain HTTP). --crypto sm: the national suite, an SM3 chain
        (genesis hashSuite sm3) whose keys are SM2; standard (the default): SHA-256 and Ed25519. --keys: the
        validators' key algorithms in order (ed25519 or sm2, the last repeated), e.g. sm2,sm2,ed25519 for a
        mixed chain; it overrides --crypto's choice of keys, not of the hash.
        RULES, genesis's governance rules (docs/governance.md; each defaults as there): --threshold NUM/DEN
        (2/3: a proposal passes with more than that share of its voters' power), --voting-period-ms MS (7 days),
        --proposers members|voters (members).
    yongchain cluster init --dir DIR --member-banks 2 [--observers 0] [--base-port 26600] [--chain-id ID] [--empty-block-ms MS] [--tls] [--crypto standard|sm] [RULES]
        The consortium docs/confidentiality.md suggests: four validators running full nodes (registry with the
        real-estate authority, trade-authority, central-bank and credit-platform, the last two role supervisor)
        and N banks (bank-a, bank-b, …; 1 to 60) without a vote, each running a member node ("node": "member" in
        genesis and config.json): it holds headers, certificates and its own transactions, and answers its bank's
        reads by proof. The ports, and the open files the nodes need (ulimit -n), are checked before anything
        is written. --keys names the algorithms of all of them, validators first.
    yongchain cluster init --compose --dir cluster/nodes [--chain-id ID] [--crypto sm] [--keys ...] [RULES]
        Keys, genesis and configs for the compose consortium in cluster/compose.yaml, the --member-banks one: the
        registry, trade-authority, central-bank and credit-platform vote on full nodes; bank-a, bank-b and bank-c
        run member nodes. TLS 1.3 on. Prints the
        podman-compose command for that directory (another --dir is passed as YONGCHAIN_NODES). Run as root, it
        hands each node.key to the container's uid 10001; otherwise it warns that the container cannot read them.
    yongchain cluster up --dir DIR [--only NAME[,NAME]]     start the nodes (detached); waits until they answer
    yongchain cluster down --dir DIR [--only NAME[,NAME]]   stop them (SIGTERM, then SIGKILL after 10 s)
    yongchain cluster status --dir DIR                      height, round and step of every node, or down
    Each takes --output text|json. DIR may be relative or absolute, from any directory: the nodes' homes are read
    from beside cluster.json.
    """

    struct Manifest: Codable {
        struct Entry: Codable {
            let name: String; let home: String; let url: String; let validator: Bool
            /// true for a member node (`"node": "member"`); absent for a full node or an observer.
            var member: Bool? = nil
            var kind: String { member == true ? "member" : validator ? "validator" : "observer" }
        }
        let chainId: String
        /// The chain's hash suite; absent in a manifest written before suites existed (sha256).
        var hashSuite: String? = nil
        let nodes: [Entry]

        var chain: Chain { Chain(id: chainId, hashSuite: hashSuite.flatMap(HashSuite.init) ?? .sha256) }
    }

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("cluster needs init, up, down or status") }
        let a = try Args(Array(argv.dropFirst()), valued: ["dir", "validators", "observers", "base-port", "chain-id", "only", "empty-block-ms", "crypto", "keys", "member-banks",
                                                           "threshold", "voting-period-ms", "proposers", "output"], switches: ["compose", "tls"])
        let dir = try a.require("dir")
        let json = try Output.isJSON(a)
        switch sub {
        case "init": try initCluster(a, dir: dir)
        case "up": try up(dir: dir, only: a.value("only"), json: json)
        case "down": try down(dir: dir, only: a.value("only"), json: json)
        case "status": try status(dir: dir, json: json)
        default: throw UsageError("unknown cluster subcommand '\(sub)'")
        }
    }

    /// Genesis's governance rules from --threshold, --voting-period-ms and --proposers (nil when none is given: the
    /// defaults), checked as genesis checks them.
    static func governanceRules(_ a: Args) throws -> GovernanceRules? {
        guard a.value("threshold") != nil || a.value("voting-period-ms") != nil || a.value("proposers") != nil else { return nil }
        var r = GovernanceRules()
        if let t = a.value("threshold") {
            let parts = t.split(separator: "/").map { UInt64($0) }
            guard parts.count == 2, let num = parts[0], let den = parts[1] else { throw UsageError("--threshold is NUM/DEN, like 2/3, not '\(t)'") }
            (r.thresholdNumerator, r.thresholdDenominator) = (num, den)
        }
        if let p = a.value("voting-period-ms") {
            guard let ms = Int64(p) else { throw UsageError("--voting-period-ms is milliseconds, a whole number, not '\(p)'") }
            r.votingPeriodMs = ms
        }
        if let p = a.value("proposers") {
            guard let who = GovernanceRules.Proposers(rawValue: p) else { throw UsageError("--proposers: members or voters, not '\(p)'") }
            r.proposers = who
        }
        do { try r.validate() } catch let e as GenesisError { throw UsageError("\(e.field): \(e.message)") }
        return r
    }

    /// What `init --output json` prints.
    static func report(dir: String, genesis g: Genesis, entries: [Manifest.Entry], up: String?) throws {
        let r = g.governanceRules
        var o: [String: Any] = ["dir": dir, "chainId": g.chainID, "genesisHash": g.hash.hex,
                                "governance": ["threshold": "\(r.thresholdNumerator)/\(r.thresholdDenominator)", "votingPeriodMs": r.votingPeriodMs,
                                               "proposers": r.proposers.rawValue],
                                "nodes": entries.map { ["name": $0.name, "url": $0.url, "validator": $0.validator, "node": $0.member == true ? "member" : "full", "home": $0.home] }]
        if let up { o["up"] = up }
        try Output.print(o)
    }

    static func roleFor(_ i: Int, of n: Int) -> (String, Role, [Authority]) {
        if n == 1 { return ("registry", .registry, [.realEstate, .trade]) }
        if n == 2 { return i == 0 ? ("registry", .registry, [.realEstate, .trade]) : ("bank-a", .bank, []) }
        switch i {
        case 0: return ("registry", .registry, [.realEstate])
        case 1: return ("trade-authority", .registry, [.trade])
        default:
            let letter = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8((i - 2) % 26)))
            return ("bank-\(letter)", .bank, [])
        }
    }

    /// The compose consortium: the four authorities validate (f = 1 needs 3 of 4 online) on full nodes, three
    /// banks run member nodes (docs/confidentiality.md).
    static let composeMembers: [(String, Role, [Authority], UInt64, NodeKind)] =
        consortiumValidators.map { ($0.0, $0.1, $0.2, 1, .full) } + (0..<3).map { (bankName($0), .bank, [], 0, .member) }

    static func initCompose(_ a: Args, dir: String, chain: String, crypto: (HashSuite?, [SignatureSuite])) throws {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir + "/cluster.json") else { throw CommandFailed("\(dir) already holds a cluster") }
        var orgs: [Organization] = []
        var entries: [Manifest.Entry] = []
        for (i, (name, role, auths, power, kind)) in composeMembers.enumerated() {
            let home = "\(dir)/\(name)"
            try fm.createDirectory(atPath: home, withIntermediateDirectories: true)
            let key = try PrivateKey.generate(suite: crypto.1[i])
            try KeyFile.write(key, to: home + "/node.key")
            orgs.append(Organization(name: name, role: role, authorities: auths, publicKey: key.publicKey,
                                     address: "https://\(name):26601", power: power, node: kind))
            entries.append(.init(name: name, home: home, url: "https://127.0.0.1:\(26601 + i)", validator: power > 0, member: kind == .member ? true : nil))
        }
        var g = Genesis(chainID: chain, genesisTime: Int64(Date().timeIntervalSince1970 * 1000), organizations: orgs, hashSuite: crypto.0)
        g.governance = try governanceRules(a)
        try g.validate()
        for e in entries {
            try GenesisFile.write(g, path: e.home + "/genesis.json")
            var config = NodeConfig(moniker: e.name, listen: "0.0.0.0:26601", tls: true)
            if e.member == true { config.node = "member" }
            try config.write(path: e.home + "/config.json")
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(Manifest(chainId: chain, hashSuite: g.chain.hashSuite.rawValue, nodes: entries)).write(to: URL(fileURLWithPath: dir + "/cluster.json"))
        // The image runs as uid 10001; each key stays 0600, handed to that uid when we may (root), else a warning.
        if let warning = ContainerUser.handOver(entries.map { $0.home + "/node.key" }) { printErr(warning) }
        if try Output.isJSON(a) { return try report(dir: dir, genesis: g, entries: entries, up: "\(composeCommand(dir: dir)) up -d") }
        print("compose consortium '\(chain)' in \(dir): registry, trade-authority, central-bank, credit-platform vote on full nodes; bank-a, bank-b, bank-c run member nodes")
        print("published on 127.0.0.1:26601-\(26600 + entries.count); bring it up from the repository's root with:")
        print("  \(composeCommand(dir: dir)) up -d")
    }

    /// cluster/compose.yaml mounts ${YONGCHAIN_NODES:-./nodes}/NAME/...; paths relative to the compose file. So the
    /// default directory needs nothing, any other is passed as an absolute path.
    static func composeCommand(dir: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: dir, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
        let standard = URL(fileURLWithPath: "cluster/nodes", relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
        let env = absolute == standard ? "" : "YONGCHAIN_NODES=\(shellQuoted(absolute)) "
        // -p: podman-compose 1.0 ignores the file's `name:` and would name the project `cluster`, after the directory.
        return "\(env)podman-compose -p yongchain -f cluster/compose.yaml"
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=:,@".contains($0)) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func initCluster(_ a: Args, dir: String) throws {
        if a.flag("compose") {
            return try initCompose(a, dir: dir, chain: a.value("chain-id") ?? "yongchain-consortium", crypto: try crypto(a, validators: composeMembers.count))
        }
        let memberBanks = try a.value("member-banks").map { _ in try a.int("member-banks", default: 0) }
        if memberBanks != nil, a.value("validators") != nil { throw UsageError("--member-banks makes the four authorities the validators; leave out --validators") }
        let n = memberBanks == nil ? try a.int("validators", default: 4) : consortiumValidators.count
        let observers = try a.int("observers", default: 0)
        let base = try a.int("base-port", default: 26600)
        guard (1...50).contains(n) else { throw UsageError("--validators must be 1 to 50") }
        if let memberBanks, !(1...maxMemberBanks).contains(memberBanks) { throw UsageError("--member-banks must be 1 to \(maxMemberBanks)") }
        guard (0...10).contains(observers) else { throw UsageError("--observers must be 0 to 10") }
        guard (1024...65000).contains(base) else { throw UsageError("--base-port must be 1024 to 65000") }
        try checkCapacity(nodes: n + (memberBanks ?? 0) + observers, base: base)
        // Checked before anything is written, so a bad value leaves no half-made cluster behind.
        let emptyMs = try a.value("empty-block-ms").map { _ in try a.int("empty-block-ms", default: 0) }
        if let emptyMs, !(1..<3000).contains(emptyMs) { throw UsageError("--empty-block-ms must be 1 to 2999 (below the propose timeout)") }
        let chain = a.value("chain-id") ?? "yongchain-local"
        let (hashSuite, algorithms) = try crypto(a, validators: n + (memberBanks ?? 0))
        let rules = try governanceRules(a)
        let tls = a.flag("tls")
        let scheme = tls ? "https" : "http"
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/cluster.json") {
            throw CommandFailed("\(dir) already holds a cluster; remove it first or pick another --dir")
        }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var orgs: [Organization] = []
        var entries: [Manifest.Entry] = []
        if let memberBanks {
            (orgs, entries) = try consortium(memberBanks: memberBanks, dir: dir, base: base, scheme: scheme, algorithms: algorithms)
        }
        for i in 0..<(memberBanks == nil ? n : 0) {
            let (name, role, auths) = roleFor(i, of: n)
            let home = "\(dir)/\(name)"
            try fm.createDirectory(atPath: home, withIntermediateDirectories: true)
            let key = try PrivateKey.generate(suite: algorithms[i])
            try KeyFile.write(key, to: home + "/node.key")
            let url = "\(scheme)://127.0.0.1:\(base + i + 1)"
            orgs.append(Organization(name: name, role: role, authorities: auths, publicKey: key.publicKey, address: url, power: 1))
            entries.append(.init(name: name, home: home, url: url, validator: true))
        }
        for j in 0..<observers {
            let name = "observer-\(j + 1)"
            let home = "\(dir)/\(name)"
            try fm.createDirectory(atPath: home, withIntermediateDirectories: true)
            // Over TLS an observer serves a key banks can pin; it is no member's, so it votes and gossips nothing.
            if tls { try KeyFile.write(try PrivateKey.generate(suite: algorithms.last!), to: home + "/node.key") }
            entries.append(.init(name: name, home: home, url: "\(scheme)://127.0.0.1:\(base + entries.count + 1)", validator: false))
        }
        var g = Genesis(chainID: chain, genesisTime: Int64(Date().timeIntervalSince1970 * 1000), organizations: orgs, hashSuite: hashSuite)
        if let emptyMs { g.consensus.emptyBlockIntervalMs = emptyMs }
        g.governance = rules
        try g.validate()
        for e in entries {
            try GenesisFile.write(g, path: e.home + "/genesis.json")
            let port = e.url.split(separator: ":").last!
            var config = NodeConfig(moniker: e.name, listen: "127.0.0.1:\(port)", tls: tls, observer: !e.validator && e.member != true)
            if e.member == true { config.node = "member" }
            try config.write(path: e.home + "/config.json")
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(Manifest(chainId: chain, hashSuite: g.chain.hashSuite.rawValue, nodes: entries)).write(to: URL(fileURLWithPath: dir + "/cluster.json"))
        if try Output.isJSON(a) { return try report(dir: dir, genesis: g, entries: entries, up: nil) }
        print("cluster '\(chain)': \(n) validators, \(memberBanks.map { "\($0) member nodes, " } ?? "")\(observers) observers in \(dir)\(tls ? ", TLS 1.3" : ", plain HTTP")")
        for e in entries { print("  \(e.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e.url)  \(e.kind)  key: \(FileManager.default.fileExists(atPath: e.home + "/node.key") ? e.home + "/node.key" : "-")") }
    }

    /// `--crypto` and `--keys`: the genesis hash suite (nil: none named, sha256) and each validator's key algorithm.
    static func crypto(_ a: Args, validators n: Int) throws -> (HashSuite?, [SignatureSuite]) {
        let sm: Bool
        switch a.value("crypto") ?? "standard" {
        case "standard": sm = false
        case "sm": sm = true
        case let other: throw UsageError("--crypto: standard (SHA-256, Ed25519) or sm (SM3, SM2), not '\(other)'")
        }
        var algorithms = [SignatureSuite](repeating: sm ? .sm2 : .ed25519, count: n)
        if let list = a.value("keys") {
            let named = try list.split(separator: ",").map { name -> SignatureSuite in
                guard let s = SignatureSuite(name: String(name)) else { throw UsageError("--keys: ed25519 or sm2, not '\(name)'") }
                return s
            }
            guard let last = named.last else { throw UsageError("--keys: at least one algorithm") }
            algorithms = (0..<n).map { $0 < named.count ? named[$0] : last }
        }
        return (sm ? .sm3 : nil, algorithms)
    }

    /// The cluster in `dir`, each node's home where it lies beside cluster.json (`DIR/NAME`): cluster.json records
    /// them as `init` was given DIR, perhaps relative to a directory this command is not run from.
    static func manifest(_ dir: String) throws -> Manifest {
        guard let d = FileManager.default.contents(atPath: dir + "/cluster.json") else {
            throw CommandFailed("no cluster in \(dir); run: yongchain cluster init --dir \(dir)", code: "CLUSTER_MISSING")
        }
        let m = try JSONDecoder().decode(Manifest.self, from: d)
        return Manifest(chainId: m.chainId, hashSuite: m.hashSuite, nodes: m.nodes.map {
            .init(name: $0.name, home: "\(dir)/\(URL(fileURLWithPath: $0.home).lastPathComponent)", url: $0.url, validator: $0.validator, member: $0.member)
        })
    }

    static func selected(_ m: Manifest, _ only: String?) throws -> [Manifest.Entry] {
        guard let only else { return m.nodes }
        let names = Set(only.split(separator: ",").map(String.init))
        let unknown = names.subtracting(m.nodes.map(\.name))
        guard unknown.isEmpty else { throw UsageError("--only: no node named \(unknown.sorted().joined(separator: ", "))") }
        return m.nodes.filter { names.contains($0.name) }
    }

    static func up(dir: String, only: String?, json: Bool = false) throws {
        let m = try manifest(dir)
        // YONGCHAIN_NODE_EXE: another build's binary runs the nodes (a benchmark pairs two builds' nodes under one
        // load generator: docs/performance.md, session 14).
        let exe = try ProcessInfo.processInfo.environment["YONGCHAIN_NODE_EXE"] ?? Spawner.selfExecutable()
        var nodes: [[String: Any]] = []
        for e in try selected(m, only) {
            if let pid = Spawner.readPid(e.home + "/node.pid"), Spawner.isRunning(pid) {
                if !json { print("  \(e.name) already running (pid \(pid))") }
                nodes.append(["name": e.name, "url": e.url, "pid": Int(pid), "started": false])
                continue
            }
            // The node appends to node.log itself (reopened on SIGHUP, for rotation); the spawn's redirection keeps
            // what it says before it opens the file.
            let pid = try Spawner.spawnDetached(exe, ["node", "run", "--home", e.home, "--log-file", e.home + "/node.log"], log: e.home + "/node.log")
            try "\(pid)\n".write(toFile: e.home + "/node.pid", atomically: true, encoding: .utf8)
            if !json { print("  started \(e.name) (pid \(pid)) at \(e.url), log \(e.home)/node.log") }
            nodes.append(["name": e.name, "url": e.url, "pid": Int(pid), "started": true, "log": e.home + "/node.log"])
        }
        let deadline = Date().addingTimeInterval(15)
        for (i, e) in try selected(m, only).enumerated() {
            let client = try CLITLS.client(for: e.url, genesisPath: e.home + "/genesis.json", alsoAccept: CLITLS.ownKey(home: e.home))
            while true {
                if let r = try? client.send("GET", url: e.url + "/healthz", timeout: 1) {
                    // Answering is up; an unhealthy answer (503 with a code) is said, not waited out.
                    nodes[i]["healthy"] = r.status == 200
                    if r.status != 200, !json { print("  \(e.name) answers but is unhealthy: \(String(decoding: r.body, as: UTF8.self))") }
                    break
                }
                if let pid = Spawner.readPid(e.home + "/node.pid"), !Spawner.isRunning(pid) {
                    throw CommandFailed("\(e.name) exited; see \(e.home)/node.log", code: "NODE_EXITED")
                }
                guard Date() < deadline else { throw CommandFailed("\(e.name) did not answer at \(e.url) within 15 s; see \(e.home)/node.log", code: "NODE_NOT_ANSWERING") }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        if json { return try Output.print(["dir": dir, "nodes": nodes]) }
        print("cluster up: \(nodes.count) nodes answering")
    }

    /// Stops the nodes; says of each whether it was running, so a wrong --dir shows rather than passing silently.
    static func down(dir: String, only: String?, json: Bool = false) throws {
        let m = try manifest(dir)
        var nodes: [[String: Any]] = []
        for e in try selected(m, only) {
            let pid = Spawner.readPid(e.home + "/node.pid")
            let stopped = pid.map { Spawner.stop(pid: $0, grace: 10) } ?? false
            try? FileManager.default.removeItem(atPath: e.home + "/node.pid")
            nodes.append(["name": e.name, "stopped": stopped])
            if !json { print(stopped ? "  stopped \(e.name) (pid \(pid!))" : "  \(e.name) was not running") }
        }
        if json { try Output.print(["dir": dir, "nodes": nodes]) }
    }

    static func status(dir: String, json: Bool = false) throws {
        let m = try manifest(dir)
        var nodes: [[String: Any]] = []
        if !json { print("NODE              URL                       HEIGHT  ROUND  STEP        MEMPOOL  BLOCK") }
        for e in m.nodes {
            let pad = { (s: String, n: Int) in s.padding(toLength: n, withPad: " ", startingAt: 0) }
            let client = try CLITLS.client(for: e.url, genesisPath: e.home + "/genesis.json", alsoAccept: CLITLS.ownKey(home: e.home))
            guard let r = try? client.send("GET", url: e.url + "/v1/status", timeout: 2), r.status == 200,
                  let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else {
                if !json { print("\(pad(e.name, 18))\(pad(e.url, 26))down") }
                nodes.append(["name": e.name, "url": e.url, "validator": e.validator, "node": e.kind, "up": false])
                continue
            }
            let c = o["consensus"] as? [String: Any] ?? [:]
            nodes.append(["name": e.name, "url": e.url, "validator": e.validator, "node": e.kind, "up": true, "status": o])
            if !json {
                print("\(pad(e.name, 18))\(pad(e.url, 26))\(pad("\(o["height"] ?? "?")", 8))\(pad("\(c["round"] ?? "?")", 7))\(pad(e.member == true ? "member" : "\(c["step"] ?? "?")", 12))\(pad("\(o["mempoolSize"] ?? "?")", 9))\(String("\(o["latestBlockHash"] ?? "")".prefix(12)))")
            }
        }
        if json { try Output.print(["dir": dir, "chainId": m.chainId, "nodes": nodes]) }
    }
}
