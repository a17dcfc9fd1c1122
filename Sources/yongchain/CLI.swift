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
      greylist report|review|check|appeal|withdraw|...   the grey-list of suspicious account openers (yongchain greylist --help)
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
        case "greylist": try GreylistCommand.run(rest)
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

    /// A GET signed by `--key`'s key when given (docs/api-auth.md), so a node answers as it answers that member
    /// (blocks and transactions are served per caller: docs/confidentiality.md); unsigned otherwise.
    func get(_ path: String, signedPer a: Args) throws -> (Int, [UInt8]) {
        guard let file = a.value("key") else { return try get(path) }
        let key = try KeyFile.read(file)
        let r = try send("GET", path, headers: RequestAuth.headers(method: "GET", target: path, key: key, chainID: try TxCommand.chain(a, self).id))
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
        Submitting a committed transaction again is safe: waiting, it prints the committed result again; with
        --no-wait the node answers TX_ALREADY_COMMITTED (docs/transactions.md, "Retries").
    yongchain tx show HASH [--node URL] [--min-height H] [--key FILE]
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
            let a = try Args(Array(argv.dropFirst()), valued: ["node", "min-height", "output", "key", "chain-id", "hash-suite"])
            guard let h = a.positionals.first else { throw UsageError("tx show needs a HASH") }
            let (s, b) = try NodeClient(a.value("node")).get(try AppCLI.withMinHeight("/v1/txs/\(h)", a), signedPer: a)
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
        let chainID = try a.value("chain-id") ?? chain(c).id
        return Transaction.signed(type: type, body: body, nonce: nonce, key: key, chainID: chainID)
    }

    /// The chain's id and hash suite: `--chain-id` (with `--hash-suite`, sha256 unless given), else the node's.
    static func chain(_ a: Args, _ c: NodeClient) throws -> Chain {
        guard let id = a.value("chain-id") else { return try chain(c) }
        let name = a.value("hash-suite") ?? HashSuite.sha256.rawValue
        guard let s = HashSuite(rawValue: name) else { throw UsageError("--hash-suite: sha256 or sm3, not '\(name)'") }
        return Chain(id: id, hashSuite: s)
    }

    /// The node's chain: its id and hash suite, as `/v1/status` says (a node of a build without suites: sha256).
    static func chain(_ c: NodeClient) throws -> Chain {
        let (s, b) = try c.get("/v1/status")
        guard s == 200, let obj = try JSONSerialization.jsonObject(with: Data(b)) as? [String: Any], let id = obj["chainId"] as? String else {
            throw CommandFailed("cannot read the chain id from \(c.base)/v1/status (HTTP \(s))")
        }
        let name = obj["hashSuite"] as? String ?? HashSuite.sha256.rawValue
        guard let suite = HashSuite(rawValue: name) else { throw CommandFailed("\(c.base)/v1/status names an unknown hash suite '\(name)'") }
        return Chain(id: id, hashSuite: suite)
    }
}
