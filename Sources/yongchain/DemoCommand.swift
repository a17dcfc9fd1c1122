import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// `yongchain demo`: the suggested consortium on 127.0.0.1 (four authorities validating on full nodes, bank-a and
/// bank-b on member nodes) running both applications' seed flows through the HTTP API, each organisation signing
/// with its own key and talking to its own node; then what each bank's node holds.
enum DemoCommand {
    static let help = """
    yongchain demo [--dir DIR] [--base-port 26600] [--exit] [--plain] [--crypto standard|sm]
        Starts the suggested consortium (what cluster init makes with two member banks: registry, trade-authority,
        central-bank and credit-platform validate on full nodes; bank-a and bank-b run member nodes) in DIR (a new
        temporary directory unless given; an existing demo DIR is reused), runs the mortgage and trade-finance flows through
        the HTTP API — each bank through its own member node, which forwards its transactions and checks every
        answer's proof against its own headers — prints each step, what each bank's node holds and the status
        page's URL, then keeps running until Ctrl-C (which stops the cluster). With --exit it stops the cluster after the flows; the exit status is 1 if any step's outcome
        was not the expected one. The cluster speaks TLS 1.3 (https://, nodes authenticated by their keys) unless
        --plain. --crypto sm: on the national suite (an SM3 chain; every organisation, owner and exporter signs with
        SM2).
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["dir", "base-port", "crypto"], switches: ["exit", "attach", "plain"])
        // --attach: run the flows against a cluster that is already running (e.g. the compose one), never starting
        // or stopping it.
        if a.flag("attach") {
            let m = try ClusterCommand.manifest(try a.require("dir"))
            let seen = HeightMark()
            let orgs = try Org.all(m, seen: seen)
            var flows = DemoFlows(orgs: orgs)
            flows.run()
            flows.holdings(m)
            print("\n\(flows.passed)/\(flows.steps) steps as expected.")
            guard flows.passed == flows.steps else { throw CommandFailed("\(flows.steps - flows.passed) demo step(s) did not turn out as expected") }
            return
        }
        let dir = a.value("dir") ?? FileManager.default.temporaryDirectory.appendingPathComponent("yongchain-demo-\(UUID().uuidString.prefix(8))").path
        if !FileManager.default.fileExists(atPath: dir + "/cluster.json") {
            try ClusterCommand.run(["init", "--dir", dir, "--member-banks", "2", "--empty-block-ms", "300",
                                    "--base-port", "\(try a.int("base-port", default: 26600))"] + (a.flag("plain") ? [] : ["--tls"])
                                    + (a.value("crypto").map { ["--crypto", $0] } ?? []))
        }
        let stop = DispatchSemaphore(value: 0)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                print("\nstopping the cluster…")
                try? ClusterCommand.down(dir: dir, only: nil)
                exit(130)
            }
            s.resume()
            return s
        }
        defer { _ = sources }
        try ClusterCommand.up(dir: dir, only: nil)
        let m = try ClusterCommand.manifest(dir)
        let seen = HeightMark()
        let orgs = try Org.all(m, seen: seen)
        var flows = DemoFlows(orgs: orgs)
        flows.run()
        flows.holdings(m)
        print("\n\(flows.passed)/\(flows.steps) steps as expected.")
        print("Status page: \(orgs["registry"]!.url)/   (every node serves one: \(m.nodes.map(\.url).joined(separator: ", ")))")
        if a.flag("exit") {
            try ClusterCommand.down(dir: dir, only: nil)
            guard flows.passed == flows.steps else { throw CommandFailed("\(flows.steps - flows.passed) demo step(s) did not turn out as expected") }
            return
        }
        print("The cluster keeps running in \(dir); Ctrl-C stops it.")
        stop.wait()
    }
}

/// One organisation at its own node: it signs its transactions and API requests with its own key.
struct Org {
    let name: String
    let url: String
    let key: PrivateKey
    let chain: Chain
    /// The highest height any organisation of the demo has seen committed, shared by all of them: each one's node
    /// must reach it before that organisation acts or reads, so a step never runs on a node that lags the last.
    let seen: HeightMark
    let http: HTTPClient
    /// Whether `url` is a member node: it forwards reads to full nodes and checks their proofs (`"proven": true`).
    var member = false

    /// Every organisation of the cluster at its own node.
    static func all(_ m: ClusterCommand.Manifest, seen: HeightMark) throws -> [String: Org] {
        Dictionary(uniqueKeysWithValues: try m.nodes.map {
            var o = try Org(name: $0.name, url: $0.url, keyFile: $0.home + "/node.key", chain: m.chain, seen: seen)
            o.member = $0.member == true
            return ($0.name, o)
        })
    }

    /// The node's home (beside `keyFile`) holds the genesis file an https:// URL is authenticated against.
    init(name: String, url: String, keyFile: String, chain: Chain, seen: HeightMark) throws {
        let home = URL(fileURLWithPath: keyFile).deletingLastPathComponent().path
        try self.init(name: name, url: url, key: try KeyFile.read(keyFile), chain: chain, seen: seen,
                      http: CLITLS.client(for: url, genesisPath: home + "/genesis.json"))
    }

    init(name: String, url: String, key: PrivateKey, chain: Chain, seen: HeightMark, http: HTTPClient = HTTPClient()) {
        self.name = name
        self.url = url
        self.key = key
        self.chain = chain
        self.seen = seen
        self.http = http
    }

    /// Submits a signed payload and waits for its commit: (code, tx hash, height), code "OK" when accepted.
    func submit<P: Payload>(_ p: P) throws -> (code: String, hash: String, height: Int) {
        waitFor(height: seen.height)
        let tx = p.transaction(key: key, nonce: UInt64.random(in: 1...UInt64.max), chainID: chain.id)
        let r = try http.send("POST", url: url + "/v1/txs?wait=commit&timeoutMs=20000", headers: [("Content-Type", "application/json")],
                              body: Array(try JSONEncoder().encode(TransactionJSON(tx))), timeout: 30)
        let o = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
        let code = (o["code"] as? String) ?? ((o["error"] as? [String: Any])?["code"] as? String) ?? "HTTP \(r.status)"
        let height = o["height"] as? Int ?? 0
        seen.raise(to: height)
        if code == "OK" || height > 0 { seen.record(o["hash"] as? String ?? tx.hash(on: chain).hex, by: name) }
        return (code, o["hash"] as? String ?? tx.hash(on: chain).hex, height)
    }

    /// A signed API request: (HTTP status, decoded JSON).
    func request(_ target: String, method: String = "GET", body: [UInt8] = []) throws -> (Int, [String: Any]) {
        waitFor(height: seen.height)
        let h = RequestAuth.headers(method: method, target: target, body: body, key: key, chainID: chain.id)
        let r = try http.send(method, url: url + target, headers: h + [("Content-Type", "application/json")], body: body, timeout: 10)
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:])
    }

    /// Waits until this node has committed `height` (another node may have answered the commit first).
    func waitFor(height: Int) {
        let deadline = Date().addingTimeInterval(10)
        // A full node holds the answer until it has `height` (504: not in time, asked again); a member node answers
        // its synced height at once. A failed request is tried again too.
        while Date() < deadline {
            if let r = try? http.send("GET", url: url + "/v1/status?minHeight=\(height)&timeoutMs=2000", timeout: 5), r.status == 200,
               let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], o["height"] as? Int ?? 0 >= height { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// A read's status as the demo prints it: a member node's answers carry `"proven": true` once it checked them.
    func checked(_ o: [String: Any]) -> (Bool, String) {
        guard member else { return (true, "") }
        return o["proven"] as? Bool == true ? (true, ", proven and checked by \(name)'s member node") : (false, ", NOT proven")
    }
}

final class HeightMark: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// The transactions each organisation submitted that reached the chain, by hash.
    private var submitted: [String: [String]] = [:]
    var height: Int { lock.withLock { value } }
    func raise(to h: Int) { lock.withLock { value = max(value, h) } }
    func record(_ hash: String, by name: String) { lock.withLock { submitted[name, default: []].append(hash) } }
    func submissions(of name: String) -> [String] { lock.withLock { submitted[name] ?? [] } }
}

/// The seed flows, step by step. Identifiers are fresh per run, so a reused demo directory runs them again.
struct DemoFlows {
    let orgs: [String: Org]
    private(set) var steps = 0
    private(set) var passed = 0

    init(orgs: [String: Org]) { self.orgs = orgs }

    mutating func step(_ title: String, _ body: () throws -> (Bool, String)) {
        steps += 1
        let (ok, detail): (Bool, String)
        do { (ok, detail) = try body() } catch { (ok, detail) = (false, "error: \(error)") }
        if ok { passed += 1 }
        print(String(format: "%2d. ", steps) + title)
        print("    \(ok ? "✓" : "✗ UNEXPECTED:") \(detail)")
    }

    /// A commitment's first 16 hex digits, for people reading the demo.
    static func short(_ id: ChainIdentity) -> String {
        if case .person(let h) = id { return String(h.hex.prefix(16)) + "…" }
        return id.description
    }

    static func outcome(_ r: (code: String, hash: String, height: Int), expect: String = "OK") -> (Bool, String) {
        (r.code == expect, r.code == "OK" ? "accepted at height \(r.height), tx \(r.hash.prefix(16))…" : "\(r.code) at height \(r.height)")
    }

    mutating func run() {
        do { try runFlows() } catch { print("the demo could not continue: \(error)"); steps += 1 }
    }

    private mutating func runFlows() throws {
        let registry = orgs["registry"]!, authority = orgs["trade-authority"]!, bankA = orgs["bank-a"]!, bankB = orgs["bank-b"]!
        let salt = Int.random(in: 0..<10_000_000)

        print("\n== On-chain mortgage registration ==")
        // Owners and exporters sign with the registry's algorithm: SM2 on the national suite.
        let suite = registry.key.suite, hashes = registry.chain.hashSuite
        let ownerKey = try PrivateKey.generate(suite: suite)
        let ownerID = try ResidentID("11010519491231002" + String(ResidentID.checkCharacter(for: "11010519491231002")!))
        let unit = try UnitNumber("320505001001GB00001F" + String(format: "%08d", salt))
        let title = "苏(2020)苏州市不动产权第\(String(format: "%07d", salt))号"
        // The registry draws the owner's salt as it registers the title; only the commitment of identity and salt
        // goes on chain, and the salt goes to the owner with the title certificate.
        let opening = try PersonOpening.draw(for: ownerID)
        let owner = ChainIdentity.person(opening, suite: hashes)
        step("registry registers unit \(unit) (title \(title)); its owner is on chain only as a commitment — through node registry") {
            let r = Self.outcome(try registry.submit(RegisterProperty(unitNumber: unit, titleCertificateNumber: title,
                                                                      owners: [PropertyOwner(id: owner, publicKey: ownerKey.publicKey)],
                                                                      area: 8950, use: "residential")))
            return (r.0, r.1 + "\n    the title certificate gives the owner their salt \(Hex.encode(opening.salt)) (commitment \(Self.short(owner)))")
        }
        print("    the owner hands bank-a their identity and that salt with the loan application; bank-a computes the commitment")
        var app = MortgageApplication(
            unitNumber: unit, mortgagee: bankA.key.publicKey, mortgagors: [owner],
            debtor: MortgageDebtor(person: opening.commitment(hashes)), principal: try Money(minorUnits: 150_000_000, currency: Currency("CNY")),
            term: MortgageTerm(start: try .init("2020-06-01"), end: try .init("2030-05-31")), mortgageType: .general,
            contractHash: hashes.digest(Array("loan contract \(salt)".utf8)))
        try app.sign(for: owner, with: ownerKey, chainID: bankA.chain.id)
        step("bank-b, with the owner's identity but not their salt, cannot name them: refused as NOT_OWNER") {
            var guess = app
            let wrong = ChainIdentity.person(try PersonOpening.draw(for: ownerID), suite: hashes)
            guess.mortgagee = bankB.key.publicKey
            guess.mortgagors = [Mortgagor(id: wrong, signature: [])]
            // bank-b's own contract, not bank-a's: nothing of bank-a's application is ever bank-b's to send.
            guess.contractHash = hashes.digest(Array("bank-b's loan contract \(salt)".utf8))
            return Self.outcome(try bankB.submit(guess), expect: Codes.notOwner)
        }
        var applicationID = ""
        step("bank-a applies for a 1,500,000.00 CNY mortgage with the owner's e-signature — through node bank-a") {
            let r = try bankA.submit(app)
            applicationID = r.hash
            return Self.outcome(r)
        }
        step("registry approves the application — through node registry") {
            Self.outcome(try registry.submit(ApproveMortgage(applicationId: try Hash(hex: applicationID).orThrow("application id"))))
        }
        step("bank-b verifies the title with the identity and salt the owner showed it — through node bank-b (only the commitment is sent)") {
            let (s, o) = try bankB.request("/v1/mortgage/titles/verify?certificate=\(AppCLI.escape(title))&owner=\(opening.commitment(hashes).hex)")
            let match = (o["result"] as? [String: Any])?["match"] as? Bool, (proven, how) = bankB.checked(o)
            return (s == 200 && match == true && proven, "HTTP \(s), match: \(match.map(String.init) ?? "?") at height \(o["height"] ?? "?")\(how)")
        }
        step("bank-b asks again with a wrong salt: answered exactly as for a stranger") {
            let wrong = try PersonOpening.draw(for: ownerID).commitment(hashes)
            let (s, o) = try bankB.request("/v1/mortgage/titles/verify?certificate=\(AppCLI.escape(title))&owner=\(wrong.hex)")
            let match = (o["result"] as? [String: Any])?["match"] as? Bool, (proven, how) = bankB.checked(o)
            return (s == 200 && match == false && proven, "HTTP \(s), match: \(match.map(String.init) ?? "?")\(how)")
        }
        var certificate = ""
        step("bank-b reads the unit's encumbrances — through node bank-b") {
            let (s, o) = try bankB.request("/v1/mortgage/units/\(unit)/encumbrances")
            let ms = ((o["result"] as? [String: Any])?["mortgages"] as? [[String: Any]]) ?? []
            certificate = ms.first?["certificateNumber"] as? String ?? ""
            let first = ms.first.map { "priority \($0["priority"] ?? "?"), \($0["state"] ?? "?"), certificate \(certificate), mortgagee \($0["mortgageeName"] ?? "?")" } ?? "none"
            let (proven, how) = bankB.checked(o)
            return (s == 200 && ms.count == 1 && ms[0]["priority"] as? Int == 1 && proven, "HTTP \(s), \(ms.count) mortgage(s): \(first)\(how)")
        }
        step("bank-b verifies certificate \(certificate.isEmpty ? "(none)" : certificate) — through node bank-b") {
            let (s, o) = try bankB.request("/v1/mortgage/certificates/\(AppCLI.escape(certificate))")
            let r = o["result"] as? [String: Any] ?? [:], (proven, how) = bankB.checked(o)
            // The lien, not the loan: mortgagee, priority, state; the principal is bank-a's and the registry's business.
            return (s == 200 && r["state"] as? String == "registered" && r["principal"] == nil && proven,
                    "HTTP \(s), \(r["state"] ?? "?"), priority \(r["priority"] ?? "?"), mortgagee \(r["mortgageeName"] ?? "?") (no principal, debtor or contract shown)\(how)")
        }

        print("\n== Cross-border trade finance ==")
        let entKey = try PrivateKey.generate(suite: suite)
        let first = "9132" + String(format: "%013d", salt)
        let code = try CreditCode(first + String(CreditCode.checkCharacter(for: first)!))
        let enterprise = Org(name: "exporter", url: authority.url, key: entKey, chain: authority.chain, seen: authority.seen,
                             http: authority.http)
        step("trade-authority registers exporter \(code) with its own key — through node trade-authority") {
            Self.outcome(try authority.submit(RegisterEnterprise(creditCode: code, name: "Suzhou Export Co., Ltd.", publicKey: entKey.publicKey)))
        }
        let decls = try (1...3).map { i in
            DeclarationFields(number: try DeclarationNumber("2231" + String(format: "%07d%07d", salt, i)), exporter: code,
                              amount: try Money(minorUnits: 10_000_000 * Int64(i), currency: Currency("USD")), exportDate: 20200315,
                              documentDigest: hashes.digest(Array("declaration \(salt)/\(i)".utf8)))
        }
        step("trade-authority publishes \(decls.count) export declaration commitments") {
            Self.outcome(try authority.submit(PublishDeclarations(declarations: decls.map { PublishedDeclaration($0, suite: hashes) })))
        }
        let financing = RecordFinancing(exporter: code, amount: decls[0].amount, pledges: [PledgeRequest(declaration: decls[0], amount: decls[0].amount)])
        step("bank-a finances 100,000.00 USD against declaration \(decls[0].number) — through node bank-a") {
            Self.outcome(try bankA.submit(financing))
        }
        step("bank-b tries to finance the same declaration — through node bank-b: refused as DUPLICATE_FINANCING") {
            Self.outcome(try bankB.submit(financing), expect: Codes.Trade.duplicateFinancing)
        }
        step("bank-b pre-checks declarations \(decls[0].number) and \(decls[1].number) — through node bank-b") {
            let items = decls[0...1].map { PrecheckItem(number: $0.number, fields: $0) }
            let (s, o) = try bankB.request("/v1/trade/precheck", method: "POST", body: Array(try JSONEncoder().encode(PrecheckRequest(declarations: items))))
            let codes = (((o["result"] as? [String: Any])?["declarations"] as? [[String: Any]]) ?? []).map { "\($0["code"] ?? "?")" }
            let (proven, how) = bankB.checked(o)
            return (s == 200 && codes == [Codes.Trade.duplicateFinancing, "OK"] && proven, "HTTP \(s), \(codes.joined(separator: ", "))\(how)")
        }
        let partial = try Money(minorUnits: 15_000_000, currency: Currency("USD"))
        step("bank-b finances 150,000.00 USD of the 200,000.00 of declaration \(decls[1].number) — through node bank-b") {
            Self.outcome(try bankB.submit(RecordFinancing(exporter: code, amount: partial, pledges: [PledgeRequest(declaration: decls[1], amount: partial)])))
        }
        step("bank-a tries to finance 100,000.00 USD more against it — through node bank-a: refused as EXCESS_FINANCING") {
            Self.outcome(try bankA.submit(RecordFinancing(exporter: code, amount: decls[0].amount, pledges: [PledgeRequest(declaration: decls[1], amount: decls[0].amount)])),
                         expect: Codes.Trade.excessFinancing)
        }
        step("bank-a finances 300,000.00 USD against declaration \(decls[2].number) — through node bank-a") {
            Self.outcome(try bankA.submit(RecordFinancing(exporter: code, amount: decls[2].amount, pledges: [PledgeRequest(declaration: decls[2], amount: decls[2].amount)])))
        }
        step("bank-b's credit query without the exporter's authorisation is refused") {
            Self.outcome(try bankB.submit(RecordCreditQuery(enterprise: code, purpose: "pre-loan review")), expect: Codes.Trade.notAuthorized)
        }
        step("the exporter, signing with its own key, authorises bank-a to query its credit record for a day") {
            Self.outcome(try enterprise.submit(GrantAuthorization(bank: bankA.key.publicKey, expiresAt: Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000)))
        }
        var queryID = ""
        step("bank-a logs a credit query on chain — through node bank-a") {
            let r = try bankA.submit(RecordCreditQuery(enterprise: code, purpose: "trade finance renewal"))
            queryID = r.hash
            return Self.outcome(r)
        }
        step("bank-a reads the credit record with the logged query id") {
            let (s, o) = try bankA.request("/v1/trade/enterprises/\(code)/credit-record?queryId=\(queryID)")
            let r = o["result"] as? [String: Any] ?? [:]
            let totals = (r["totals"] as? [[String: Any]])?.map { "\($0["currency"] ?? "") outstanding \($0["outstanding"] ?? "")" }.joined(separator: ", ") ?? "?"
            let (proven, how) = bankA.checked(o)
            return (s == 200 && (r["financings"] as? [Any])?.count == 3 && proven, "HTTP \(s), \((r["financings"] as? [Any])?.count ?? 0) financing(s); \(totals)\(how)")
        }
        step("the exporter lists who queried its credit record") {
            let (s, o) = try enterprise.request("/v1/trade/enterprises/\(code)/queries")
            let qs = ((o["result"] as? [String: Any])?["queries"] as? [[String: Any]]) ?? []
            let who = qs.map { "\($0["bankName"] ?? "?") (\($0["purpose"] ?? ""))" }.joined(separator: ", ")
            return (s == 200 && qs.count == 1 && qs[0]["bankName"] as? String == "bank-a", "HTTP \(s), \(qs.count) query: \(who)")
        }
    }
}

extension Optional {
    func orThrow(_ what: String) throws -> Wrapped {
        guard let v = self else { throw CommandFailed("missing \(what)") }
        return v
    }
}
