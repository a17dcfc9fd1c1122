import Foundation
import YongchainCore
import YongchainCrypto

/// Yongchain's application: member organisations, enterprises, the mortgage registry and trade finance.
/// It dispatches each transaction to the handler registered for its `type`.
public struct LedgerApplication: Application {
    /// Every transaction type the chain understands. Each area adds its handlers in its own file.
    static let handlers: [String: TxHandler] = {
        var all: [String: TxHandler] = [:]
        for h in Identity.handlers + Mortgage.handlers + Trade.handlers + Governance.handlers {
            precondition(all[h.type] == nil, "transaction type \(h.type) registered twice")
            all[h.type] = h
        }
        return all
    }()

    public static var transactionTypes: [String] { handlers.keys.sorted() }

    /// The canonical body of a `type` transaction from its JSON form; throws `ValidationError` naming the field.
    public static func canonicalBody(type: String, json: [UInt8]) throws -> [UInt8] {
        guard let h = handlers[type] else {
            throw ValidationError(field: "type", message: "unknown transaction type '\(type)'; known: \(transactionTypes.joined(separator: ", "))")
        }
        return try h.bodyFromJSON(json)
    }

    /// The JSON form of a transaction body, or nil if it does not decode.
    public static func jsonBody(type: String, body: [UInt8]) -> [UInt8]? {
        handlers[type]?.jsonFromBody(body)
    }

    /// The chain's id, when the node knows it: admission then also verifies what needs the chain id, such as an
    /// owner's e-signature on a mortgage application (`TxHandler.admit`). Execution checks everything regardless.
    public let chainID: String?

    public init(chainID: String? = nil) { self.chainID = chainID }

    public func initialize(genesis: Genesis, state: StateOverlay) throws {
        for o in genesis.organizations {
            guard let key = o.key else { throw GenesisError(field: "publicKey", message: "invalid key for \(o.name)") }
            let member = Member(name: o.name, role: o.role, authorities: o.authorities.sorted { $0.rawValue < $1.rawValue }, publicKey: key,
                                address: o.address)
            state.set(StateKey.member(key), member.canonicalBytes)
            state.set(StateKey.memberName(o.name), Array(key.text.utf8))
        }
        state.set(StateKey.governanceRules, genesis.governanceRules.canonicalBytes)
        LedgerApplication.write(ValidatorSchedule(genesis: genesis.validatorSet), state: state)
        state.set(StateKey.consensusParameters, genesis.consensus.canonicalBytes)
        state.commitTransaction()
    }

    public func check(_ tx: Transaction, state: StateReader) -> TxResult? {
        guard let h = LedgerApplication.handlers[tx.type] else {
            return .reject(Codes.unknownType, "unknown transaction type '\(tx.type)'")
        }
        if let r = h.check(tx, state) { return r }
        guard let chainID, let admit = h.admit else { return nil }
        return admit(tx, chainID, state)
    }

    public func execute(_ tx: Transaction, context: BlockContext, state: StateOverlay) -> TxResult {
        guard let h = LedgerApplication.handlers[tx.type] else {
            return .reject(Codes.unknownType, "unknown transaction type '\(tx.type)'")
        }
        return h.execute(tx, context, state)
    }
}

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

    /// A handler for payload `P`: decoding and field validation happen once, here, for both phases.
    static func make<P: Payload>(_ type: P.Type,
                                 check: @escaping @Sendable (P, Transaction, StateReader) -> TxResult? = { _, _, _ in nil },
                                 admit: (@Sendable (P, Transaction, String, StateReader) -> TxResult?)? = nil,
                                 execute: @escaping @Sendable (P, Transaction, BlockContext, StateOverlay) -> TxResult) -> TxHandler {
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
                case .success(let p): return check(p, tx, state)
                }
            },
            admit: decodedAdmit,
            execute: { tx, ctx, state in
                // Decode once: the admission check runs again here, against the state the block sees.
                switch P.decode(tx.body) {
                case .failure(let r): return r
                case .success(let p): return check(p, tx, state) ?? execute(p, tx, ctx, state)
                }
            },
            bodyFromJSON: { json in
                let p: P
                do { _ = try StrictJSON.parse(json) } catch { throw ValidationError(field: "body", message: "not strict JSON: \(error)") }
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

/// A transaction body: canonical bytes on chain, JSON in the API and CLI, validated fields either way.
public protocol Payload: CanonicalCodable, Codable {
    static var type: String { get }
    /// Throws `ValidationError` naming the first bad field.
    func validate() throws
}

extension Payload {
    /// The body's payload, or its refusal: `MALFORMED_BODY` when the bytes are not a canonical encoding of the
    /// type (a length, a tag, trailing bytes), `INVALID_FIELD` when a well-encoded field breaks its rule (a check
    /// character, a range, a currency). Either message starts with the field's JSON path, list indices included
    /// (`pledges[1].declaration.number: …`), as the JSON decoder and `validate()` name fields.
    static func decode(_ body: [UInt8]) -> Result<Self, TxResult> {
        let p: Self
        do {
            var r = CanonicalReader(body)
            p = try Self(from: &r)
            try r.finish("body")
        } catch let e as ValidationError {
            return .failure(.reject(Codes.invalidField, "\(e.field): \(e.message)"))
        } catch let e as EncodingError {
            return .failure(.reject(Codes.malformedBody, "\(e.field.isEmpty ? "body" : e.field): \(e.reason) (not a canonical \(Self.type) body)"))
        } catch {
            return .failure(.reject(Codes.malformedBody, "body: \(error) (not a canonical \(Self.type) body)"))
        }
        do {
            try p.validate()
        } catch let e as ValidationError {
            return .failure(.reject(Codes.invalidField, "\(e.field): \(e.message)"))
        } catch {
            return .failure(.reject(Codes.invalidField, "\(error)"))
        }
        return .success(p)
    }

    /// Signs this payload as a transaction.
    public func transaction(key: PrivateKey, nonce: UInt64, chainID: String) -> Transaction {
        Transaction.signed(type: Self.type, body: canonicalBytes, nonce: nonce, key: key, chainID: chainID)
    }
}
