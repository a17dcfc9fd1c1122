import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// The table machinery shared by the application commands.
enum AppCLI {
    static let common: Set<String> = ["key", "node", "chain-id", "hash-suite", "json", "output", "min-height"]

    struct Sub {
        let name: String
        let usage: String
        let options: Set<String>
        /// Options that take no value (`--approve`).
        var switches: Set<String> = []
        let run: (Args, Context) throws -> Void

        /// This subcommand, also accepting the value-less options `names`.
        func withSwitches(_ names: Set<String>) -> Sub {
            var s = self
            s.switches = names
            return s
        }

        /// A transaction whose JSON body comes from `build` (or `--json`).
        static func tx(_ name: String, _ type: String, _ usage: String, _ options: Set<String>,
                       _ build: @escaping (Args, Context) throws -> Any) -> Sub {
            Sub(name: name, usage: "\(usage)\n      submits \(type) signed with --key", options: options) { a, c in
                try c.submit(type, json: try jsonOption(a) ?? build(a, c))
            }
        }

        /// A signed request to a verification endpoint whose answer can be proven: `--prove FILE` asks with
        /// `?prove=true` and saves the node's whole answer, proof included, for `yongchain verify answer`.
        static func provable(_ name: String, _ usage: String, _ options: Set<String>,
                             _ build: @escaping (Args, Context) throws -> (String, String, [UInt8])) -> Sub {
            Sub(name: name, usage: "\(usage) [--prove FILE]\n      a signed query (--key: whose request it is; --min-height H: answered once the node has H;\n      --prove FILE: save the answer with its proof, for `yongchain verify answer`)",
                options: options.union(["prove"])) { a, c in
                let (method, target, body) = try build(a, c)
                try c.provable(method, try method == "GET" ? withMinHeight(target, a) : target, body, saveTo: a.value("prove"))
            }
        }

        /// A signed request to a verification endpoint.
        static func query(_ name: String, _ usage: String, _ options: Set<String>,
                          _ build: @escaping (Args, Context) throws -> (String, String, [UInt8])) -> Sub {
            Sub(name: name, usage: "\(usage)\n      a signed query (--key: whose request it is; --min-height H: answered once the node has H)", options: options) { a, c in
                let (method, target, body) = try build(a, c)
                let waiting = try method == "GET" ? withMinHeight(target, a) : target
                try c.signed(method, waiting, body)
            }
        }
    }

    /// What a subcommand talks to: the node, the signing key, the chain id (asked of the node unless given).
    final class Context {
        let args: Args
        let node: NodeClient
        private var cachedKey: PrivateKey?
        private var cachedChain: Chain?

        init(_ args: Args) {
            self.args = args
            node = NodeClient(args.value("node"))
        }

        /// `--output json`: the node's JSON answer (or the command's result as JSON) instead of text for people.
        var jsonOutput: Bool { args.value("output") == "json" }

        func key() throws -> PrivateKey {
            if let k = cachedKey { return k }
            let k = try KeyFile.read(try args.require("key"))
            cachedKey = k
            return k
        }

        func chainID() throws -> String { try chain().id }
        func chain() throws -> Chain {
            if cachedChain == nil { cachedChain = try TxCommand.chain(args, node) }
            return cachedChain!
        }

        func submit(_ type: String, json: Any) throws {
            let bytes = try JSONSerialization.data(withJSONObject: json).bytes
            try submit(type, try validated { try LedgerApplication.canonicalBody(type: type, json: bytes) })
        }

        /// Signs `body` as a `type` transaction, submits it, waits for the commit and prints the outcome. Returns
        /// the transaction hash (an application, financing or query id); a rejection is an error (exit 1).
        /// `extra`: members added to the JSON printed with `--output json`.
        @discardableResult
        func submit(_ type: String, _ body: [UInt8], extra: [String: Any] = [:]) throws -> String {
            let tx = Transaction.signed(type: type, body: body, nonce: UInt64.random(in: 1...UInt64.max), key: try key(), chainID: try chainID())
            let (s, b) = try node.post("/v1/txs?wait=commit&timeoutMs=20000", json: try JSONEncoder().encode(TransactionJSON(tx)).bytes, timeout: 30)
            guard s == 200, let o = try? JSONSerialization.jsonObject(with: Data(b)) as? [String: Any] else { try NodeClient.show(s, b); return "" }
            let hash = o["hash"] as? String ?? "", code = o["code"] as? String ?? "?", height = o["height"] as? Int ?? 0
            if jsonOutput {
                print(extra.isEmpty ? prettyJSON(b) : prettyJSON(try JSONSerialization.data(withJSONObject: o.merging(extra) { a, _ in a }).bytes))
            }
            guard o["status"] as? String == "accepted" else {
                if !jsonOutput { print("rejected \(type) at height \(height): \(code) — \(o["message"] as? String ?? "")\n  tx \(hash)") }
                throw CommandFailed("\(type) was rejected: \(code)", code: code)
            }
            if !jsonOutput { print("accepted \(type) at height \(height)\((o["message"] as? String).map { $0.isEmpty ? "" : ": \($0)" } ?? "")\n  tx \(hash)") }
            return hash
        }

        /// Sends a request signed with --key (docs/api-auth.md) and prints the answer.
        /// `signed`, or with `saveTo` asks with `?prove=true` and saves the whole answer (a refusal too: it is
        /// proven the same way) before printing it.
        func provable(_ method: String, _ target: String, _ body: [UInt8], saveTo file: String?) throws {
            guard let file else { return try signed(method, target, body) }
            let r = try send(method, target + (target.contains("?") ? "&" : "?") + "prove=true", body)
            if let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], o["proof"] != nil {
                guard FileManager.default.createFile(atPath: file, contents: Data(r.body)) else { throw CommandFailed("cannot write \(file)") }
                printErr("answer and proof saved to \(file); check it with: yongchain verify answer --genesis GENESIS \(file)")
            }
            try NodeClient.show(r.status, r.body)
        }

        func signed(_ method: String, _ target: String, _ body: [UInt8]) throws {
            let r = try send(method, target, body)
            try NodeClient.show(r.status, r.body)
        }

        func send(_ method: String, _ target: String, _ body: [UInt8]) throws -> HTTPResponse {
            let headers = RequestAuth.headers(method: method, target: target, body: body, key: try key(), chainID: try chainID())
            return try node.send(method, target, headers: headers + [("Content-Type", "application/json")], body: body, timeout: 30)
        }
    }

    static func run(_ group: String, _ argv: [String], _ subs: [Sub]) throws {
        let help = "yongchain \(group) <subcommand> --key FILE [--node URL] [--chain-id ID] [--json BODY|@FILE] [--output json] ...\n\n"
            + subs.map { "  \(group) \($0.name) \($0.usage)" }.joined(separator: "\n")
        guard let name = argv.first, !["--help", "-h", "help"].contains(name) else {
            print(help)
            if argv.isEmpty { throw UsageError("\(group) needs a subcommand: \(subs.map(\.name).joined(separator: ", "))") }
            return
        }
        guard let sub = subs.first(where: { $0.name == name }) else {
            throw UsageError("unknown \(group) subcommand '\(name)' (\(subs.map(\.name).joined(separator: ", ")))")
        }
        if CLI.wantsHelp(argv) { print("yongchain \(group) \(sub.name) \(sub.usage)\n      common: --key FILE --node URL --chain-id ID --json BODY|@FILE --output text|json --min-height H"); return }
        let a = try Args(Array(argv.dropFirst()), valued: sub.options.union(common), switches: sub.switches)
        guard ["text", "json"].contains(a.value("output") ?? "text") else { throw UsageError("--output: text or json") }
        try sub.run(a, Context(a))
    }

    // MARK: - Option parsing

    /// `target` with `minHeight=H` from `--min-height H`: a read that waits until the node has committed H, so a
    /// script reads its own write through any node.
    static func withMinHeight(_ target: String, _ a: Args) throws -> String {
        guard let h = a.value("min-height") else { return target }
        guard UInt64(h) != nil else { throw UsageError("--min-height is a block height (a whole number), got '\(h)'") }
        return target + (target.contains("?") ? "&" : "?") + "minHeight=\(h)"
    }

    static func jsonText(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// `--json BODY|@FILE` parsed, or nil.
    static func jsonOption(_ a: Args) throws -> Any? {
        guard var text = a.value("json") else { return nil }
        if text.hasPrefix("@") {
            guard let d = FileManager.default.contents(atPath: String(text.dropFirst())) else { throw UsageError("--json: cannot read \(text.dropFirst())") }
            text = String(decoding: d, as: UTF8.self)
        }
        guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { throw UsageError("--json: not valid JSON") }
        return o
    }

    /// Runs `body`, turning a field's `ValidationError` (or a JSON decoding error) into a one-line usage error.
    static func validated<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ValidationError {
            throw UsageError("\(e.field): \(e.message)")
        } catch let e as DecodingError {
            switch e {
            case .keyNotFound(let k, let c): throw UsageError("\((c.codingPath + [k]).map(\.stringValue).joined(separator: ".")): missing")
            case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
                if let v = c.underlyingError as? ValidationError { throw UsageError("\(v.field): \(v.message)") }
                throw UsageError("\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)")
            @unknown default: throw UsageError("\(e)")
            }
        }
    }

    static func int(_ a: Args, _ name: String) throws -> Int64 {
        let v = try a.require(name)
        guard let n = Int64(v) else { throw UsageError("--\(name) must be a whole number, got '\(v)'") }
        return n
    }

    /// `--NAME MINOR_UNITS [--currency CUR]`: money is integer minor units, never a decimal.
    static func money(_ a: Args, _ name: String) throws -> [String: Any] {
        let v = try a.require(name)
        guard let n = Int64(v) else { throw UsageError("--\(name) is a whole number of minor units (150000 is 1,500.00 CNY), got '\(v)'") }
        return ["minorUnits": n, "currency": a.value("currency") ?? "CNY"]
    }

    /// A public key's text, given as `ed25519:<hex>` or as a key file.
    static func publicKey(_ s: String) throws -> String {
        if let k = PublicKey(text: s) { return k.text }
        guard FileManager.default.fileExists(atPath: s) else { throw UsageError("'\(s)' is neither a public key (ed25519:<hex>) nor a key file") }
        return try KeyFile.read(s).publicKey.text
    }

    static func queryString(_ a: Args, _ names: [String]) -> String {
        let pairs = names.compactMap { n in a.value(n).map { "\(n)=\(escape($0))" } }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// Percent-encodes a path segment or query value.
    static func escape(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

extension Data {
    var bytes: [UInt8] { Array(self) }
}
