import Foundation
import Synchronization
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// API sessions through the node's real routes and HTTP server, with `APISession` as the client: a node in this
/// process (its store open at genesis, consensus not started) behind an `HTTPServer` on an ephemeral port.
@Suite(.serialized) struct SessionRouteTests {
    /// A registry with both authorities and two non-voting banks; the node runs as the registry.
    final class Fixture: @unchecked Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-sessions-\(UUID().uuidString.prefix(8))").path
        let chain = "session-test"
        let registry = try! PrivateKey.generate()
        let bankA = try! PrivateKey.generate()
        let bankB = try! PrivateKey.generate()
        let node: Node
        let server: HTTPServer
        let http = HTTPClient()
        let arrivals = Arrivals()
        var url: String { "http://127.0.0.1:\(server.port)" }

        /// Runs with each request as it reaches the server, before the node sees it: what the world does to a request
        /// held up on its way (other threads' requests overtake it, someone who copied its headers sends them first).
        final class Arrivals: Sendable {
            let hook = Mutex<(@Sendable (HTTPRequest) -> Void)?>(nil)
        }

        init() throws {
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            let home = NodeHome(dir)
            try GenesisFile.write(Genesis(chainID: chain, genesisTime: 1_700_000_000_000, organizations: [
                Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: registry.publicKey, address: "http://127.0.0.1:9"),
                Organization(name: "bank-a", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:9", power: 0),
                Organization(name: "bank-b", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:9", power: 0),
            ]), path: home.genesisPath)
            try NodeConfig(moniker: "registry", listen: "127.0.0.1:0").write(path: home.configPath)
            try KeyFile.write(registry, to: home.keyPath)
            node = try Node(home: home, logger: Logger(level: .error))
            let api = node.api, held = arrivals
            server = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
                held.hook.withLock { $0 }?(req)
                return api.handle(req)
            })
            server.start()
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }

        func session(_ key: PrivateKey, pin: Bool = true) -> APISession {
            APISession(baseURL: url, key: key, chainID: chain, nodeKey: pin ? registry.publicKey : nil, client: http)
        }

        /// (status, error code or "") of a request signed with `key`, or with no authentication when nil.
        func signed(_ method: String, _ target: String, key: PrivateKey?, body: [UInt8] = [], extra: [(String, String)] = []) throws -> (Int, String) {
            let auth = key.map { RequestAuth.headers(method: method, target: target, body: body, key: $0, chainID: chain) } ?? []
            return outcome(try http.send(method, url: url + target, headers: auth + extra, body: body, timeout: 10))
        }

        func outcome(_ r: HTTPResponse) -> (Int, String) { Self.outcome(r) }
        static func outcome(_ r: HTTPResponse) -> (Int, String) { (r.status, APISession.errorCode(r.body).code ?? "") }

        /// `target` with `headers`, straight to the node's API (not through the server, so not to `arrivals`).
        func direct(_ target: String, _ headers: [(String, String)]) -> (Int, String) {
            Self.outcome(node.api.handle(HTTPRequest(method: "GET", target: target, path: target, headers: HTTPHeaders(headers))))
        }
    }

    let unitTarget = "/v1/mortgage/units/110101001001GB00001F00010001/encumbrances"

    @Test func aHandshakeThenRequestsInTheSessionReachTheRoutes() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        // Unregistered unit: the route ran, so authentication passed.
        #expect(f.outcome(try s.send("GET", unitTarget)) == (404, "NOT_FOUND"))
        #expect(f.outcome(try s.send("GET", "/v1/mortgage/banks/\(f.bankA.publicKey.text)/filings")) == (200, ""))
        #expect(s.sessionID != nil && f.node.query.sessions.count == 1)
        let metrics = String(decoding: try f.http.send("GET", url: f.url + "/metrics", timeout: 10).body, as: UTF8.self)
        #expect(metrics.contains("\nyongchain_api_sessions 1\n"), "an operator sees the live session")
        let expires = try #require(s.expiresAtMs)
        #expect(abs(expires - Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000) < 60_000)
        // A body is covered too: the route sees it and validates it.
        let body = Array(#"{"declarations":[]}"#.utf8)
        #expect(try s.send("POST", "/v1/trade/precheck", body: body).status == 400)
    }

    /// A session's caller is its handshake key, and the routes' role checks judge it as they judge that key's
    /// signed requests.
    @Test func aBanksSessionSeesOnlyWhatItsRoleMay() throws {
        let f = try Fixture()
        let bank = f.session(f.bankA), registry = f.session(f.registry)
        let othersFilings = "/v1/mortgage/banks/\(f.bankB.publicKey.text)/filings"
        #expect(f.outcome(try bank.send("GET", othersFilings)) == (403, "FORBIDDEN_ROLE"))
        #expect(try f.signed("GET", othersFilings, key: f.bankA) == (403, "FORBIDDEN_ROLE"))
        #expect(f.outcome(try registry.send("GET", othersFilings)) == (200, ""))
        // Written as docs/openapi.yaml's pattern says an SM2 key is, but no point of the curve: nobody's filings.
        let offCurve = "/v1/mortgage/banks/sm2:04" + String(repeating: "0", count: 127) + "1/filings"
        #expect(f.outcome(try bank.send("GET", offCurve)) == (403, "FORBIDDEN_ROLE"))
        #expect(f.outcome(try registry.send("GET", offCurve)) == (404, "NOT_FOUND"))
        #expect(f.outcome(try registry.send("GET", "/v1/mortgage/banks/sm2:04zz/filings")) == (400, "INVALID_FIELD"))
        let precheck = Array(#"{"declarations":[{"number":"000000000000000001"}]}"#.utf8)
        #expect(f.outcome(try registry.send("POST", "/v1/trade/precheck", body: precheck)) == (403, "FORBIDDEN_ROLE"))
        #expect(try f.signed("POST", "/v1/trade/precheck", key: f.registry, body: precheck) == (403, "FORBIDDEN_ROLE"))
        #expect(f.outcome(try bank.send("POST", "/v1/trade/precheck", body: precheck)) == (200, ""))
    }

    @Test func onlyASignedRequestByAKnownKeyOpensASession() throws {
        let f = try Fixture()
        let path = SessionAuth.path
        let body = Array(#"{"clientPublicKey":"\#(try X25519PrivateKey.generate().publicKey.text)"}"#.utf8)
        #expect(try f.signed("POST", path, key: nil, body: body) == (401, "AUTH_REQUIRED"))
        #expect(try f.signed("POST", path, key: try PrivateKey.generate(), body: body) == (401, "AUTH_UNKNOWN_KEY"))
        // A session cannot open the next one: that would let it outlive itself without the key.
        let s = f.session(f.bankA)
        #expect(f.outcome(try s.send("POST", path, body: body)) == (401, "AUTH_REQUIRED"))
        for (bad, code) in [("{", "MALFORMED_JSON"), ("{}", "MISSING_FIELD"), (#"{"clientPublicKey":"ed25519:00"}"#, "INVALID_FIELD"),
                            (#"{"clientPublicKey":"x25519:\#(String(repeating: "0", count: 64))"}"#, "INVALID_FIELD"),
                            (#"{"clientPublicKey":"\#(String(repeating: " ", count: 1100))"}"#, "INVALID_FIELD")] {
            #expect(try f.signed("POST", path, key: f.bankA, body: Array(bad.utf8)) == (400, code), "\(bad.prefix(40))")
        }
        #expect(try f.signed("POST", path, key: f.bankA, body: body) == (201, ""))
        #expect(try f.signed("GET", path, key: f.bankA).0 == 405, "only POST opens sessions")
    }

    @Test func aClientPinningAnotherNodeKeyRefusesTheAnswer() throws {
        let f = try Fixture()
        let s = APISession(baseURL: f.url, key: f.bankA, chainID: f.chain, nodeKey: f.bankB.publicKey, client: f.http)
        do {
            try s.handshake()
            Issue.record("an answer signed by another node was accepted")
        } catch let e as NodeError {
            #expect(e.code == "NODE_SIGNATURE_INVALID")
        }
        // Without a pin the same answer is fine (the session is still bound to the caller's signed handshake).
        #expect(throws: Never.self) { try f.session(f.bankA, pin: false).handshake() }
    }

    /// The node forgets a session (here: evicted by the same key's newer ones, as after a restart or expiry);
    /// `send` opens a new one and the caller never sees the 401.
    @Test func theClientReopensASessionTheNodeForgot() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        #expect(try s.send("GET", unitTarget).status == 404)
        let first = try #require(s.sessionID)
        let other = f.session(f.bankA)
        for _ in 0..<SessionLimits().maxSessionsPerKey { try other.handshake() }
        // Sent by hand, the old session's headers are refused with the code that tells a client to reopen.
        let stale = try s.headers(method: "GET", target: unitTarget)
        #expect(f.outcome(try f.http.send("GET", url: f.url + unitTarget, headers: stale, timeout: 10)) == (401, "AUTH_UNKNOWN_SESSION"))
        #expect(try s.send("GET", unitTarget).status == 404)
        #expect(s.sessionID != nil && s.sessionID != first)
    }

    /// A request held up on its way while a window's worth of others were sent (bench saw 1 to 5 in 150,000 such
    /// refusals on a loaded machine): the node refuses the number as too old (AUTH_SEQ_TOO_OLD), and `send` sends
    /// the request once more with a new number, so the caller sees the answer, not the 401.
    @Test func aRequestWhoseNumberFellBehindTheWindowIsSentAgain() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        #expect(try s.send("GET", unitTarget).status == 404)
        let calls = Mutex(0), meanwhile = Mutex<(Int, String)?>(nil), refused = Mutex<[(Int, String)]>([])
        f.arrivals.hook.withLock {
            $0 = { [unitTarget] req in
                guard req.path == unitTarget else { return }
                // Held up twice: the first send and its first resend each fall behind.
                guard calls.withLock({ $0 += 1; return $0 }) <= 2 else { return }
                // Other threads took a window's worth of numbers meanwhile; the last of them arrived first.
                for _ in 0..<ReplayWindow.size { _ = try? s.headers(method: "GET", target: unitTarget) }
                meanwhile.withLock { $0 = f.direct(unitTarget, try! s.headers(method: "GET", target: unitTarget)) }
                // What the node answers the held-up request (its headers, sent again after it).
                refused.withLock { $0.append(f.direct(unitTarget, req.headers.map { ($0.name, $0.value) })) }
            }
        }
        defer { f.arrivals.hook.withLock { $0 = nil } }
        #expect(try s.send("GET", unitTarget).status == 404)
        #expect(meanwhile.withLock { $0 } ?? (0, "") == (404, "NOT_FOUND"))
        #expect(calls.withLock { $0 } == 3, "sent three times: twice refused as too old, then answered")
        #expect(refused.withLock { $0.map { "\($0.0) \($0.1)" } } == ["401 AUTH_SEQ_TOO_OLD", "401 AUTH_SEQ_TOO_OLD"])
    }

    /// A request held up every time it is sent is given a new number `APISession.maxRenumbered` times, then its
    /// refusal is returned: a client never loops on a node that keeps refusing.
    @Test func aRequestFallingBehindEveryTimeIsSentAFewTimesThenRefused() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        #expect(try s.send("GET", unitTarget).status == 404)
        let calls = Mutex(0)
        f.arrivals.hook.withLock {
            $0 = { [unitTarget] req in
                guard req.path == unitTarget else { return }
                calls.withLock { $0 += 1 }
                for _ in 0..<ReplayWindow.size { _ = try? s.headers(method: "GET", target: unitTarget) }
                _ = f.direct(unitTarget, try! s.headers(method: "GET", target: unitTarget))
            }
        }
        defer { f.arrivals.hook.withLock { $0 = nil } }
        #expect(f.outcome(try s.send("GET", unitTarget)) == (401, "AUTH_SEQ_TOO_OLD"))
        #expect(calls.withLock { $0 } == 1 + APISession.maxRenumbered)
    }

    /// A number inside the window that the node already accepted (someone sent these very headers first) is a
    /// replay (AUTH_REPLAYED), not a number fallen behind: `send` returns the refusal and does not send the request
    /// again.
    @Test func aReplayedNumberInsideTheWindowIsNotSentAgain() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        #expect(try s.send("GET", unitTarget).status == 404)
        let calls = Mutex(0), first = Mutex<(Int, String)?>(nil)
        f.arrivals.hook.withLock {
            $0 = { [unitTarget] req in
                guard req.path == unitTarget, calls.withLock({ $0 += 1; return $0 }) == 1 else { return }
                first.withLock { $0 = f.direct(unitTarget, req.headers.map { ($0.name, $0.value) }) }
            }
        }
        defer { f.arrivals.hook.withLock { $0 = nil } }
        #expect(f.outcome(try s.send("GET", unitTarget)) == (401, "AUTH_REPLAYED"))
        #expect(first.withLock { $0 } ?? (0, "") == (404, "NOT_FOUND"), "the copy sent first was answered")
        #expect(calls.withLock { $0 } == 1)
    }

    /// Several threads over their own keep-alive connections share one session: every request is accepted once.
    @Test func oneSessionServesManyConnectionsAtOnce() throws {
        let f = try Fixture()
        let s = f.session(f.bankA)
        let statuses = Mutex<[Int: Int]>([:])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let client = HTTPClient()
            for _ in 0..<40 {
                let status = (try? s.send("GET", unitTarget, via: client).status) ?? -1
                statuses.withLock { $0[status, default: 0] += 1 }
            }
        }
        #expect(statuses.withLock { $0 } == [404: 240])
        #expect(f.node.query.sessions.count == 1, "one handshake for all threads")
    }
}
