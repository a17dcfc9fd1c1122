import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// The signed-request scheme of docs/api-auth.md, driven directly: no sockets, the clock passed in.
@Suite struct RequestAuthTests {
    let chain = "test-chain"
    let bank = try! PrivateKey.generate()
    let now: Int64 = 1_700_000_000_000
    let target = "/v1/mortgage/titles/verify?certificate=X&owner=1"

    func headers(_ key: PrivateKey? = nil, method: String = "GET", body: [UInt8] = [], ts: Int64? = nil,
                 nonce: String = "n-1", chain: String? = nil) -> [(String, String)] {
        RequestAuth.headers(method: method, target: target, body: body, key: key ?? bank, chainID: chain ?? self.chain,
                            timestampMs: ts ?? now, nonce: nonce)
    }

    func verify(_ v: RequestVerifier, _ h: [(String, String)], method: String = "GET", target: String? = nil,
                body: [UInt8] = [], known: Set<PublicKey>? = nil) -> String {
        let members = known ?? [bank.publicKey]
        let r = v.verify(method: method, target: target ?? self.target, headers: HTTPHeaders(h), body: body, nowMs: now) { members.contains($0) }
        switch r {
        case .success(let k): return k == bank.publicKey ? "OK" : "OK other"
        case .failure(let e): return "\(e.status) \(e.code)"
        }
    }

    @Test func goodSignatureIsAcceptedAsItsKey() {
        let v = RequestVerifier(chainID: chain)
        let body = Array("{}".utf8)
        #expect(verify(v, headers(method: "POST", body: body), method: "POST", body: body) == "OK")
    }

    /// An SM2 key signs requests too, over the body's SM3 digest (the key's own hash): the same request with the
    /// SHA-256 digest is another message, refused.
    @Test func anSM2KeysRequestIsSignedOverTheBodysSM3Digest() throws {
        let sm = try PrivateKey.generate(suite: .sm2)
        let v = RequestVerifier(chainID: chain)
        let body = Array("{\"declarations\":[]}".utf8)
        let h = RequestAuth.headers(method: "POST", target: target, body: body, key: sm, chainID: chain, timestampMs: now, nonce: "sm-1")
        #expect(verify(v, h, method: "POST", body: body, known: [sm.publicKey]) == "OK other")
        let sha = RequestAuth.message(method: "POST", target: target, timestampMs: now, nonce: "sm-2", body: body, key: .ed25519)
        #expect(sha != RequestAuth.message(method: "POST", target: target, timestampMs: now, nonce: "sm-2", body: body, key: .sm2))
        let forged = [(RequestAuth.keyHeader, sm.publicKey.text), (RequestAuth.timestampHeader, String(now)), (RequestAuth.nonceHeader, "sm-2"),
                      (RequestAuth.signatureHeader, Hex.encode(sm.sign(Domain.request.signingBytes(chainID: chain, message: sha))))]
        #expect(verify(v, forged, method: "POST", body: body, known: [sm.publicKey]) == "401 AUTH_BAD_SIGNATURE")
    }

    @Test func missingHeadersAreAuthRequired() {
        let v = RequestVerifier(chainID: chain)
        #expect(verify(v, []) == "401 AUTH_REQUIRED")
        #expect(verify(v, headers().filter { $0.0 != RequestAuth.signatureHeader }) == "401 AUTH_REQUIRED")
    }

    @Test func staleTimestampsEitherWayAreRefused() {
        let v = RequestVerifier(chainID: chain)
        #expect(verify(v, headers(ts: now - 300_001)) == "401 AUTH_STALE")
        #expect(verify(v, headers(ts: now + 300_001, nonce: "n-2")) == "401 AUTH_STALE")
        #expect(verify(v, headers(ts: now - 299_000, nonce: "n-3")) == "OK")
    }

    @Test func aReplayedNonceIsRefusedButANewOneIsNot() throws {
        let v = RequestVerifier(chainID: chain)
        let h = headers()
        #expect(verify(v, h) == "OK")
        #expect(verify(v, h) == "401 AUTH_REPLAYED")
        #expect(verify(v, headers(nonce: "n-2")) == "OK")
        // The same nonce under another key is that key's own nonce.
        let other = try PrivateKey.generate()
        #expect(verify(v, headers(other), known: [bank.publicKey, other.publicKey]) == "OK other")
    }

    @Test func unknownKeysAreRefusedBeforeTheirNonceIsRemembered() throws {
        let v = RequestVerifier(chainID: chain)
        #expect(verify(v, headers(try PrivateKey.generate())) == "401 AUTH_UNKNOWN_KEY")
        #expect(v.remembered == 0)
    }

    @Test func badSignaturesAndTamperingAreDetected() throws {
        let v = RequestVerifier(chainID: chain)
        let body = Array(#"{"declarations":[]}"#.utf8)
        // Signed by another key than the one named.
        var forged = headers(try PrivateKey.generate(), method: "POST", body: body)
        forged[0].1 = bank.publicKey.text
        #expect(verify(v, forged, method: "POST", body: body) == "401 AUTH_BAD_SIGNATURE")
        // Body, query, path and method changed after signing.
        #expect(verify(v, headers(method: "POST", body: body, nonce: "b"), method: "POST", body: body + [32]) == "401 AUTH_BAD_SIGNATURE")
        #expect(verify(v, headers(nonce: "q"), target: target.replacingOccurrences(of: "owner=1", with: "owner=2")) == "401 AUTH_BAD_SIGNATURE")
        #expect(verify(v, headers(nonce: "p"), target: "/v1/mortgage/banks/x/filings") == "401 AUTH_BAD_SIGNATURE")
        #expect(verify(v, headers(method: "POST", nonce: "m"), method: "GET") == "401 AUTH_BAD_SIGNATURE")
        // Signed for another chain.
        #expect(verify(v, headers(nonce: "c", chain: "other-chain")) == "401 AUTH_BAD_SIGNATURE")
        // A failed signature does not burn the nonce: the genuine request still goes through.
        #expect(verify(v, headers(method: "POST", body: body, nonce: "b"), method: "POST", body: body) == "OK")
    }

    @Test func malformedHeadersAreRefusedNamingTheHeader() {
        let v = RequestVerifier(chainID: chain)
        var h = headers()
        h[1].1 = "yesterday"
        let r = v.verify(method: "GET", target: target, headers: HTTPHeaders(h), body: [], nowMs: now) { _ in true }
        guard case .failure(let e) = r else { Issue.record("a malformed timestamp was accepted"); return }
        #expect(e.status == 401 && e.code == "AUTH_MALFORMED" && e.message.contains(RequestAuth.timestampHeader))
        #expect(verify(v, headers(nonce: String(repeating: "x", count: 65))) == "401 AUTH_MALFORMED")
        #expect(verify(v, headers(nonce: String(repeating: "x", count: 64))) == "OK")
    }

    @Test func aFullReplayCacheFailsClosed() {
        let v = RequestVerifier(chainID: chain, limits: RequestAuthLimits(replayCapacity: 2))
        #expect(verify(v, headers(nonce: "1")) == "OK")
        #expect(verify(v, headers(nonce: "2")) == "OK")
        #expect(verify(v, headers(nonce: "3")) == "503 AUTH_BUSY")
        #expect(verify(v, headers(nonce: "1")) == "401 AUTH_REPLAYED")
    }
}
