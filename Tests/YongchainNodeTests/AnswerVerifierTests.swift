import Foundation
import Testing
import YongchainApplication
import YongchainCore
@testable import YongchainNode
import YongchainLightClient

/// `AnswerVerifier` on the vector chain's real answers: freshness (`--min-height`, `--max-age`) and what "the
/// same answer" means (docs/proofs.md, "Comparing answers").
@Suite(.serialized) struct AnswerVerifierTests {
    static func answer(_ what: String) throws -> String {
        let doc = try ProofAnswerVectorTests.build().document
        return try #require((doc["answers"] as! [[String: Any]]).first { ($0["what"] as! String).hasPrefix(what) })["response"] as! String
    }

    func reason(_ response: String, _ freshness: AnswerVerifier.Freshness? = nil) -> ProofFailure.Reason? {
        do { _ = try AnswerVerifier.verify(response: Array(response.utf8), genesis: VectorChain.genesis, freshness: freshness); return nil }
        catch let f as ProofFailure { return f.reason } catch { return .malformed }
    }

    /// A proof says what was true at its block: a caller that needs a newer answer says how new.
    @Test func aProvenAnswerCanBeRequiredToBeRecent() throws {
        let a = try Self.answer("pre-check")
        let height = try ProofAnswerVectorTests.build().chain.node.store.tip.height
        let time = VectorChain.genesisTime + Int64(height) * 1000
        #expect(reason(a, .init(minHeight: height, now: 0)) == nil)
        #expect(reason(a, .init(minHeight: height + 1, now: 0)) == .heightTooLow)
        #expect(reason(a, .init(maxAgeMs: 5_000, now: time + 5_000)) == nil)
        #expect(reason(a, .init(maxAgeMs: 5_000, now: time + 5_001)) == .tooOld)
        #expect(reason(a, .init(maxAgeMs: 0, now: time - 60_000)) == nil, "a block time ahead of the verifier's clock is not old")
        #expect(reason(a, .init(maxAgeMs: 1_000, now: .max)) == .tooOld)
        // Freshness is judged only once the proof holds: a forged answer is reported as forged.
        let forged = a.replacingOccurrences(of: "\"free\":40000", with: "\"free\":100000")
        #expect(forged != a && reason(forged, .init(minHeight: height + 1, now: 0)) == .answerMismatch)
    }

    /// Compared as strict JSON: spacing, key order and escapes are not the answer; a number written with a
    /// fraction is refused (it was once taken for the integer), a duplicate key is refused, and the error's
    /// message is not proven, its code is.
    @Test func theAnswerIsComparedAsStrictJSON() throws {
        let a = try Self.answer("pre-check")
        #expect(reason(a) == nil)
        var top = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
        let spaced = String(decoding: try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted]), as: UTF8.self)
        #expect(reason(spaced) == nil, "spacing and key order")
        #expect(reason(a.replacingOccurrences(of: "\"bank-a\"", with: "\"bank\\u002da\"")) == nil, "an escaped character is the same character")
        #expect(reason(a.replacingOccurrences(of: "\"free\":40000", with: "\"free\":40000.0")) == .malformed)
        #expect(reason(a.replacingOccurrences(of: "\"free\":40000", with: "\"free\":4e4")) == .malformed)
        #expect(reason(a.replacingOccurrences(of: "\"free\":40000", with: "\"free\":40000,\"free\":40000")) == .malformed)
        #expect(reason(a.replacingOccurrences(of: "\"height\":", with: "\"height\":0").replacingOccurrences(of: "\"height\":0\(top["height"]!)", with: "\"height\":\(top["height"]!).0")) == .malformed)
        top["extra"] = "not part of the answer"
        #expect(reason(String(decoding: try JSONSerialization.data(withJSONObject: top), as: UTF8.self)) == nil)

        let refused = try Self.answer("encumbrances of an unregistered unit")
        #expect(reason(refused) == nil)
        #expect(reason(refused.replacingOccurrences(of: "is not registered", with: "was never heard of")) == nil, "the message is not proven")
        #expect(reason(refused.replacingOccurrences(of: "\"NOT_FOUND\"", with: "\"UNKNOWN_QUERY\"")) == .answerMismatch)
    }
}
