import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// The session scheme of docs/api-auth.md, driven directly: no sockets, the clock passed in. The client half is
/// done here by hand, as a bank's own implementation would do it from the document.
@Suite struct SessionVerifierTests {
    let chain = "test-chain"
    let bank = try! PrivateKey.generate()
    let nodeKey = try! PrivateKey.generate()
    let now: Int64 = 1_700_000_000_000
    let target = "/v1/mortgage/units/110101001001GB00001F00010001/encumbrances"

    struct Client {
        let id: String
        let key: [UInt8]
        let answer: SessionVerifier.Handshake
        let clientKey: X25519PublicKey
    }

    /// A handshake as a client does it: fresh X25519 key, then HKDF over the node's answer.
    func open(_ v: SessionVerifier, _ caller: PrivateKey? = nil, at: Int64? = nil) throws -> Client {
        let caller = caller ?? bank
        let mine = try X25519PrivateKey.generate()
        guard case .success(let a) = v.open(caller: caller.publicKey, clientKey: mine.publicKey, nowMs: at ?? now) else {
            throw NodeError(code: "TEST", message: "handshake refused")
        }
        let server = try #require(X25519PublicKey(text: a.serverPublicKey))
        let id = try #require(Hex.decode(a.sessionId))
        let key = try HKDFSHA256.deriveKey(
            secret: try mine.sharedSecret(with: server), salt: id,
            info: Domain.apiSession.signingBytes(chainID: chain, message: {
                var w = CanonicalWriter()
                w.publicKey(caller.publicKey)
                w.bytes(mine.publicKey.bytes)
                w.bytes(server.bytes)
                return w.bytes
            }()))
        return Client(id: a.sessionId, key: key, answer: a, clientKey: mine.publicKey)
    }

    func headers(_ c: Client, seq: UInt64, method: String = "GET", target: String? = nil, body: [UInt8] = []) -> [(String, String)] {
        let mac = SessionAuth.mac(key: c.key, method: method, target: target ?? self.target, seq: seq, body: body)
        return [(SessionAuth.sessionHeader, c.id), (SessionAuth.seqHeader, String(seq)), (SessionAuth.macHeader, Hex.encode(mac))]
    }

    func verify(_ v: SessionVerifier, _ h: [(String, String)], method: String = "GET", target: String? = nil, body: [UInt8] = [],
                at: Int64? = nil, known: Set<PublicKey>? = nil) -> String {
        let members = known ?? [bank.publicKey]
        let r = v.verify(method: method, target: target ?? self.target, headers: HTTPHeaders(h), body: body, nowMs: at ?? now) { members.contains($0) }
        switch r {
        case .success(let k): return k == bank.publicKey ? "OK" : "OK other"
        case .failure(let e): return "\(e.status) \(e.code)"
        }
    }

    @Test func aHandshakeThenARequestIsAcceptedAsTheHandshakersKey() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        #expect(c.answer.expiresAt == now + 3_600_000)
        let body = Array(#"{"declarations":[]}"#.utf8)
        #expect(verify(v, headers(c, seq: 1, method: "POST", target: "/v1/trade/precheck", body: body), method: "POST", target: "/v1/trade/precheck", body: body) == "OK")
        #expect(verify(v, headers(c, seq: 2)) == "OK")
        #expect(v.count == 1)
    }

    /// The node's signature covers the session's parameters and the caller, and checks with the node's key.
    @Test func theHandshakeAnswerIsSignedByTheNode() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        #expect(c.answer.nodeKey == nodeKey.publicKey.text)
        let sig = try #require(c.answer.signature.flatMap(Hex.decode))
        func message(caller: PublicKey, chain: String) -> [UInt8] {
            SessionAuth.handshakeMessage(chainID: chain, sessionID: Hex.decode(c.id)!, caller: caller, client: c.clientKey,
                                         server: X25519PublicKey(text: c.answer.serverPublicKey)!, expiresAtMs: c.answer.expiresAt)
        }
        #expect(nodeKey.publicKey.verify(signature: sig, message: message(caller: bank.publicKey, chain: chain)))
        #expect(!nodeKey.publicKey.verify(signature: sig, message: message(caller: try PrivateKey.generate().publicKey, chain: chain)))
        #expect(!nodeKey.publicKey.verify(signature: sig, message: message(caller: bank.publicKey, chain: "other-chain")))
        // An observer has no key: its answers carry no signature rather than a false one.
        let observer = SessionVerifier(chainID: chain, nodeKey: nil)
        let o = try open(observer)
        #expect(o.answer.signature == nil && o.answer.nodeKey == nil)
        #expect(verify(observer, headers(o, seq: 1)) == "OK")
    }

    @Test func aChangedMethodTargetBodyOrSeqBreaksTheMAC() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        let body = Array(#"{"declarations":[]}"#.utf8)
        let h = headers(c, seq: 7, method: "POST", body: body)
        #expect(verify(v, h, method: "GET", body: body) == "401 AUTH_BAD_MAC")
        #expect(verify(v, h, method: "POST", target: target + "?x=1", body: body) == "401 AUTH_BAD_MAC")
        #expect(verify(v, h, method: "POST", body: body + [0x20]) == "401 AUTH_BAD_MAC")
        var seq = h
        seq[1].1 = "8"
        #expect(verify(v, seq, method: "POST", body: body) == "401 AUTH_BAD_MAC")
        var mac = h
        mac[2].1 = String(mac[2].1.dropLast()) + (mac[2].1.hasSuffix("0") ? "1" : "0")
        #expect(verify(v, mac, method: "POST", body: body) == "401 AUTH_BAD_MAC")
        // Another session's key does not carry over, even for the same caller.
        let other = try open(v)
        var swapped = h
        swapped[0].1 = other.id
        #expect(verify(v, swapped, method: "POST", body: body) == "401 AUTH_BAD_MAC")
        // Forgeries did not use up the sequence number: the genuine request still goes through.
        #expect(verify(v, h, method: "POST", body: body) == "OK")
    }

    @Test func aReplayedSeqIsRefused() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        let h = headers(c, seq: 1)
        #expect(verify(v, h) == "OK")
        #expect(verify(v, h) == "401 AUTH_REPLAYED")
        // The same number in another session is that session's own.
        let d = try open(v)
        #expect(verify(v, headers(d, seq: 1)) == "OK")
    }

    @Test func outOfOrderWithinTheWindowIsAcceptedAndBelowItRefused() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        for seq: UInt64 in [3, 1, 2, 10, 5] { #expect(verify(v, headers(c, seq: seq)) == "OK", "seq \(seq)") }
        #expect(verify(v, headers(c, seq: 1034)) == "OK")
        #expect(verify(v, headers(c, seq: 11)) == "OK", "1034 - 11 = 1023: still inside the window")
        let r = v.verify(method: "GET", target: target, headers: HTTPHeaders(headers(c, seq: 10)), body: [], nowMs: now) { _ in true }
        guard case .failure(let e) = r else { Issue.record("a number below the window was accepted"); return }
        #expect(e.code == "AUTH_SEQ_TOO_OLD" && e.message.contains("below the highest"), "\(e.message)")
        #expect(verify(v, headers(c, seq: 11)) == "401 AUTH_REPLAYED", "inside the window and seen: a replay, not too old")
    }

    @Test func unknownAndExpiredSessionsAreRefusedBeforeAnyMAC() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey, limits: SessionLimits(lifetimeMs: 60_000))
        let c = try open(v)
        var unknown = headers(c, seq: 1)
        unknown[0].1 = String(repeating: "ab", count: 16)
        #expect(verify(v, unknown) == "401 AUTH_UNKNOWN_SESSION")
        #expect(verify(v, headers(c, seq: 1), at: now + 59_999) == "OK")
        #expect(verify(v, headers(c, seq: 2), at: now + 60_000) == "401 AUTH_SESSION_EXPIRED")
        // A node that restarted has no sessions: the client is told to open a new one.
        let restarted = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        #expect(verify(restarted, headers(c, seq: 3)) == "401 AUTH_UNKNOWN_SESSION")
    }

    /// The session's key is judged on each route as a signed request by that key would be.
    @Test func aSessionOfAKeyTheRouteDoesNotAdmitIsRefused() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        #expect(verify(v, headers(c, seq: 1), known: []) == "401 AUTH_UNKNOWN_KEY")
        #expect(verify(v, headers(c, seq: 2)) == "OK")
    }

    @Test func malformedHeadersEachGetAStableCode() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        let good = headers(c, seq: 1)
        func with(_ i: Int, _ value: String) -> [(String, String)] { var h = good; h[i].1 = value; return h }
        func message(_ h: [(String, String)]) -> String {
            if case .failure(let e) = v.verify(method: "GET", target: target, headers: HTTPHeaders(h), body: [], nowMs: now, isKnown: { _ in true }) {
                return "\(e.status) \(e.code) \(e.message)"
            }
            return "OK"
        }
        for i in 0..<3 {
            let m = message(good.enumerated().filter { $0.offset != i }.map(\.element))
            #expect(m.hasPrefix("401 AUTH_MALFORMED") && m.contains("missing \(good[i].0)"), "\(m)")
        }
        for (i, bad) in [(0, "xyz"), (0, String(repeating: "a", count: 30)), (0, String(repeating: "a", count: 34)),
                         (1, "0"), (1, "-1"), (1, "+1"), (1, " 1"), (1, "1.0"), (1, "18446744073709551616"), (1, ""),
                         (2, "zz"), (2, String(repeating: "a", count: 62)), (2, "")] {
            let m = message(with(i, bad))
            #expect(m.hasPrefix("401 AUTH_MALFORMED") && m.contains(good[i].0), "\(good[i].0): \"\(bad)\" → \(m)")
        }
        // A request carrying both schemes is refused rather than judged by one of them.
        let both = good + RequestAuth.headers(method: "GET", target: target, key: bank, chainID: chain, timestampMs: now)
        #expect(message(both).hasPrefix("401 AUTH_MALFORMED"))
        #expect(verify(v, good) == "OK", "nothing above used up seq 1")
        // The largest sequence number is a sequence number.
        #expect(verify(v, headers(c, seq: UInt64.max)) == "OK")
    }

    /// The headers are found in one pass (CredentialHeaders) as look-ups by name found them: any case, the first of
    /// a repeated field, nothing taken from a field whose name only has the same length, and a signed-scheme field
    /// beside the session's named as the first of the four in docs/api-auth.md's order.
    @Test func sessionHeadersAreFoundAsLookUpsByNameFoundThem() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        let good = headers(c, seq: 1)
        func message(_ h: [(String, String)]) -> String {
            switch v.verify(method: "GET", target: target, headers: HTTPHeaders(h), body: [], nowMs: now, isKnown: { _ in true }) {
            case .failure(let e): return "\(e.status) \(e.code) \(e.message)"
            case .success: return "OK"
            }
        }
        let mixedCase = [("x-yongchain-SESSION", good[0].1), ("X-YONGCHAIN-seq", good[1].1), ("x-Yongchain-Mac", good[2].1)]
        #expect(message([("Accept-Encoding", "gzip"), ("X-Yongchain-Sez", "1"), ("X-Yongchain-Sessions", "x")] + mixedCase) == "OK")
        // The first of a repeated field counts: a wrong MAC after the right one is ignored, before it refused.
        #expect(message(headers(c, seq: 2) + [(SessionAuth.macHeader, String(repeating: "00", count: 32))]) == "OK")
        #expect(message([(SessionAuth.macHeader, String(repeating: "00", count: 32))] + headers(c, seq: 3)).hasPrefix("401 AUTH_BAD_MAC"))
        let same = [("Accept-Language", "zh"), ("X-Yongchain-Sez", "1"), ("X-Yongchain-Session2", "1"), ("X-Yongchain-Noncf", "1")]
        #expect(message(same).contains("missing \(SessionAuth.sessionHeader), \(SessionAuth.seqHeader), \(SessionAuth.macHeader)"))
        let signed = [RequestAuth.keyHeader, RequestAuth.timestampHeader, RequestAuth.nonceHeader, RequestAuth.signatureHeader]
        for i in signed.indices {
            let m = message(headers(c, seq: 4) + signed[i...].reversed().map { ($0.lowercased(), "1") })
            #expect(m.hasPrefix("401 AUTH_MALFORMED") && m.contains("drop \(signed[i]) or"), "\(m)")
        }
        #expect(message(headers(c, seq: 4)) == "OK", "nothing above used up seq 4")
        let only = CredentialHeaders(HTTPHeaders([("x-yongchain-key", "k")]))
        #expect(!only.isSession && only.key == "k" && only.signedSchemeHeader == RequestAuth.keyHeader)
    }

    /// One key's sessions over its cap evict its own oldest; a full node answers 503 AUTH_BUSY.
    @Test func sessionCapsEvictTheKeysOldestOrAnswerBusy() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey, limits: SessionLimits(maxSessions: 3, maxSessionsPerKey: 2))
        let first = try open(v), second = try open(v)
        let third = try open(v, at: now + 1)
        #expect(verify(v, headers(first, seq: 1)) == "401 AUTH_UNKNOWN_SESSION", "evicted for the key's third session")
        #expect(verify(v, headers(second, seq: 1)) == "OK" && verify(v, headers(third, seq: 1)) == "OK")
        let other = try PrivateKey.generate(), stranger = try PrivateKey.generate()
        _ = try open(v, other)
        let r = v.open(caller: stranger.publicKey, clientKey: try X25519PrivateKey.generate().publicKey, nowMs: now + 2)
        guard case .failure(let e) = r else { Issue.record("a full node opened a session"); return }
        #expect(e.status == 503 && e.code == "AUTH_BUSY")
        #expect(v.count == 3)
        // After the lifetime, the places free up.
        #expect(throws: Never.self) { try open(v, stranger, at: now + 3_600_001) }
    }

    @Test func aLowOrderClientKeyIsRefused() {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let r = v.open(caller: bank.publicKey, clientKey: X25519PublicKey(bytes: [UInt8](repeating: 0, count: 32))!, nowMs: now)
        guard case .failure(let e) = r else { Issue.record("a low-order point opened a session"); return }
        #expect(e.status == 400 && e.code == "INVALID_FIELD" && e.message.hasPrefix("clientPublicKey"))
        #expect(v.count == 0)
    }

    /// Many threads through one session, numbers taken from one counter in order but checked in whatever order
    /// the threads get there: each is accepted exactly once.
    @Test func concurrentRequestsInOneSessionAreEachAcceptedOnce() throws {
        let v = SessionVerifier(chainID: chain, nodeKey: nodeKey)
        let c = try open(v)
        let results = (1...400).map { seq in headers(c, seq: UInt64(seq)) }
        let outcomes = Array(repeating: "", count: results.count)
        let box = UnsafeSendableBox(outcomes)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in stride(from: t, to: results.count, by: 8) { box.set(i, verify(v, results[i])) }
        }
        #expect(box.values.allSatisfy { $0 == "OK" })
        #expect(results.map { verify(v, $0) }.allSatisfy { $0 == "401 AUTH_REPLAYED" })
    }
}

/// Results written by many threads, each to its own index.
final class UnsafeSendableBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String]
    init(_ v: [String]) { values = v }
    func set(_ i: Int, _ s: String) { lock.withLock { values[i] = s } }
}
