import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto

/// The light client's check of one proven answer (a node's JSON response to a verification endpoint called with
/// `?prove=true`), offline, with only the genesis file: the bundle verifies back to genesis (`ProofBundle.verify`),
/// the query it names is run again over the proven entries alone, and what that gives must be exactly the answer
/// the node returned — the result, or the 404 of "nothing there" — at the height and block hash it named.
public enum AnswerVerifier {
    /// What a verified answer establishes.
    public struct Verdict {
        public let question: String
        public let route: String
        public let height: UInt64
        /// Block time of `height`, milliseconds since the Unix epoch.
        public let time: Int64
        public let blockHash: Hash
        /// The proven answer: a result (sorted JSON) or a refusal with its code (NOT_FOUND: nothing is recorded).
        public let outcome: ProvableQuery.Outcome
        public let provenKeys: Int
        public let signers: Int
        public let validators: Int
        /// Validator-set changes followed from genesis to `height`, each certified by the set before it.
        public let validatorSetChanges: Int
    }

    /// Verifies `response`, the body a node returned. Throws `ProofFailure`: `PROOF_MALFORMED` when the
    /// response is not a proven answer at all, otherwise the step that failed.
    public static func verify(response: [UInt8], genesis: Genesis) throws -> Verdict {
        guard let top = try? JSONSerialization.jsonObject(with: Data(response)) as? [String: Any] else {
            throw ProofFailure(.malformed, "the file is not a JSON object")
        }
        guard let proof = top["proof"] as? [String: Any] else {
            throw ProofFailure(.malformed, "the answer carries no proof; ask with ?prove=true")
        }
        guard proof["format"] as? String == ProvenAnswer.format else {
            throw ProofFailure(.malformed, "proof format \(proof["format"] ?? "none") is not \(ProvenAnswer.format)")
        }
        guard let q = (proof["query"] as? String).flatMap({ Data(base64Encoded: $0) }),
              let b = (proof["bundle"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw ProofFailure(.malformed, "proof.query and proof.bundle must be base64")
        }
        let query: ProvableQuery
        do { query = try ProvableQuery(canonical: Array(q)) } catch { throw ProofFailure(.malformed, "proof.query: \(error)") }
        let bundle = try ProofBundle.decode(Array(b), suite: genesis.chain.hashSuite)
        let verified = try bundle.verify(genesis: genesis)

        // The envelope must name the certified height and block.
        // Compared as text: converting a hostile number (negative, fractional, 1e300) could trap.
        guard let height = top["height"] as? NSNumber, height.stringValue == String(verified.height),
              top["blockHash"] as? String == verified.blockHash.hex else {
            throw ProofFailure(.answerMismatch, "the answer names height \(top["height"] ?? "none") and block \(top["blockHash"] ?? "none"), the proof certifies height \(verified.height), block \(verified.blockHash.hex)")
        }
        // The answer again, from proven entries only, at the proven height's block time.
        let recomputed = query.answer(verified.state, time: verified.time, suite: genesis.chain.hashSuite)
        try verified.state.checkReads()
        switch recomputed {
        case .result(let bytes):
            // Compared as parsed JSON, written back with sorted keys: key order and spacing are not the answer.
            func normal(_ v: Any) -> Data? { try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) }
            guard top["error"] == nil, let given = top["result"], let mine = try? JSONSerialization.jsonObject(with: Data(bytes)),
                  let a = normal(given), a == normal(mine) else {
                throw ProofFailure(.answerMismatch, "the proven state gives another answer than the node's")
            }
        case .refused(let code, _):
            let given = (top["error"] as? [String: Any])?["code"] as? String
            guard top["result"] == nil, given == code else {
                throw ProofFailure(.answerMismatch, "the proven state gives the refusal \(code), the node answered \(given ?? "a result")")
            }
        }
        return Verdict(question: query.question, route: query.route, height: verified.height, time: verified.time,
                       blockHash: verified.blockHash, outcome: recomputed, provenKeys: bundle.entries.count,
                       signers: bundle.certificate.signatures.count, validators: verified.validators.count,
                       validatorSetChanges: bundle.changes.count)
    }
}
