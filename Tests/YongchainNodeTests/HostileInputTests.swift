import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// Single requests that once stopped a node or bent what it reports (issue 11), sent through the node's real
/// routes in this process. Before the fixes, the first three traps killed the whole test process.
@Suite(.serialized) struct HostileInputTests {
    final class Fixture: @unchecked Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-hostile-\(UUID().uuidString.prefix(8))").path
        let chain = "hostile-test"
        let registry = try! PrivateKey.generate()
        let bank = try! PrivateKey.generate()
        let node: Node
        let api: API

        /// `asBank`: the node runs with the bank's key, a member without power (an observer).
        init(asBank: Bool = false, mempoolMaxPerSigner: Int? = nil, mempoolMaxTransactions: Int? = nil) throws {
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            let home = NodeHome(dir)
            try GenesisFile.write(Genesis(chainID: chain, genesisTime: 1_700_000_000_000, organizations: [
                Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: registry.publicKey, address: "http://127.0.0.1:9"),
                Organization(name: "bank", role: .bank, publicKey: bank.publicKey, address: "http://127.0.0.1:9", power: 0),
            ]), path: home.genesisPath)
            var config = NodeConfig(moniker: "registry", listen: "127.0.0.1:0")
            config.mempoolMaxPerSigner = mempoolMaxPerSigner
            config.mempoolMaxTransactions = mempoolMaxTransactions
            try config.write(path: home.configPath)
            try KeyFile.write(asBank ? bank : registry, to: home.keyPath)
            node = try Node(home: home, logger: Logger(level: .error))
            api = node.api
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// (status, error code or "") of one request, parsed from raw bytes as the server would.
        func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> (Int, String) {
            var raw = "\(method) \(target) HTTP/1.1\r\nHost: node\r\nContent-Length: \(body.count)\r\n"
            for (k, v) in headers { raw += "\(k): \(v)\r\n" }
            var parser = HTTPRequestParser()
            parser.feed(Array((raw + "\r\n").utf8) + body)
            guard case .request(let req) = parser.next() else { return (-1, "UNPARSED") }
            let resp = api.handle(req)
            let code = (try? JSONSerialization.jsonObject(with: Data(resp.body)) as? [String: Any])
                .flatMap { $0["error"] as? [String: Any] }?["code"] as? String
            return (resp.status, code ?? "")
        }

        func json(_ target: String) throws -> [String: Any] {
            var parser = HTTPRequestParser()
            parser.feed(Array("GET \(target) HTTP/1.1\r\nHost: node\r\n\r\n".utf8))
            guard case .request(let req) = parser.next() else { throw CancellationError() }
            return try JSONSerialization.jsonObject(with: Data(api.handle(req).body)) as? [String: Any] ?? [:]
        }
    }

    @Test func heightsTooLargeForStorageAreRefusedNotATrap() throws {
        let f = try Fixture()
        #expect(f.send("GET", "/v1/blocks/9223372036854775808") == (400, "INVALID_HEIGHT"))
        #expect(f.send("GET", "/v1/blocks/18446744073709551616") == (400, "INVALID_HEIGHT"))
        #expect(f.send("GET", "/v1/blocks/+5") == (400, "INVALID_HEIGHT"))
        #expect(f.send("GET", "/v1/blocks/9223372036854775807") == (404, "NOT_FOUND"))
        #expect(f.send("GET", "/v1/blocks?before=18446744073709551615") == (400, "INVALID_PARAMETER"))
        #expect(f.send("GET", "/v1/blocks?before=9223372036854775807").0 == 200)
        #expect(f.send("GET", "/v1/sync/blocks?from=9223372036854775808") == (400, "INVALID_HEIGHT"))
        #expect(f.send("GET", "/v1/sync/blocks?from=9223372036854775807").0 == 200)
        #expect(f.send("GET", "/v1/status?minHeight=18446744073709551615") == (400, "INVALID_MIN_HEIGHT"))
        #expect(f.send("GET", "/v1/status?minHeight=1&timeoutMs=-1") == (400, "INVALID_PARAMETER"))
    }

    @Test func outOfRangeParametersAreRefusedWithTheirName() throws {
        let f = try Fixture()
        for bad in ["-1", "0", "101", "1e2", " 5", "", "99999999999999999999999"] {
            #expect(f.send("GET", "/v1/blocks?limit=\(bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? bad)") == (400, "INVALID_PARAMETER"), "limit=\(bad)")
        }
        #expect(f.send("GET", "/v1/blocks?limit=100").0 == 200)
        #expect(f.send("GET", "/v1/sync/blocks?from=1&limit=501") == (400, "INVALID_PARAMETER"))
        #expect(f.send("POST", "/v1/txs?wait=later", body: Array("{}".utf8)) == (400, "INVALID_PARAMETER"))
        #expect(f.send("POST", "/v1/txs?wait=commit&timeoutMs=60001", body: Array("{}".utf8)) == (400, "INVALID_PARAMETER"))
    }

    @Test func anExtremeTimestampIsStaleNotATrap() throws {
        let f = try Fixture()
        let target = "/v1/mortgage/banks/\(f.bank.publicKey.text)/filings"
        for ts in [Int64.min, Int64.max, -1] {
            let h = RequestAuth.headers(method: "GET", target: target, body: [], key: f.bank, chainID: f.chain, timestampMs: ts, nonce: "n\(ts)")
            #expect(f.send("GET", target, headers: h) == (401, "AUTH_STALE"), "timestamp \(ts)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let good = RequestAuth.headers(method: "GET", target: target, body: [], key: f.bank, chainID: f.chain, timestampMs: now, nonce: "fresh")
        #expect(f.send("GET", target, headers: good).0 == 200)
        // Sessions open through the same check.
        let h = RequestAuth.headers(method: "POST", target: "/v1/auth/sessions", body: [], key: f.bank, chainID: f.chain,
                                    timestampMs: Int64.min, nonce: "s")
        #expect(f.send("POST", "/v1/auth/sessions", headers: h) == (401, "AUTH_STALE"))
    }

    @Test func anUnsignedHeightClaimChangesNothingTheNodeReports() throws {
        let f = try Fixture()
        var w = CanonicalWriter()
        w.string(f.chain); w.string("bank"); w.u64(UInt64.max); w.u32(0)
        for _ in 0..<3 { #expect(f.send("POST", "/v1/gossip", body: w.bytes).0 == 200) }
        let status = try f.json("/v1/status")
        #expect(status["catchingUp"] as? Bool == false)
        let peers = try f.json("/v1/peers")["peers"] as? [[String: Any]] ?? []
        #expect(!peers.isEmpty)
        #expect(peers.allSatisfy { ($0["height"] as? Int) == 0 }, "a claimed height is not reported: \(peers)")
    }

    @Test func requestPathsNeverBecomeMetricLabels() throws {
        let f = try Fixture()
        _ = f.send("GET", "/v1/blocks/%22%0D%0Ax")
        _ = f.send("GET", "/no/such/route")
        _ = f.send("GET", "/v1/txs/zz")
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /metrics HTTP/1.1\r\nHost: node\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { Issue.record("unparsed"); return }
        let text = String(decoding: f.api.handle(req).body, as: UTF8.self)
        let labels = Set(text.split(separator: "\n").filter { $0.hasPrefix("yongchain_http_requests_total{") }
            .compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) })
        #expect(labels == ["/v1/blocks/{height}", "unmatched", "/v1/txs/{hash}"], "\(labels)")
    }

    /// `validatorIndex` is always in /v1/status: null on a node that does not sign (docs/governance.md; issue 31:
    /// the key was left out).
    @Test func anObserversValidatorIndexIsNull() throws {
        let observer = try Fixture(asBank: true).json("/v1/status")
        #expect(observer.keys.contains("validatorIndex") && observer["validatorIndex"] is NSNull, "\(observer)")
        #expect(try Fixture().json("/v1/status")["validatorIndex"] as? Int == 0)
    }

    /// A transaction's envelope is held to docs/openapi.yaml's `Transaction` schema, no looser (issue 31): what the
    /// schema refuses, the node refuses with 400 INVALID_FIELD naming the field, alone or inside a batch (where it
    /// refuses the whole request and names the item); a batch that passes the schema gets a 200.
    @Test func aTransactionEnvelopeIsExactlyAsStrictAsItsSchema() throws {
        let f = try Fixture()
        let good = TransactionJSON(Transaction.signed(type: "enterprise.register", body: [1], nonce: 7, key: f.bank, chainID: f.chain))
        func envelope(_ change: (inout TransactionJSON) -> Void) -> TransactionJSON {
            var j = good
            change(&j)
            return j
        }
        let bad: [(String, TransactionJSON)] = [
            ("nonce", envelope { $0.nonce = "+7" }), ("nonce", envelope { $0.nonce = "18446744073709551616" }), ("nonce", envelope { $0.nonce = "" }),
            ("signer", envelope { $0.signer = $0.signer.uppercased() }), ("signer", envelope { $0.signer = String($0.signer.dropFirst("ed25519:".count)) }),
            ("type", envelope { $0.type = "enterprise register" }), ("type", envelope { $0.type = String(repeating: "a", count: 65) }),
            ("type", envelope { $0.type = "" }), ("body", envelope { $0.body = "0" }), ("signature", envelope { $0.signature = "00" }),
        ]
        for (field, j) in bad {
            let one = try JSONEncoder().encode(j)
            let single = f.send("POST", "/v1/txs", body: Array(one))
            #expect(single == (400, "INVALID_FIELD"), "\(field): \(String(decoding: one, as: UTF8.self)) -> \(single)")
            let batch = Array(#"{"transactions":[\#(String(decoding: try JSONEncoder().encode(good), as: UTF8.self)),\#(String(decoding: one, as: UTF8.self))]}"#.utf8)
            var parser = HTTPRequestParser()
            parser.feed(Array("POST /v1/txs/batch HTTP/1.1\r\nHost: node\r\nContent-Length: \(batch.count)\r\n\r\n".utf8) + batch)
            guard case .request(let req) = parser.next() else { Issue.record("unparsed"); continue }
            let r = f.api.handle(req)
            let text = String(decoding: r.body, as: UTF8.self)
            #expect(r.status == 400 && text.contains("INVALID_FIELD") && text.contains("transactions[1].\(field): "), "\(field): \(text)")
        }
        // The largest nonce is a nonce; a batch of envelopes that pass the schema is answered item by item.
        let edge = envelope { $0.nonce = "18446744073709551615" }
        let ok = Array(#"{"transactions":[\#(String(decoding: try JSONEncoder().encode(edge), as: UTF8.self))]}"#.utf8)
        let r = f.send("POST", "/v1/txs/batch", body: ok)
        #expect(r == (200, ""), "\(r)")
    }

    /// One signing key cannot fill a node's pool: beyond config.json's `mempoolMaxPerSigner` pending transactions
    /// of its key, a submission is refused 429 MEMPOOL_SIGNER_FULL, alone or as a batch's item, and what it holds
    /// stays as it was (the node here runs no consensus, so nothing commits).
    @Test func oneSignerCannotFillThePool() throws {
        let f = try Fixture(mempoolMaxPerSigner: 2)
        let owner = try PrivateKey.generate()
        let first = "11010519800000001"
        let opening = try PersonOpening(id: try ResidentID(first + String(try #require(ResidentID.checkCharacter(for: first)))),
                                        salt: Array(repeating: 7, count: PersonOpening.drawnSaltBytes))
        let registers = try (0..<4).map { i in
            let p = RegisterProperty(unitNumber: try UnitNumber(String(format: "110101000000GB%05dF%08d", i, i)), titleCertificateNumber: "BJ-\(i)",
                                     owners: [PropertyOwner(id: .person(opening, suite: .sha256), publicKey: owner.publicKey)],
                                     area: 8_950, use: "residential")
            return String(decoding: try JSONEncoder().encode(TransactionJSON(try p.transaction(key: f.registry, nonce: UInt64(i), chainID: f.chain))), as: UTF8.self)
        }
        var parser = HTTPRequestParser()
        let batch = Array(#"{"transactions":[\#(registers.prefix(3).joined(separator: ","))]}"#.utf8)
        parser.feed(Array("POST /v1/txs/batch HTTP/1.1\r\nHost: node\r\nContent-Length: \(batch.count)\r\n\r\n".utf8) + batch)
        guard case .request(let req) = parser.next() else { Issue.record("unparsed"); return }
        let r = f.api.handle(req)
        let results = (try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["results"] as? [[String: Any]] ?? []
        let outcomes = results.map { (($0["error"] as? [String: Any])?["code"] as? String) ?? ($0["status"] as? String) ?? "?" }
        #expect(r.status == 200 && outcomes == ["pending", "pending", "MEMPOOL_SIGNER_FULL"], "\(String(decoding: r.body, as: UTF8.self))")
        #expect(f.send("POST", "/v1/txs", body: Array(registers[3].utf8)) == (429, "MEMPOOL_SIGNER_FULL"))
        #expect(f.node.admission.mempool.count == 2 && f.node.admission.mempool.pending(signedBy: f.registry.publicKey) == 2)
    }

    /// A method a route does not have is 405 with an `Allow` header naming the ones it has (issue 15: schemathesis
    /// found 404s); a path no route has stays 404.
    @Test func aRouteAskedWithAnotherMethodAnswers405WithAllow() throws {
        let f = try Fixture()
        func send(_ method: String, _ path: String) -> HTTPResponse? {
            var parser = HTTPRequestParser()
            parser.feed(Array("\(method) \(path) HTTP/1.1\r\nHost: node\r\nContent-Length: 0\r\n\r\n".utf8))
            guard case .request(let req) = parser.next() else { return nil }
            return f.api.handle(req)
        }
        for (method, path, allow) in [("TRACE", "/v1/validators", "GET"), ("GET", "/v1/txs", "POST"), ("GET", "/v1/txs/batch", "POST"), ("DELETE", "/v1/txs/\(String(repeating: "0", count: 64))", "GET"),
                                      ("PUT", "/healthz", "GET, HEAD"), ("GET", "/v1/trade/precheck", "POST"),
                                      ("POST", "/v1/mortgage/units/320505001001GB00001F00010001/encumbrances", "GET")] {
            let r = send(method, path)
            #expect(r?.status == 405 && r?.headers["Allow"] == allow, "\(method) \(path): \(r?.status ?? -1) Allow \(r?.headers["Allow"] ?? "none")")
            #expect(f.send(method, path).1 == "METHOD_NOT_ALLOWED")
        }
        #expect(send("GET", "/no/such/route")?.status == 404)
        #expect(send("DELETE", "/v1/no-such")?.status == 404)
    }

    @Test func catchingUpRestsOnMoreThanAThirdOfThePowerSigning() {
        let keys = (0..<4).map { _ in try! PrivateKey.generate() }
        let set = ValidatorSet(keys.enumerated().map { Validator(name: "v\($0.offset)", publicKey: $0.element.publicKey, power: 1) })
        let c = CatchUpStatus(validators: set)
        c.signed(key: keys[0].publicKey, height: UInt64.max)  // one faulty validator may sign anything
        #expect(c.provenHeight == 0 && !c.isBehind(tip: 5))
        c.signed(key: keys[1].publicKey, height: 50)  // two of four: more than a third, so one of them is correct
        #expect(c.provenHeight == 49)
        #expect(c.isBehind(tip: 5) && !c.isBehind(tip: 48))
        c.signed(key: try! PrivateKey.generate().publicKey, height: 1_000)  // not a validator: ignored
        #expect(c.provenHeight == 49)
        // Governance removes validator 1: its signatures no longer count.
        c.setValidators(ValidatorSet(Array(set.validators.enumerated().filter { $0.offset != 1 }.map(\.element))))
        #expect(c.provenHeight == 0)
    }

    @Test func aRepeatedFailureIsLoggedOncePerInterval() {
        let log = Logger(level: .error)
        let t0 = Date()
        var logged = 0
        for i in 0..<1_000 where log.throttled(.error, key: "disk", interval: 10, "test", "disk full", now: t0.addingTimeInterval(Double(i) * 0.001)) {
            logged += 1
        }
        #expect(logged == 1)
        #expect(log.throttled(.error, key: "disk", interval: 10, "test", "disk full", now: t0.addingTimeInterval(11)))
        #expect(log.throttled(.error, key: "other", interval: 10, "test", "another failure", now: t0))
    }

    @Test func healthSaysWhyTheNodeCannotCommit() {
        let h = NodeHealth(stallSeconds: 30)
        let t0 = Date()
        h.committed(at: t0)
        #expect(h.problem(now: t0.addingTimeInterval(29)) == nil)
        #expect(h.problem(now: t0.addingTimeInterval(31))?.code == "NOT_COMMITTING")
        h.storageFailed("database or disk is full")
        #expect(h.problem(now: t0)?.code == "STORAGE_FAILED")
        h.committed(at: t0)
        #expect(h.problem(now: t0) == nil)
        h.corrupted("block 97")
        h.committed(at: t0)
        #expect(h.problem(now: t0)?.code == "STORAGE_CORRUPT", "corruption does not clear by itself")
    }

    @Test func genesisAndConfigNumbersAreRangeChecked() throws {
        let k = try PrivateKey.generate()
        var g = Genesis(chainID: "c", genesisTime: 0, organizations: [
            Organization(name: "a", role: .bank, publicKey: k.publicKey, address: "http://127.0.0.1:1", power: UInt64.max),
        ])
        #expect(throws: GenesisError.self) { try g.validate() }
        g.organizations[0].power = 1
        try g.validate()
        g.consensus.timeoutPrevoteDeltaMs = -1
        #expect(throws: GenesisError.self) { try g.validate() }
        g.consensus.timeoutPrevoteDeltaMs = Int.max
        #expect(throws: GenesisError.self) { try g.validate() }
        var c = NodeConfig(moniker: "a", listen: "127.0.0.1:1")
        c.mempoolMaxTransactions = -5
        #expect(throws: NodeError.self) { try c.validate(path: "config.json") }
        c.mempoolMaxTransactions = nil
        for (share, ok) in [(0, false), (1, true), (NodeConfig.maxMempoolTransactions, true), (NodeConfig.maxMempoolTransactions + 1, false)] {
            c.mempoolMaxPerSigner = share
            if ok { try c.validate(path: "config.json") } else { #expect(throws: NodeError.self) { try c.validate(path: "config.json") } }
        }
        c.mempoolMaxPerSigner = nil
        for (mib, ok) in [(-1, false), (0, true), (4096, true), (4097, false)] {
            c.stateCacheMiB = mib
            if ok { try c.validate(path: "config.json") } else { #expect(throws: NodeError.self) { try c.validate(path: "config.json") } }
        }
        c.stateCacheMiB = nil
        c.listen = "127.0.0.1:70000"
        #expect(throws: NodeError.self) { try c.validate(path: "config.json") }
    }
}

/// The HTTP status of every refusal is decided in one table at the API's edge (`APIError.status(for:)`); whoever
/// refuses speaks only a code.
@Suite struct StatusPolicyTests {
    @Test func codesMapToTheDocumentedStatuses() {
        let expected: [String: Int] = [
            "AUTH_STALE": 401, "AUTH_UNKNOWN_SESSION": 401, "FORBIDDEN_ROLE": 403, "UNKNOWN_SIGNER": 403, "NOT_AUTHORIZED": 403,
            "NOT_FOUND": 404, "UNKNOWN_QUERY": 404, "TX_ALREADY_COMMITTED": 409, "STORAGE_CORRUPT": 500, "STORAGE_FAILED": 503,
            "MEMPOOL_FULL": 503, "MEMPOOL_SIGNER_FULL": 429, "TOO_MANY_WAITERS": 503, "HEIGHT_NOT_REACHED": 504, "COMMIT_TIMEOUT": 504,
            "INVALID_PARAMETER": 400, "DUPLICATE_FINANCING": 400, "NOT_ENTERPRISE": 400,
        ]
        for (code, status) in expected { #expect(APIError(code, "").status == status, "\(code)") }
    }
}
