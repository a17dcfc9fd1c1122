import Foundation
import YongchainCore
import YongchainCrypto

/// One transaction type: a stateless-ish admission check and the deterministic execution.
struct TxHandler: Sendable {
    let type: String
    /// Admission: decodes and validates the body (once) and the signer's standing; with a chain id, also the
    /// admission-only checks that need it (signatures inside the body, which run on the API's threads, in
    /// parallel, so that execution on the chain's one serial path finds them in `SignatureMemo`). With the
    /// transaction's hash, an admissible body's payload is kept for its execution (`DecodedBodies`). Nil when
    /// admissible.
    let admission: @Sendable (Transaction, Hash?, String?, StateReader) -> TxResult?
    /// Executes, with the payload admission kept under `BlockContext.txHash` or decoded here.
    let execute: @Sendable (Transaction, BlockContext, StateOverlay) -> TxResult
    let bodyFromJSON: @Sendable ([UInt8]) throws -> [UInt8]
    let jsonFromBody: @Sendable ([UInt8]) -> [UInt8]?

    /// Decodes and validates the body and the signer's standing; nil when admissible (no chain id: no
    /// admission-only checks; nothing kept).
    func check(_ tx: Transaction, _ state: StateReader) -> TxResult? { admission(tx, nil, nil, state) }

    /// A handler for payload `P`: decoding and field validation happen once, here, for both phases. A record in
    /// state that does not decode (`DamagedRecord`) answers STORAGE_CORRUPT, which the node never commits.
    static func make<P: Payload>(_ type: P.Type,
                                 check: @escaping @Sendable (P, Transaction, StateReader) throws(DamagedRecord) -> TxResult? = { _, _, _ in nil },
                                 admit: (@Sendable (P, Transaction, String, StateReader) throws(DamagedRecord) -> TxResult?)? = nil,
                                 execute: @escaping @Sendable (P, Transaction, BlockContext, StateOverlay) throws(DamagedRecord) -> TxResult) -> TxHandler {
        let memo = DecodedBodies.shared
        return TxHandler(
            type: P.type,
            admission: { tx, hash, chainID, state in
                switch P.decode(tx.body) {
                case .failure(let r): return r
                case .success(let p):
                    do throws(DamagedRecord) {
                        if let r = try check(p, tx, state) { return r }
                        if let chainID, let admit, let r = try admit(p, tx, chainID, state) { return r }
                    } catch { return error.result }
                    if let hash { memo.keep(p, of: tx, hash: hash) }
                    return nil
                }
            },
            execute: { tx, ctx, state in
                // Decoded once per node: admission's payload, or decoded now. The admission check runs again here,
                // against the state the block sees.
                let p: P
                if let kept = memo.take(P.self, of: tx, hash: ctx.txHash) {
                    p = kept
                } else {
                    switch P.decode(tx.body) {
                    case .failure(let r): return r
                    case .success(let decoded): p = decoded
                    }
                }
                do throws(DamagedRecord) {
                    if let refused = try check(p, tx, state) { return refused }
                    return try execute(p, tx, ctx, state)
                } catch { return error.result }
            },
            bodyFromJSON: { json in
                let p: P
                do { try StrictJSON.check(json) } catch { throw ValidationError(field: "body", message: "not strict JSON: \(error)") }
                do {
                    p = try JSONDecoder().decode(P.self, from: Data(json))
                } catch let e as ValidationError {
                    throw e
                } catch let DecodingError.keyNotFound(k, c) {
                    throw ValidationError(field: JSONPath.of(c.codingPath + [k]), message: "missing")
                } catch let DecodingError.dataCorrupted(c) {
                    // A malformed hash or public key lands here, its coding path naming the field.
                    if let v = c.underlyingError as? ValidationError { throw v }
                    throw ValidationError(field: JSONPath.of(c.codingPath), message: c.debugDescription)
                } catch let DecodingError.typeMismatch(_, c) {
                    throw ValidationError(field: JSONPath.of(c.codingPath), message: c.debugDescription)
                } catch {
                    throw ValidationError(field: "body", message: "not a valid \(P.type) JSON body: \(error)")
                }
                try p.validate()
                return p.canonicalBytes
            },
            jsonFromBody: { body in
                guard let p = try? P(canonical: body) else { return nil }
                return try? SortedJSON.encode(p)
            })
    }
}
