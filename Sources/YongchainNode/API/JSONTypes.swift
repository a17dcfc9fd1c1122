import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// The one JSON mapping of chain objects: bytes and hashes are lower-case hex, keys are `suite:hex`, 64-bit
/// nonces are decimal strings (JSON numbers lose precision past 2^53), times are milliseconds since the epoch.
/// A node reads a submitted envelope with `TransactionEnvelope`, the same schema without `JSONDecoder`.
public struct TransactionJSON: Codable, Sendable {
    public var type: String
    public var body: String
    public var signer: String
    public var nonce: String
    public var signature: String

    public init(_ tx: Transaction) {
        type = tx.type
        body = Hex.encode(tx.body)
        signer = tx.signer.text
        nonce = String(tx.nonce)
        signature = Hex.encode(tx.signature)
    }
}

struct TxResultJSON: Encodable {
    let hash: String
    let status: String
    let height: UInt64
    let index: Int
    let code: String
    let message: String

    init(_ r: TxRecord) {
        hash = r.hash.hex
        status = r.result.isOK ? "accepted" : "rejected"
        height = r.height
        index = r.index
        code = r.result.code
        message = r.result.message
    }
}

struct VoteJSON: Encodable {
    let type: String
    let height: UInt64
    let round: Int32
    let blockHash: String?
    let validator: Int
    let signature: String
    init(_ v: Vote) {
        type = v.type.name
        height = v.height
        round = v.round
        blockHash = v.blockHash?.hex
        validator = v.validator
        signature = Hex.encode(v.signature)
    }
}

struct BlockJSON: Encodable {
    struct Header: Encodable {
        let chainId: String
        let height: UInt64
        let time: Int64
        let previousBlockHash: String
        let lastCommitHash: String
        let txRoot: String
        let resultsHash: String
        let stateRoot: String
        let validatorsHash: String
        let nextValidatorsHash: String
        let proposer: String
    }
    struct Commit: Encodable {
        let height: UInt64
        let round: Int32
        let blockHash: String
        let signatures: [Sig]
    }
    struct Sig: Encodable { let validator: Int; let signature: String }
    struct Tx: Encodable {
        let hash: String
        let type: String
        let signer: String
        let nonce: String
        let body: String
        let signature: String
        let code: String?
        let message: String?
    }

    /// A transaction the caller may see, or one it may not: only its leaf in `txRoot`, H(0x00 ‖ hash ‖ signature).
    enum Entry: Encodable {
        case tx(Tx)
        case redacted(leaf: String)

        func encode(to encoder: Encoder) throws {
            switch self {
            case .tx(let t): try t.encode(to: encoder)
            case .redacted(let leaf): try ["leaf": leaf].encode(to: encoder)
            }
        }
    }

    let hash: String
    let header: Header
    let transactions: [Entry]
    let lastCommit: Commit?
    let commit: Commit?

    /// `visible`: the indices of the transactions shown in full (nil: every one); the others are `redacted`.
    init(_ b: Block, chain: Chain, certificate: CommitCertificate?, results: [TxRecord?], visible: Set<Int>? = nil) {
        hash = b.hash.hex
        let h = b.header
        header = Header(chainId: h.chainID, height: h.height, time: h.time, previousBlockHash: h.previousBlockHash.hex,
                        lastCommitHash: h.lastCommitHash.hex, txRoot: h.txRoot.hex, resultsHash: h.resultsHash.hex,
                        stateRoot: h.stateRoot.hex, validatorsHash: h.validatorsHash.hex,
                        nextValidatorsHash: h.nextValidatorsHash.hex, proposer: h.proposer.text)
        transactions = zip(b.transactions, results).enumerated().map { i, pair in
            let (tx, r) = pair
            let hash = tx.hash(on: chain)
            guard visible?.contains(i) ?? true else {
                return .redacted(leaf: Block.txLeaf(hash: hash, signature: tx.signature, suite: chain.hashSuite).hex)
            }
            return .tx(Tx(hash: hash.hex, type: tx.type, signer: tx.signer.text, nonce: String(tx.nonce),
                          body: Hex.encode(tx.body), signature: Hex.encode(tx.signature), code: r?.result.code, message: r?.result.message))
        }
        func commitJSON(_ c: CommitCertificate?) -> Commit? {
            c.map { Commit(height: $0.height, round: $0.round, blockHash: $0.blockHash.hex,
                           signatures: $0.signatures.map { Sig(validator: $0.validator, signature: Hex.encode($0.signature)) }) }
        }
        lastCommit = commitJSON(b.lastCommit)
        commit = commitJSON(certificate)
    }
}

/// A value the JSON always carries: `null` when there is none (a synthesised `Encodable` would leave the key out).
struct Nullable<T: Encodable>: Encodable {
    let value: T?
    init(_ value: T?) { self.value = value }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}
