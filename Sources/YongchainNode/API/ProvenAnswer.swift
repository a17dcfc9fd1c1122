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
    /// every height (header, certificate, set changes) comes from `base`.
    static func respond(_ query: ProvableQuery, prove: Bool, state v: ReadView, base: ProofBase, notFound: String) throws -> HTTPResponse {
        let tip = try v.tip()
        guard prove else {
            let outcome = query.answer(v, time: tip.time, suite: try v.chain().hashSuite, notFound: notFound)
            try v.checkReads()
            return try envelope(tip, outcome, proof: nil)
        }
        guard tip.height > 0 else {
            throw APIError(NodeCode.proofUnavailable, "no block is committed yet; a proof needs a certified header")
        }
        let recorder = RecordingReader(base: v)
        let outcome = query.answer(recorder, time: tip.time, suite: try v.chain().hashSuite, notFound: notFound)
        try recorder.checkReads()
        if let prefix = recorder.scanned {
            // A provable query reads single keys only; a scan here is a programming error, not input's fault.
            throw APIError(NodeCode.internalError, "the query scanned \(prefix), which cannot be proven")
        }
        let base = try base.parts(at: tip, v)
        let entries = try recorder.keys.map { key in
            let (value, proof) = try v.stateProof(key: key, tip: tip)
            return ProofBundle.Entry(key: key, value: value, proof: proof)
        }
        let bundle = ProofBundle(changes: base.changes, header: base.header, certificate: base.certificate, entries: entries)
        return try envelope(tip, outcome, proof: AnswerEnvelope.Proof(query: query.canonicalBytes, bundle: bundle.canonicalBytes))
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
