import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto

/// The light client's check of one proven answer (a node's JSON response to a verification endpoint called with
/// `?prove=true`), offline, with only the genesis file: the bundle verifies back to genesis (`ProofBundle.verify`),
/// the query it names is run again over the proven entries alone, and what that gives must be exactly the answer
/// the node returned — the result, or the refusal's code (its message is not proven) — at the height and block
/// hash it named. A proven answer was true at that block; `Freshness` says how recent a caller needs it to be.
public enum AnswerVerifier {
    /// What a verified answer establishes.
    public struct Verdict {
        /// The question the proof answers, whole: a caller that asked one compares it (a genuine proof of another
        /// question verifies too).
        public let query: ProvableQuery
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

    /// How recent a proven answer must be. A proof says what was true at its block; an answer from before a
    /// repayment still verifies after it, so a caller that acts on an answer demands a height, an age, or both.
    public struct Freshness: Sendable {
        /// The answer's height must be at least this (`PROOF_HEIGHT_TOO_LOW`).
        public var minHeight: UInt64?
        /// The answer's block time must be at most this many milliseconds before `now` (`PROOF_TOO_OLD`). A block
        /// time after `now` (the verifier's clock behind the chain's) is not old.
        public var maxAgeMs: Int64?
        /// The verifier's clock, ms since the Unix epoch: a parameter, so the check is a pure function.
        public var now: Int64

        public init(minHeight: UInt64? = nil, maxAgeMs: Int64? = nil, now: Int64) {
            self.minHeight = minHeight
            self.maxAgeMs = maxAgeMs
            self.now = now
        }

        func check(height: UInt64, time: Int64) throws {
            if let minHeight, height < minHeight {
                throw ProofFailure(.heightTooLow, "the answer is proven at height \(height), below the required \(minHeight)")
            }
            // now − time without overflow: a hostile header's time may be anything.
            if let maxAgeMs, time < now, now.subtractingReportingOverflow(time).overflow || now - time > maxAgeMs {
                throw ProofFailure(.tooOld, "the answer's block time \(time) is more than \(maxAgeMs) ms before now (\(now))")
            }
        }
    }

    /// Verifies `response`, the body a node returned, then `freshness` if given. Throws `ProofFailure`:
    /// `PROOF_MALFORMED` when the response is not a proven answer at all (not strict JSON: `StrictJSON`),
    /// otherwise the step that failed.
    public static func verify(response: [UInt8], genesis: Genesis, freshness: Freshness? = nil) throws -> Verdict {
        let top: StrictJSON
        do { top = try StrictJSON.parse(response) } catch { throw ProofFailure(.malformed, "not an answer's JSON: \(error)") }
        guard case .object = top else { throw ProofFailure(.malformed, "the file is not a JSON object") }
        guard let proof = top["proof"] else { throw ProofFailure(.malformed, "the answer carries no proof; ask with ?prove=true") }
        guard proof["format"]?.text == AnswerEnvelope.format else {
            throw ProofFailure(.malformed, "proof format \(proof["format"]?.text ?? "none") is not \(AnswerEnvelope.format)")
        }
        guard let q = proof["query"]?.text.flatMap({ Data(base64Encoded: $0) }),
              let b = proof["bundle"]?.text.flatMap({ Data(base64Encoded: $0) }) else {
            throw ProofFailure(.malformed, "proof.query and proof.bundle must be base64")
        }
        let query: ProvableQuery
        do { query = try ProvableQuery(canonical: Array(q)) } catch { throw ProofFailure(.malformed, "proof.query: \(error)") }
        let bundle = try ProofBundle.decode(Array(b), suite: genesis.chain.hashSuite)
        let verified = try bundle.verify(genesis: genesis)

        // The envelope must name the certified height and block.
        guard top["height"] == .integer(String(verified.height)), top["blockHash"]?.text == verified.blockHash.hex else {
            throw ProofFailure(.answerMismatch, "the answer names height \(top["height"].map { "\($0)" } ?? "none") and block \(top["blockHash"]?.text ?? "none"), the proof certifies height \(verified.height), block \(verified.blockHash.hex)")
        }
        // The answer again, from proven entries only, at the proven height's block time.
        let recomputed = query.answer(verified.state, time: verified.time, suite: genesis.chain.hashSuite)
        try verified.state.checkReads()
        switch recomputed {
        case .result(let bytes):
            guard top["error"] == nil, let given = top["result"], (try? StrictJSON.parse(bytes)) == given else {
                throw ProofFailure(.answerMismatch, "the proven state gives another answer than the node's")
            }
        case .refused(let code, _):
            let given = top["error"]?["code"]?.text
            guard top["result"] == nil, given == code else {
                throw ProofFailure(.answerMismatch, "the proven state gives the refusal \(code), the node answered \(given ?? "a result")")
            }
        }
        try freshness?.check(height: verified.height, time: verified.time)
        return Verdict(query: query, question: query.question, route: query.route, height: verified.height, time: verified.time,
                       blockHash: verified.blockHash, outcome: recomputed, provenKeys: bundle.entries.count,
                       signers: bundle.certificate.signatures.count, validators: verified.validators.count,
                       validatorSetChanges: bundle.changes.count)
    }
}
