import Foundation
import YongchainCrypto
import YongchainNode
import YongchainTestSupport

/// One HTTP request before it becomes bytes: the structure mutations work on. Authentication is applied last,
/// over the final method, target and body, so a mutated request still carries a valid signature or MAC and gets
/// past authentication to the handler — unless the mutation is of the authentication itself.
struct FuzzRequest {
    enum Auth: Equatable {
        case none
        /// Signed with `FuzzWorld.callers[caller]`; `timestamp` is the header's text (nil: now).
        case signed(caller: Int, timestamp: String?, nonce: String)
        /// In caller's API session; `seq` overrides the next sequence number.
        case session(caller: Int, seq: UInt64?)
    }

    var method: String
    /// Path segments as they go on the wire (already percent-encoded).
    var path: [String]
    /// Query parameters as they go on the wire (already percent-encoded); a nil value is a bare name.
    var query: [(String, String?)]
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var auth: Auth = .none
    /// Applied after authentication: a header set to a value, or removed (nil).
    var headerEdits: [(String, String?)] = []
    /// Byte-level mutation of the whole rendered request, decided by the generator (seeded).
    var rawSteps = 0

    var target: String {
        let p = "/" + path.joined(separator: "/")
        guard !query.isEmpty else { return p }
        let pairs: [String] = query.map { name, value in value.map { name + "=" + $0 } ?? name }
        return p + "?" + pairs.joined(separator: "&")
    }

    func render(_ f: NodeFixture, _ rng: inout SplitMix64) -> [UInt8] {
        let target = self.target
        var fields: [(String, String)] = [("Host", "fuzz")] + headers
        switch auth {
        case .none: break
        case .signed(let caller, let ts, let nonce):
            fields += f.signedHeaders(method: method, target: target, body: body, key: FuzzWorld.callers[caller], timestampText: ts, nonce: nonce)
        case .session(let caller, let seq):
            fields += f.sessionHeaders(method: method, target: target, body: body, caller: caller, seq: seq)
        }
        for (name, value) in headerEdits {
            fields.removeAll { $0.0.lowercased() == name.lowercased() }
            if let value { fields.append((name, value)) }
        }
        if !body.isEmpty && !fields.contains(where: { $0.0.lowercased() == "content-length" }) {
            fields.append(("Content-Length", String(body.count)))
        }
        var raw = Array("\(method) \(target) HTTP/1.1\r\n".utf8)
        for (n, v) in fields { raw += Array("\(n): \(v)\r\n".utf8) }
        raw += Array("\r\n".utf8) + body
        return rawSteps > 0 ? ByteMutator.mutate(raw, &rng, maxSteps: rawSteps) : raw
    }

    /// A short printable form, for logs and findings.
    var summary: String {
        let b = body.count > 160 ? String(decoding: body.prefix(160), as: UTF8.self) + "…(\(body.count) bytes)" : String(decoding: body, as: UTF8.self)
        let t = target.count > 300 ? String(target.prefix(300)) + "…" : target
        return "\(method) \(t) auth=\(auth) edits=\(headerEdits.map { "\($0.0)=\($0.1 ?? "<removed>")" }) raw=\(rawSteps) body=\(b.debugDescription)"
    }
}

/// Turns bytes into a URL component: percent-encoded (what a client would send), or rarely left raw, which
/// the parser must refuse cleanly when it holds bytes a request line may not.
enum URLText {
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:+".utf8)

    static func component(_ bytes: [UInt8], _ rng: inout SplitMix64) -> String {
        if rng.chance(0.08) { return String(decoding: bytes, as: UTF8.self) }
        return bytes.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }

    /// An edge value for a number-like slot: edge integers (most often), heights around the node's tip, strings.
    static func numberLike(_ rng: inout SplitMix64, tip: UInt64) -> String {
        switch rng.int(0...9) {
        case 0...5: return component(Array(Edge.integerText(&rng).utf8), &rng)
        case 6, 7: return String(Int64(tip) + Int64(rng.pick([-200, -101, -100, -1, 0, 1, 2, 64, 65, 1000])))
        default: return component(Edge.string(&rng), &rng)
        }
    }

    static func stringLike(_ rng: inout SplitMix64, tip: UInt64) -> String {
        rng.chance(0.4) ? numberLike(&rng, tip: tip) : component(Edge.string(&rng), &rng)
    }
}
