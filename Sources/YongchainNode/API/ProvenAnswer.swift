import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// The answers of the verification endpoints, with or without proof (docs/proofs.md). Both run the same
/// `ProvableQuery` over one committed snapshot; `?prove=true` also records every key the query read and returns,
/// beside the answer, a bundle a client checks offline against the genesis file alone:
///
/// `{"blockHash", "height", "proof": {"format", "query", "bundle"}, "result"}` — `query` and `bundle` are the
/// base64 of their canonical encodings. An answer of "nothing there" (404) carries its proof too: absence is
/// proven like presence.
enum ProvenAnswer {
    /// `?prove=` as a flag: absent or "false" is no, "true" is yes, anything else a 400.
    static func wanted(_ req: HTTPRequest) throws -> Bool {
        switch req.query["prove"] {
        case nil, "false": return false
        case "true": return true
        case let v?: throw APIError.badRequest(NodeCode.invalidParameter, "prove: true or false, not '\(v.prefix(20))'")
        }
    }

    /// Runs `query` against `state` (the route's committed snapshot) and answers 200 with its result, or its
    /// refusal (404 `notFound` when there is nothing under the key asked for, or the application's code); with a
    /// proof when `prove`. A proof read whose snapshot the chain left behind while it read throws
    /// `STORAGE_SNAPSHOT_GONE`: the dispatcher reads the answer again from a new snapshot. What a proof carries at
    /// every height (header, certificate, set changes) comes from `base`; a question whose answer is the state's
    /// alone is answered from `answers` when it was answered at the same state root before. `notFound` MUST depend
    /// on nothing but the question: it is kept with the answer.
    static func respond(_ query: ProvableQuery, prove: Bool, state v: ReadView, base: ProofBase, answers: StateRootCache<KeptAnswer>,
                        notFound: @autoclosure () -> String) throws -> HTTPResponse {
        let tip = try v.tip()
        if prove, tip.height == 0 {
            throw APIError(NodeCode.proofUnavailable, "no block is committed yet; a proof needs a certified header")
        }
        let asked = query.canonicalBytes
        let found = try answer(query, asked, state: v, tip: tip, answers: answers, notFound: notFound)
        guard prove else { return try envelope(tip, found.outcome, proof: nil) }
        let base = try base.parts(at: tip, v)
        let entries = try found.keys.map { key in
            let (value, proof) = try v.stateProof(key: key, tip: tip)
            return ProofBundle.Entry(key: key, value: value, proof: proof)
        }
        return try envelope(tip, found.outcome, proof: AnswerEnvelope.Proof(query: asked, bundleBase64: base.bundleBase64(entries)))
    }

    /// `query`'s answer in `v` (whose tip is `tip`) and the keys it read, in first-read order: kept in `answers` at
    /// the tip's state root, or worked out through a recording reader and kept there when every read succeeded and
    /// the answer is the state's alone (`ProvableQuery.readsTime`). `asked` is the query's canonical bytes.
    private static func answer(_ query: ProvableQuery, _ asked: [UInt8], state v: ReadView, tip: ChainTip, answers: StateRootCache<KeptAnswer>,
                               notFound: () -> String) throws -> KeptAnswer {
        let keepable = !query.readsTime
        if keepable, let kept = answers.value(asked, root: tip.stateRoot) { return kept }
        let recorder = RecordingReader(base: v)
        let outcome = query.answer(recorder, time: tip.time, suite: try v.chain().hashSuite, notFound: notFound())
        try recorder.checkReads()
        if let prefix = recorder.scanned {
            // A provable query reads single keys only; a scan here is a programming error, not input's fault.
            throw APIError(NodeCode.internalError, "the query scanned \(prefix), which cannot be proven")
        }
        let worked = KeptAnswer(outcome: outcome, keys: recorder.keys)
        if keepable, worked.cost > 0 { answers.insert(asked, worked, cost: worked.cost + asked.count, root: tip.stateRoot, height: tip.height) }
        return worked
    }

    /// The answer's JSON (`AnswerEnvelope`). A refusal without proof is the plain error body; with proof it keeps
    /// the height, block and proof beside the error.
    static func envelope(_ tip: ChainTip, _ outcome: ProvableQuery.Outcome, proof: AnswerEnvelope.Proof?) throws -> HTTPResponse {
        switch outcome {
        case .refused(let code, let message) where code == NodeCode.storageCorrupt:
            // The question met a state value that does not decode: no answer, proven or not; the node halts.
            throw StorageError(code: code, message: message)
        case .result(let result):
            return .json(200, AnswerEnvelope.encode(height: tip.height, blockHash: tip.blockHash, result: result, proof: proof))
        case .refused(let code, let message):
            let e = APIError(code, message)
            guard proof != nil else { return e.response }
            return .json(e.status, AnswerEnvelope.encode(height: tip.height, blockHash: tip.blockHash, result: nil,
                                                         error: (code, message), proof: proof))
        }
    }
}

/// A question's answer at one state root and the keys it read (what its proof covers), as `ProvenAnswer` keeps it.
struct KeptAnswer: Sendable {
    let outcome: ProvableQuery.Outcome
    let keys: [[UInt8]]

    /// What it counts against the cache's bytes; 0 for an answer never kept (a record that did not decode).
    var cost: Int {
        let size: Int
        switch outcome {
        case .result(let bytes): size = bytes.count
        case .refused(let code, _) where code == NodeCode.storageCorrupt: return 0
        case .refused(let code, let message): size = code.utf8.count + message.utf8.count
        }
        return 128 + size + keys.reduce(0) { $0 + $1.count + 48 }
    }

    /// An answer cache's bounds: 4 MiB, 16,384 answers (an encumbrance answer and its keys are some 300 to 600 bytes).
    static let limits = StateRootCacheLimits(maxBytes: 4 << 20, maxEntries: 16_384)
}

/// A state reader that remembers every key read through it, in first-read order, and whether anything scanned.
package final class RecordingReader: StateReader {
    let base: StateReader
    package private(set) var keys: [[UInt8]] = []
    private var seen = Set<[UInt8]>()
    private(set) var scanned: String?

    package init(base: StateReader) { self.base = base }

    package func get(_ key: [UInt8]) -> [UInt8]? {
        if seen.insert(key).inserted { keys.append(key) }
        return base.get(key)
    }

    package func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        if scanned == nil { scanned = String(decoding: prefix, as: UTF8.self) }
        return base.scan(prefix: prefix, after: after, limit: limit)
    }

    package func checkReads() throws { try base.checkReads() }
}
