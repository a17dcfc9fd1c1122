import Foundation
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// The one JSON mapping of chain objects: bytes and hashes are lower-case hex, keys are `suite:hex`, 64-bit
/// nonces are decimal strings (JSON numbers lose precision past 2^53), times are milliseconds since the epoch.
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

    func transaction() throws -> Transaction {
        guard !type.isEmpty, type.utf8.count <= Transaction.maxTypeLength else {
            throw APIError.badRequest(NodeCode.invalidField, "type: 1 to \(Transaction.maxTypeLength) bytes")
        }
        guard let b = Hex.decode(body), b.count <= Transaction.maxBodyBytes else {
            throw APIError.badRequest(NodeCode.invalidField, "body: hex of the canonical body, at most \(Transaction.maxBodyBytes) bytes")
        }
        guard let k = PublicKey(text: signer) else { throw APIError.badRequest(NodeCode.invalidField, "signer: a public key like \(SignatureSuite.keyTextForms)") }
        let n = try Parameter.integer(nonce, name: "nonce", in: 0...UInt64.max, code: NodeCode.invalidField)
        guard let s = Hex.decode(signature), s.count == 64 else { throw APIError.badRequest(NodeCode.invalidField, "signature: 128 hex digits") }
        return Transaction(type: type, body: b, signer: k, nonce: n, signature: s)
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

    let hash: String
    let header: Header
    let transactions: [Tx]
    let lastCommit: Commit?
    let commit: Commit?

    init(_ b: Block, chain: Chain, certificate: CommitCertificate?, results: [TxRecord?]) {
        hash = b.hash.hex
        let h = b.header
        header = Header(chainId: h.chainID, height: h.height, time: h.time, previousBlockHash: h.previousBlockHash.hex,
                        lastCommitHash: h.lastCommitHash.hex, txRoot: h.txRoot.hex, resultsHash: h.resultsHash.hex,
                        stateRoot: h.stateRoot.hex, validatorsHash: h.validatorsHash.hex,
                        nextValidatorsHash: h.nextValidatorsHash.hex, proposer: h.proposer.text)
        transactions = zip(b.transactions, results).map { tx, r in
            Tx(hash: tx.hash(on: chain).hex, type: tx.type, signer: tx.signer.text, nonce: String(tx.nonce),
               body: Hex.encode(tx.body), signature: Hex.encode(tx.signature), code: r?.result.code, message: r?.result.message)
        }
        func commitJSON(_ c: CommitCertificate?) -> Commit? {
            c.map { Commit(height: $0.height, round: $0.round, blockHash: $0.blockHash.hex,
                           signatures: $0.signatures.map { Sig(validator: $0.validator, signature: Hex.encode($0.signature)) }) }
        }
        lastCommit = commitJSON(b.lastCommit)
        commit = commitJSON(certificate)
    }
}
