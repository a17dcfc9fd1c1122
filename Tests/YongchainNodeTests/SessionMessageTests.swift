import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

/// The bytes a session request's MAC covers (docs/api-auth.md): `str(METHOD) ‖ str(target) ‖ u64(seq) ‖
/// SHA-256(body)`, where str is a 4-byte big-endian length and the UTF-8, the method upper-cased — written out here
/// byte by byte, for methods already in capitals (not upper-cased again), in any case, and not ASCII at all.
@Suite struct SessionMessageTests {
    static func reference(method: String, target: String, seq: UInt64, body: [UInt8]) -> [UInt8] {
        func str(_ s: String) -> [UInt8] {
            let u = Array(s.utf8)
            return [UInt8(u.count >> 24 & 0xff), UInt8(u.count >> 16 & 0xff), UInt8(u.count >> 8 & 0xff), UInt8(u.count & 0xff)] + u
        }
        let seqBytes = (0..<8).map { UInt8(seq >> (56 - 8 * UInt64($0)) & 0xff) }
        return str(method.uppercased()) + str(target) + seqBytes + HashSuite.sha256.digest(body).bytes
    }

    @Test func theMessageIsTheDocumentedBytes() {
        let methods = ["GET", "POST", "M-SEARCH", "get", "Get", "gET", "post", "straße", "ÉTÉ", "GEt1", "", "Z", "a", "{", "@", "`"]
        let targets = ["/v1/mortgage/units/1100000001/encumbrances", "/healthz?x=%E4%BD%A0", "/", String(repeating: "/a", count: 300)]
        for method in methods {
            for target in targets {
                for (seq, body) in [(UInt64(1), [UInt8]()), (UInt64.max, Array("{\"a\":1}".utf8)), (0x0102_0304_0506_0708, [0])] {
                    #expect(SessionAuth.message(method: method, target: target, seq: seq, body: body)
                            == Self.reference(method: method, target: target, seq: seq, body: body), "\(method) \(target) \(seq)")
                }
            }
        }
        // A lower-case method is covered as its capitals: the same MAC as the client's for "GET".
        #expect(SessionAuth.message(method: "get", target: "/", seq: 1, body: []) == SessionAuth.message(method: "GET", target: "/", seq: 1, body: []))
    }
}
