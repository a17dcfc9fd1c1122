import Foundation
import YongchainCore
import YongchainCrypto

/// Yongchain's application: member organisations, enterprises, the mortgage registry, trade finance and the grey-list.
/// It dispatches each transaction to the handler registered for its `type`.
public struct LedgerApplication: Application {
    /// Every transaction type the chain understands. Each area adds its handlers in its own file.
    static let handlers: [String: TxHandler] = {
        var all: [String: TxHandler] = [:]
        for h in Identity.handlers + Mortgage.handlers + Trade.handlers + Greylist.handlers + Governance.handlers {
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
                                address: o.address, node: o.node)
            state.set(StateKey.member(key), member.canonicalBytes)
            state.set(StateKey.memberName(o.name), Array(key.text.utf8))
        }
        state.set(StateKey.governanceRules, genesis.governanceRules.canonicalBytes)
        LedgerApplication.write(ValidatorSchedule(genesis: genesis.validatorSet), state: state)
        state.set(StateKey.consensusParameters, genesis.consensus.canonicalBytes)
        state.commitTransaction()
    }

    public func check(_ tx: Transaction, state: StateReader) -> TxResult? {
        admission(tx, hash: nil, state: state)
    }

    /// As `check`, and keeps the decoded body of an admissible transaction for its execution (`DecodedBodies`).
    public func check(_ tx: Transaction, hash: Hash, state: StateReader) -> TxResult? {
        admission(tx, hash: hash, state: state)
    }

    private func admission(_ tx: Transaction, hash: Hash?, state: StateReader) -> TxResult? {
        guard let h = LedgerApplication.handlers[tx.type] else {
            return .reject(Codes.unknownType, "unknown transaction type '\(tx.type)'")
        }
        return h.admission(tx, hash, chainID, state)
    }

    public func execute(_ tx: Transaction, context: BlockContext, state: StateOverlay) -> TxResult {
        guard let h = LedgerApplication.handlers[tx.type] else {
            return .reject(Codes.unknownType, "unknown transaction type '\(tx.type)'")
        }
        return h.execute(tx, context, state)
    }

    public func recordParties(_ executed: [ExecutedTransaction], chain: Chain, height: UInt64, state: StateOverlay) throws -> [[String]] {
        try Parties.record(executed, height: height, suite: chain.hashSuite, state: state)
    }

    // What consensus and the node read from committed state (its layout: Members/ConsensusStateKeys.swift).

    public func validatorSchedule(state: StateReader) throws -> ValidatorSchedule {
        guard let bytes = state.get(StateKey.validatorSchedule) else {
            try state.checkReads()
            throw EncodingError.invalid("consensus/validators", "the state holds no validator schedule")
        }
        return try ValidatorSchedule(canonical: bytes)
    }

    public func consensusParameters(state: StateReader) throws -> ConsensusParameters {
        guard let bytes = state.get(StateKey.consensusParameters) else {
            try state.checkReads()
            throw EncodingError.invalid("consensus/parameters", "the state holds no consensus parameters")
        }
        return try ConsensusParameters(canonical: bytes)
    }

    public func validatorSetHistory(state: StateReader) throws -> [(from: UInt64, set: ValidatorSet)] {
        var out: [(from: UInt64, set: ValidatorSet)] = []
        var after: [UInt8]?
        while true {
            let page = state.scan(prefix: StateKey.validatorSetPrefix, after: after, limit: 1_000)
            for (k, v) in page {
                guard let from = UInt64(String(decoding: k.dropFirst(StateKey.validatorSetPrefix.count), as: UTF8.self)) else {
                    throw EncodingError.invalid("consensus/validator-sets", "a key that is not a height")
                }
                out.append((from, try ValidatorSet(canonical: v)))
            }
            guard page.count == 1_000, let last = page.last else { break }
            after = last.key
        }
        try state.checkReads()
        return out
    }

    public func memberNodes(state: StateReader) throws -> [MemberNode] {
        let members = try Governance.members(state)
        try state.checkReads()
        return members.map { MemberNode(name: $0.name, publicKey: $0.publicKey, address: $0.address, node: $0.node) }
    }
}
