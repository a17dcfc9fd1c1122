import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

enum CLI {
    static let usage = """
    yongchain — a consortium ledger node and its admin CLI

    usage: yongchain <command> [options]     (yongchain <command> --help for details)

      keys new --out FILE            create an Ed25519 key (PKCS#8 PEM, mode 0600)
      keys show FILE                 print a key file's public key and key id
      genesis new|assemble ...       write a genesis file (chain id, organisations), or assemble it from member cards
      org init|bundle ...            one organisation's host: its key and member card; its node's config and compose file
      node run --home DIR            run a node
      cluster init|up|down|status    a local multi-node cluster on 127.0.0.1
      status | validators | peers    ask a node (--node URL)
      blocks show HEIGHT|latest      a block; blocks list
      tx sign|submit|show ...        sign a transaction (sign: print only); send one, or one signed elsewhere; look one up
      property ... | mortgage ...    real-estate registration and mortgages (yongchain mortgage --help)
      trade ...                      cross-border trade finance (yongchain trade --help)
      governance propose|vote|list|show   members, keys, validators and parameters, by the consortium's vote
      demo [--exit]                  a local 4-validator cluster running both applications' flows
      bench                          load generator: throughput, latency, CPU and memory (release build)
      backup | restore               consistent online backup of a node's database, and restoring it
      verify chain --home DIR        offline audit of a node's whole chain
      verify answer --genesis F FILE check a proven answer (?prove=true) offline, from genesis alone
    """

    static func run(_ argv: [String]) throws {
        guard let cmd = argv.first else { print(usage); throw UsageError("missing command") }
        let rest = Array(argv.dropFirst())
        switch cmd {
        case "--help", "-h", "help": print(usage)
        case "keys": try KeysCommand.run(rest)
        case "genesis": try GenesisCommand.run(rest)
        case "org": try OrgCommand.run(rest)
        case "node": try NodeCommand.run(rest)
        case "cluster": try ClusterCommand.run(rest)
        case "status", "validators", "peers": try QueryCommand.run(cmd, rest)
        case "blocks": try BlocksCommand.run(rest)
        case "tx": try TxCommand.run(rest)
        case "property": try PropertyCommand.run(rest)
        case "mortgage": try MortgageCommand.run(rest)
        case "trade": try TradeCommand.run(rest)
        case "governance": try GovernanceCommand.run(rest)
        case "demo": try DemoCommand.run(rest)
        case "bench": try BenchCommand.run(rest)
        case "backup": try BackupCommand.run(rest)
        case "restore": try RestoreCommand.run(rest)
        case "verify": try VerifyCommand.run(rest)
        default: throw UsageError("unknown command '\(cmd)'")
        }
    }

    static func wantsHelp(_ args: [String]) -> Bool { args.contains("--help") || args.contains("-h") }
}

/// Talks to a node's HTTP API for the CLI.
struct NodeClient {
    let base: String
    private let made: Result<HTTPClient, Error>
    private let refused = CLITLS.Refused()

    /// An `https://` URL needs the node's key: see `CLITLS`.
    init(_ url: String?) {
        let base = url ?? ProcessInfo.processInfo.environment["YONGCHAIN_NODE"] ?? "http://127.0.0.1:26601"
        self.base = base
        made = Result { [refused] in try CLITLS.client(for: base, refused: refused) }
    }

    /// One request. A TLS handshake refused for a key in no genesis is retried once, accepting that key, if a
    /// genesis member's node lists it among the members (`CLITLS.admittedMember`; only with a genesis file).
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double? = nil) throws -> HTTPResponse {
        do {
            return try made.get().send(method, url: base + path, headers: headers, body: body, timeout: timeout)
        } catch let e as HTTPError where e.code == "TLS_FAILED" {
            let env = ProcessInfo.processInfo.environment
            guard let key = refused.last, env["YONGCHAIN_NODE_PUBKEY"] == nil, let genesis = env["YONGCHAIN_GENESIS"] else { throw e }
            let member = try CLITLS.admittedMember(key, url: base, genesisPath: genesis)
            return try CLITLS.client(for: base, alsoAccept: member).send(method, url: base + path, headers: headers, body: body, timeout: timeout)
        }
    }

    func get(_ path: String) throws -> (Int, [UInt8]) {
        let r = try send("GET", path)
        return (r.status, r.body)
    }

    func post(_ path: String, json: [UInt8], timeout: Double? = nil) throws -> (Int, [UInt8]) {
        let r = try send("POST", path, headers: [("Content-Type", "application/json")], body: json, timeout: timeout)
        return (r.status, r.body)
    }

    /// Prints a JSON answer prettily; a non-2xx answer becomes an error carrying the node's code and message.
    static func show(_ status: Int, _ body: [UInt8]) throws {
        _ = try answer(status, body)
        print(prettyJSON(body))
    }

    /// The JSON object of a 2xx answer; otherwise an error with the node's code and message, on one line
    /// (in text: `yongchain: NOT_FOUND: HTTP 404: no block at height 9`).
    static func answer(_ status: Int, _ body: [UInt8]) throws -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        guard (200..<300).contains(status) else {
            let error = object?["error"] as? [String: Any]
            let code = error?["code"] as? String ?? "HTTP_\(status)"
            throw CommandFailed("HTTP \(status): \(error?["message"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self))", code: code)
        }
        return object ?? [:]
    }
}

func prettyJSON(_ body: [UInt8]) -> String {
    guard let obj = try? JSONSerialization.jsonObject(with: Data(body)),
          let d = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
        return String(decoding: body, as: UTF8.self)
    }
    return String(decoding: d, as: UTF8.self)
}

/// The operation itself failed (exit 1). `code` is the node's error or rejection code when there is one, so
/// `--output json` can print `{"error":{"code","message"}}` a script can act on.
struct CommandFailed: Error, CustomStringConvertible {
    let description: String
    let code: String
    init(_ d: String, code: String = "FAILED") {
        description = d
        self.code = code
    }
}

enum KeysCommand {
    static let help = """
    yongchain keys new --out FILE [--output json]     create a new Ed25519 private key file (PKCS#8 PEM, mode 0600); prints its public key
    yongchain keys show FILE [--output json]          print the public key and key id of a key file (refused if others can read it)
    """

    static func show(_ key: PrivateKey, file: String?, _ a: Args) throws {
        if a.value("output") == "json" {
            var o = ["publicKey": key.publicKey.text, "keyId": key.publicKey.keyID]
            if let file { o["file"] = file }
            print(try AppCLI.jsonText(o))
        } else {
            print("publicKey: \(key.publicKey.text)\nkeyId:     \(key.publicKey.keyID)" + (file.map { "\nfile:      \($0)" } ?? ""))
        }
    }

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("keys needs 'new' or 'show'") }
        switch sub {
        case "new":
            let a = try Args(Array(argv.dropFirst()), valued: ["out", "output"])
            let out = try a.require("out")
            let key = try PrivateKey.generate()
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

enum GenesisCommand {
    static let help = """
    yongchain genesis new --chain-id ID --org SPEC [--org SPEC ...] --out FILE [--output text|json]
        Each --org SPEC is comma-separated key=value pairs:
          name=bank-a,role=bank|registry,key=ed25519:<hex>|KEYFILE,address=http://HOST:PORT[,power=1][,authorities=realEstate+trade]
        power=0 makes a member that does not vote. Example:
      yongchain genesis new --chain-id city-1 --out genesis.json \\
        --org name=registry,role=registry,authorities=realEstate+trade,key=reg.key,address=http://10.0.0.1:26601

    yongchain genesis assemble --chain-id ID --time MS --out FILE [--empty-block-ms MS] [--output json] CARD.json [CARD.json ...]
        The coordinator's step of the genesis ceremony: one genesis from the member cards that `yongchain org init`
        wrote on each organisation's host (public keys and addresses only). Members are listed by name, so the
        same cards and --time (milliseconds since the epoch) give the same genesis and hash, whoever runs it:
        every member can re-run it to check the file it receives. The whole ceremony: yongchain org --help.
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) || !["new", "assemble"].contains(argv.first) {
            print(help)
            if !CLI.wantsHelp(argv) { throw UsageError("genesis needs 'new' or 'assemble'") }
            return
        }
        if argv.first == "assemble" { return try assemble(try Args(Array(argv.dropFirst()), valued: ["chain-id", "time", "out", "empty-block-ms", "output"])) }
        let a = try Args(Array(argv.dropFirst()), valued: ["chain-id", "org", "out", "time", "output"])
        let json = try Output.isJSON(a)
        let chain = try a.require("chain-id")
        let out = try a.require("out")
        guard !a.values("org").isEmpty else { throw UsageError("at least one --org") }
        let orgs = try a.values("org").map(parseOrg)
        let time = try a.value("time").map { v -> Int64 in
            guard let t = Int64(v) else { throw UsageError("--time is milliseconds since the epoch") }
            return t
        } ?? Int64(Date().timeIntervalSince1970 * 1000)
        let g = Genesis(chainID: chain, genesisTime: time, organizations: orgs)
        try g.validate()
        try GenesisFile.write(g, path: out)
        if json { return try Output.print(["genesisHash": g.hash.hex, "chainId": chain, "members": orgs.map(\.name), "voting": orgs.filter { $0.power > 0 }.count, "out": out]) }
        print("genesis \(g.hash.short) for chain \(chain) with \(orgs.count) organisations written to \(out)")
    }

    /// Largest number of member cards one assembly reads (genesis itself allows 1,000 organisations).
    static let maxCards = 1000

    static func assemble(_ a: Args) throws {
        let chain = try a.require("chain-id")
        let out = try a.require("out")
        // Required, not "now": a genesis time taken from the clock would make each re-run a different chain.
        guard let time = Int64(try a.require("time")), time > 0 else { throw UsageError("--time is milliseconds since the epoch, e.g. 1700000000000") }
        let emptyMs = try a.value("empty-block-ms").map { _ in try a.int("empty-block-ms", default: 0) }
        if let emptyMs, !(1..<3000).contains(emptyMs) { throw UsageError("--empty-block-ms must be 1 to 2999 (below the propose timeout)") }
        guard !a.positionals.isEmpty else { throw UsageError("genesis assemble needs the members' card files (member.json from yongchain org init)") }
        guard a.positionals.count <= maxCards else { throw UsageError("at most \(maxCards) member cards") }
        var cards: [(path: String, card: MemberCard)] = []
        for path in a.positionals {
            let card = try MemberCard.load(path)
            // What genesis would refuse, said about the cards the coordinator holds.
            if let other = cards.first(where: { $0.card.name == card.name }) {
                throw CommandFailed("\(path) and \(other.path) both name \(card.name)", code: "MEMBER_CARD_DUPLICATE")
            }
            if let other = cards.first(where: { $0.card.publicKey == card.publicKey }) {
                throw CommandFailed("\(path) and \(other.path) carry the same public key", code: "MEMBER_CARD_DUPLICATE")
            }
            if let other = cards.first(where: { $0.card.address == card.address }) {
                throw CommandFailed("\(path) and \(other.path) give the same address \(card.address)", code: "MEMBER_CARD_DUPLICATE")
            }
            cards.append((path, card))
        }
        let orgs = cards.map(\.card).sorted { $0.name < $1.name }.map(\.organization)
        var g = Genesis(chainID: chain, genesisTime: time, organizations: orgs)
        if let emptyMs { g.consensus.emptyBlockIntervalMs = emptyMs }
        try g.validate()
        try GenesisFile.write(g, path: out)
        let voting = orgs.filter { $0.power > 0 }.map(\.name), silent = orgs.filter { $0.power == 0 }.map(\.name)
        let voters = voting.count
        if a.value("output") == "json" {
            print(try AppCLI.jsonText(["genesisHash": g.hash.hex, "chainId": chain, "members": orgs.map(\.name), "voting": voters, "voters": voting, "out": out]))
            return
        }
        print("genesis \(g.hash.hex) for chain \(chain): \(orgs.count) members, \(voters) voting (\(voting.joined(separator: ", ")))"
              + (silent.isEmpty ? "" : ", \(silent.count) not voting (\(silent.joined(separator: ", ")))") + ", written to \(out)")
        if voters < 4 { print("note: with \(voters) voting members no validator may fail (4 tolerate one)") }
    }

    static func parseOrg(_ spec: String) throws -> Organization {
        var kv: [String: String] = [:]
        for part in spec.split(separator: ",") {
            let p = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard p.count == 2 else { throw UsageError("--org: '\(part)' is not key=value") }
            kv[p[0]] = p[1]
        }
        guard let name = kv["name"] else { throw UsageError("--org needs name=") }
        guard let r = kv["role"], let role = Role(rawValue: r) else { throw UsageError("--org \(name): role=bank or role=registry") }
        guard let k = kv["key"] else { throw UsageError("--org \(name): needs key=") }
        let key: PublicKey
        if let pk = PublicKey(text: k) { key = pk } else { key = try KeyFile.read(k).publicKey }
        guard let address = kv["address"] else { throw UsageError("--org \(name): needs address=http://HOST:PORT") }
        let power = try kv["power"].map { v -> UInt64 in
            guard let p = UInt64(v) else { throw UsageError("--org \(name): power is a whole number") }
            return p
        } ?? 1
        let auths = try (kv["authorities"]?.split(separator: "+") ?? []).map { s -> Authority in
            guard let a = Authority(rawValue: String(s)) else { throw UsageError("--org \(name): unknown authority '\(s)' (realEstate, trade)") }
            return a
        }
        return Organization(name: name, role: role, authorities: auths, publicKey: key, address: address, power: power)
    }
}

enum NodeCommand {
    static let help = """
    yongchain node run --home DIR [--log-level debug|info|warn|error] [--log-format json|text]

    Runs a node from DIR (config.json, genesis.json, node.key, data/). Stops cleanly on SIGINT/SIGTERM.
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard argv.first == "run" else { throw UsageError("node needs 'run'") }
        let a = try Args(Array(argv.dropFirst()), valued: ["home", "log-level", "log-format"])
        let home = try a.require("home")
        guard let level = Logger.Level(name: a.value("log-level") ?? "info") else { throw UsageError("--log-level: debug, info, warn or error") }
        guard let format = Logger.Format(rawValue: a.value("log-format") ?? "json") else { throw UsageError("--log-format: json or text") }
        let logger = Logger(level: level, format: format)
        // Block SIGINT/SIGTERM before the node starts any thread, so every thread inherits the mask and the signal
        // stays pending until sigwait takes it (with a dispatch source, a signal delivered to a thread that had not
        // ignored it could be lost: in containers the node never stopped on SIGTERM).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let node = try Node(home: NodeHome(home), logger: logger)
        try node.start()
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        logger.info("node", "stopping", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT"])
        node.stop()
    }
}

enum TxCommand {
    static let help = """
    yongchain tx sign --key FILE --type TYPE --body JSON|@FILE [--chain-id ID] [--nonce N] [--node URL]
        Builds the canonical body from JSON and prints the signed transaction: the JSON that POST /v1/txs takes
        (docs/transactions.md). Sends nothing; without --chain-id it asks the node for the chain id.
    yongchain tx submit --key FILE --type TYPE --body JSON|@FILE [--chain-id ID] [--nonce N] [--no-wait] [--node URL]
        The same, then submits it; by default waits for the commit and prints the result (accepted, or rejected
        with its code).
    yongchain tx submit --signed FILE|- [--no-wait] [--node URL]
        Submits a transaction signed elsewhere (tx sign, or a bank's own system): the JSON in FILE, or on stdin.
    yongchain tx show HASH [--node URL] [--min-height H]
    Answers are JSON; with --output json, so are errors (on stderr: {"error":{"code","message"}}).
    Types: \(LedgerApplication.transactionTypes.joined(separator: ", "))
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("tx needs 'sign', 'submit' or 'show'") }
        switch sub {
        case "sign":
            let a = try Args(Array(argv.dropFirst()), valued: ["key", "type", "body", "chain-id", "nonce", "node", "output"])
            let tx = try signed(a, NodeClient(a.value("node")))
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TransactionJSON(tx)))
            print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        case "submit":
            let a = try Args(Array(argv.dropFirst()), valued: ["key", "type", "body", "chain-id", "nonce", "node", "signed", "output"], switches: ["no-wait"])
            let c = NodeClient(a.value("node"))
            let envelope: [UInt8]
            if let file = a.value("signed") {
                for o in ["key", "type", "body", "chain-id", "nonce"] where a.value(o) != nil {
                    throw UsageError("--signed takes a transaction that is already signed: --\(o) does not apply")
                }
                let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
                guard let data else { throw UsageError("--signed: cannot read \(file)") }
                guard (try? JSONDecoder().decode(TransactionJSON.self, from: data)) != nil else {
                    throw UsageError("--signed: \(file) is not a signed transaction {type, body, signer, nonce, signature} (docs/transactions.md)")
                }
                envelope = Array(data)
            } else {
                envelope = Array(try JSONEncoder().encode(TransactionJSON(try signed(a, c))))
            }
            let path = a.flag("no-wait") ? "/v1/txs" : "/v1/txs?wait=commit"
            let (s, b) = try c.post(path, json: envelope, timeout: 30)
            try NodeClient.show(s, b)
        case "show":
            let a = try Args(Array(argv.dropFirst()), valued: ["node", "min-height", "output"])
            guard let h = a.positionals.first else { throw UsageError("tx show needs a HASH") }
            let (s, b) = try NodeClient(a.value("node")).get(try AppCLI.withMinHeight("/v1/txs/\(h)", a))
            try NodeClient.show(s, b)
        default: throw UsageError("unknown tx subcommand '\(sub)'")
        }
    }

    /// The transaction --key, --type, --body, --nonce and --chain-id (or the node's) describe, signed.
    static func signed(_ a: Args, _ c: NodeClient) throws -> Transaction {
        let key = try KeyFile.read(try a.require("key"))
        let type = try a.require("type")
        var bodyText = try a.require("body")
        if bodyText.hasPrefix("@") {
            guard let d = FileManager.default.contents(atPath: String(bodyText.dropFirst())) else { throw UsageError("cannot read \(bodyText.dropFirst())") }
            bodyText = String(decoding: d, as: UTF8.self)
        }
        let body = try AppCLI.validated { try LedgerApplication.canonicalBody(type: type, json: Array(bodyText.utf8)) }
        let nonce = try a.value("nonce").map { v -> UInt64 in
            guard let n = UInt64(v) else { throw UsageError("--nonce is a 64-bit unsigned number") }
            return n
        } ?? UInt64.random(in: 1...UInt64.max)
        let chain = try a.value("chain-id") ?? chainID(c)
        return Transaction.signed(type: type, body: body, nonce: nonce, key: key, chainID: chain)
    }

    static func chainID(_ c: NodeClient) throws -> String {
        let (s, b) = try c.get("/v1/status")
        guard s == 200, let obj = try JSONSerialization.jsonObject(with: Data(b)) as? [String: Any], let id = obj["chainId"] as? String else {
            throw CommandFailed("cannot read the chain id from \(c.base)/v1/status (HTTP \(s))")
        }
        return id
    }
}
