import Foundation
import YongchainCore

/// One transaction type: a stateless-ish admission check and the deterministic execution.
struct TxHandler: Sendable {
    let type: String
    /// Decodes and validates the body and the signer's standing; nil when admissible.
    let check: @Sendable (Transaction, StateReader) -> TxResult?
    /// Admission-only checks that need the chain id (signatures inside the body). They run on the API's threads,
    /// in parallel, so that execution on the chain's one serial path finds the signatures in `SignatureMemo`.
    let admit: (@Sendable (Transaction, String, StateReader) -> TxResult?)?
    let execute: @Sendable (Transaction, BlockContext, StateOverlay) -> TxResult
    let bodyFromJSON: @Sendable ([UInt8]) throws -> [UInt8]
    let jsonFromBody: @Sendable ([UInt8]) -> [UInt8]?

    /// A handler for payload `P`: decoding and field validation happen once, here, for both phases. A record in
    /// state that does not decode (`DamagedRecord`) answers STORAGE_CORRUPT, which the node never commits.
    static func make<P: Payload>(_ type: P.Type,
                                 check: @escaping @Sendable (P, Transaction, StateReader) throws(DamagedRecord) -> TxResult? = { _, _, _ in nil },
                                 admit: (@Sendable (P, Transaction, String, StateReader) -> TxResult?)? = nil,
                                 execute: @escaping @Sendable (P, Transaction, BlockContext, StateOverlay) throws(DamagedRecord) -> TxResult) -> TxHandler {
        var decodedAdmit: (@Sendable (Transaction, String, StateReader) -> TxResult?)?
        if let admit {
            decodedAdmit = { (tx: Transaction, chainID: String, state: StateReader) -> TxResult? in
                switch P.decode(tx.body) {
                case .failure(let r): return r
                case .success(let p): return admit(p, tx, chainID, state)
                }
            }
        }
        return TxHandler(
            type: P.type,
            check: { tx, state in
                switch P.decode(tx.body) {
                case .failure(let r): return r
                case .success(let p):
                    do throws(DamagedRecord) { return try check(p, tx, state) } catch { return error.result }
                }
            },
            admit: decodedAdmit,
            execute: { tx, ctx, state in
                // Decode once: the admission check runs again here, against the state the block sees.
                switch P.decode(tx.body) {
                case .failure(let r): return r
                case .success(let p):
                    do throws(DamagedRecord) {
                        if let refused = try check(p, tx, state) { return refused }
                        return try execute(p, tx, ctx, state)
                    } catch { return error.result }
                }
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
