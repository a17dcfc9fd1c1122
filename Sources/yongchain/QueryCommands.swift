import Foundation

/// `--output text|json`, which every command takes: `json` prints what a program reads (the node's answer as it
/// gave it, or the command's result as one JSON object; errors too, on stderr), `text` what a person reads.
enum Output {
    static func isJSON(_ a: Args) throws -> Bool {
        switch a.value("output") ?? "text" {
        case "text": return false
        case "json": return true
        case let v: throw UsageError("--output: text or json, not '\(v)'")
        }
    }

    /// Prints `object` as one line of sorted JSON.
    static func print(_ object: Any) throws { Swift.print(try AppCLI.jsonText(object)) }

    static func time(_ ms: Any?) -> String {
        guard let ms = ms as? Int else { return "?" }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func pad(_ s: Any?, _ n: Int) -> String { "\(s ?? "-")".padding(toLength: max(n, "\(s ?? "-")".count + 1), withPad: " ", startingAt: 0) }
}

/// `yongchain status | validators | peers`: GET /v1/<cmd> from a node.
enum QueryCommand {
    static func run(_ cmd: String, _ argv: [String]) throws {
        if CLI.wantsHelp(argv) {
            print("yongchain \(cmd) [--node URL] [--min-height H] [--output text|json]    GET /v1/\(cmd) from a node (default $YONGCHAIN_NODE or http://127.0.0.1:26601); json: the node's answer as it gave it")
            return
        }
        let a = try Args(argv, valued: ["node", "min-height", "output"])
        let json = try Output.isJSON(a)
        let (s, b) = try NodeClient(a.value("node")).get(try AppCLI.withMinHeight("/v1/\(cmd)", a))
        let o = try NodeClient.answer(s, b)
        if json { return print(String(decoding: b, as: UTF8.self)) }
        switch cmd {
        case "status": status(o)
        case "validators": validators(o)
        default: peers(o)
        }
    }

    static func status(_ o: [String: Any]) {
        if o["node"] as? String == "member" {
            print("chain:       \(o["chainId"] ?? "?")")
            print("node:        \(o["moniker"] ?? "?") (member node: headers, certificates and its own transactions)")
            print("height:      \(o["height"] ?? "?"), block \(o["latestBlockHash"] ?? "?"), \(Output.time(o["latestBlockTime"]))")
            print("proven:      own transactions complete to height \(o["provenHeight"] ?? "?"); transport \(o["transport"] ?? "?")")
            return
        }
        let c = o["consensus"] as? [String: Any] ?? [:], v = o["validatorSet"] as? [String: Any] ?? [:]
        let index = (o["validatorIndex"] as? Int).map { "validator \($0)" } ?? "observer: signs nothing"
        print("chain:       \(o["chainId"] ?? "?")")
        print("node:        \(o["moniker"] ?? "?") (\(index))")
        print("height:      \(o["height"] ?? "?"), block \(o["latestBlockHash"] ?? "?"), \(Output.time(o["latestBlockTime"]))")
        print("consensus:   height \(c["height"] ?? "?"), round \(c["round"] ?? "?"), \(c["step"] ?? "?")\(o["catchingUp"] as? Bool == true ? ", catching up" : "")")
        print("health:      \(o["health"] ?? "?")\((o["healthMessage"] as? String).map { ": \($0)" } ?? "")")
        var set = "validators:  \(v["size"] ?? "?"), total power \(v["totalPower"] ?? "?"), since height \(v["since"] ?? "?") (set \(v["hash"] ?? "?"))"
        if let p = v["pending"] as? [String: Any] { set += "; from height \(p["from"] ?? "?"): \(p["size"] ?? "?"), total power \(p["totalPower"] ?? "?")" }
        print(set)
        print("mempool:     \(o["mempoolSize"] ?? "?") transactions; open proposals \(o["openProposals"] ?? "-"); transport \(o["transport"] ?? "?")")
    }

    static func validators(_ o: [String: Any]) {
        print("set signing height \(o["height"] ?? "?"): total power \(o["totalPower"] ?? "?"), quorum \(o["quorum"] ?? "?"), since height \(o["since"] ?? "?") (set \(o["validatorsHash"] ?? "?"))")
        print("INDEX  NAME              POWER       LAST SIGNED  PUBLIC KEY")
        for v in o["validators"] as? [[String: Any]] ?? [] {
            print(Output.pad(v["index"], 7) + Output.pad(v["name"], 18) + Output.pad(v["power"], 12) + Output.pad(v["lastSignedHeight"], 13)
                  + "\(v["publicKey"] ?? "?")" + (v["proposerNext"] as? Bool == true ? "  (proposes next)" : ""))
        }
    }

    static func peers(_ o: [String: Any]) {
        print("NAME              URL                          HEIGHT    LAST CONTACT              SENT      FAILURES  LAST ERROR")
        for p in o["peers"] as? [[String: Any]] ?? [] {
            print(Output.pad(p["name"], 18) + Output.pad(p["url"], 29) + Output.pad(p["height"], 10)
                  + Output.pad(p["lastContactMs"].map { Output.time($0) }, 26) + Output.pad(p["sent"], 10) + Output.pad(p["failures"], 10)
                  + "\(p["lastError"] as? String ?? "-")")
        }
    }
}

/// `yongchain blocks show | list`.
enum BlocksCommand {
    static let help = """
    yongchain blocks show HEIGHT|latest [--node URL] [--min-height H] [--output text|json] [--key FILE]
    yongchain blocks list [--limit N] [--node URL] [--min-height H] [--output text|json]
        json: the node's answer as it gave it (docs/openapi.yaml; a block's certificates: docs/consensus.md)
        --key FILE signs the request as that member: once a member runs a member node, a full node shows a block's
        transactions only to a full member, a member node's organisation its own (docs/confidentiality.md)
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        guard let sub = argv.first else { throw UsageError("blocks needs 'show' or 'list'") }
        let a = try Args(Array(argv.dropFirst()), valued: ["node", "limit", "min-height", "output", "key", "chain-id", "hash-suite"])
        let json = try Output.isJSON(a)
        let c = NodeClient(a.value("node"))
        let target: String
        switch sub {
        case "show":
            guard let h = a.positionals.first else { throw UsageError("blocks show needs HEIGHT or 'latest'") }
            guard h == "latest" || UInt64(h) != nil else { throw UsageError("HEIGHT must be a whole number or 'latest'") }
            target = "/v1/blocks/\(h)"
        case "list": target = "/v1/blocks?limit=\(try a.int("limit", default: 20))"
        default: throw UsageError("unknown blocks subcommand '\(sub)'")
        }
        let (s, b) = try c.get(try AppCLI.withMinHeight(target, a), signedPer: a)
        let o = try NodeClient.answer(s, b)
        if json { return print(String(decoding: b, as: UTF8.self)) }
        if sub == "list" {
            print("HEIGHT    HASH                                                              TIME                      TXS")
            for r in o["blocks"] as? [[String: Any]] ?? [] {
                print(Output.pad(r["height"], 10) + Output.pad(r["hash"], 66) + Output.pad(Output.time(r["time"]), 26) + "\(r["txCount"] ?? "?")")
            }
            return
        }
        let h = o["header"] as? [String: Any] ?? [:], txs = o["transactions"] as? [[String: Any]] ?? []
        print("block \(h["height"] ?? "?") \(o["hash"] ?? "?"), \(Output.time(h["time"])), proposed by \(h["proposer"] ?? "?")")
        print("previous:    \(h["previousBlockHash"] ?? "?")")
        print("roots:       state \(h["stateRoot"] ?? "?"), transactions \(h["txRoot"] ?? "?"), results \(h["resultsHash"] ?? "?")")
        print("validators:  \(h["validatorsHash"] ?? "?"), next \(h["nextValidatorsHash"] ?? "?")")
        for (name, key) in [("commit", "commit"), ("last commit", "lastCommit")] {
            guard let cert = o[key] as? [String: Any] else { continue }
            let signers = (cert["signatures"] as? [[String: Any]] ?? []).compactMap { $0["validator"] as? Int }
            print("\(name):\(String(repeating: " ", count: 12 - name.count)) height \(cert["height"] ?? "?"), round \(cert["round"] ?? "?"), signed by validators \(signers.map(String.init).joined(separator: ", "))")
        }
        print("transactions: \(txs.count)")
        for t in txs {
            if let leaf = t["leaf"] { print("  (not shown to this caller; its leaf in txRoot: \(leaf))"); continue }
            print("  \(t["hash"] ?? "?")  \(Output.pad(t["type"], 28))\(t["code"] ?? "?")\((t["message"] as? String).map { $0.isEmpty ? "" : " — \($0)" } ?? "")") }
    }
}
