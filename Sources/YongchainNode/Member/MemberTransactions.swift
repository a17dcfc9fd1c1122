import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// `POST /v1/txs` on a member node (docs/confidentiality.md, "A member node answers its bank by proof"): the
/// signed transaction is forwarded to the validators, the first that admits it wins (a refusal of the transaction
/// itself is the bank's answer); `?wait=commit` then waits until the member's own sync has stored it — which it
/// will, its signer being a party — and answers its result from the member's store.
///
/// Thread rule: HTTP workers, any number at once.
struct MemberTransactions: Sendable {
    let sync: MemberSyncLoop
    /// The validators' base URLs, as genesis lists them (full nodes with voting power).
    let validators: [MemberSyncLoop.Source]

    static func validators(_ genesis: Genesis) -> [MemberSyncLoop.Source] {
        genesis.organizations.filter { $0.node == .full && $0.power > 0 && !$0.address.isEmpty }.map { .init(name: $0.name, url: $0.address) }
    }

    func submit(_ req: HTTPRequest) throws -> HTTPResponse {
        let wait = req.query["wait"]
        guard wait == nil || wait == "commit" else { throw APIError.badRequest(NodeCode.invalidParameter, "wait: 'commit' or absent") }
        let timeoutMs = try Parameter.integer(req, "timeoutMs", in: 1...60_000, default: 10_000)
        let tx = try TransactionEnvelope.transaction(body: req.body)
        let hash = tx.hash(on: sync.genesis.chain)
        var admitted = false, last = APIError(NodeCode.peersUnreachable, "no validator to forward the transaction to")
        for v in validators where !admitted {
            let r: HTTPResponse
            do {
                r = try sync.client.send("POST", url: v.url + "/v1/txs", headers: [("Content-Type", "application/json")], body: req.body)
            } catch {
                last = APIError(NodeCode.peersUnreachable, "\(v.name): \(error)")
                continue
            }
            switch r.status {
            case 200, 202: admitted = true
            case 409 where wait == "commit": admitted = true  // already committed: its result is what the caller waits for
            case 400..<500: return r  // the transaction's own refusal, the same from every validator
            default: last = APIError(NodeCode.peersUnreachable, "\(v.name): status \(r.status)")
            }
        }
        guard admitted else {
            var out = last.response
            out.status = 503
            return out
        }
        guard wait == "commit" else { return .json(202, JSON.encode(["hash": hash.hex, "status": "pending"])) }
        var found: (transaction: Transaction, height: UInt64, index: UInt32, code: String)?, failed: Error?
        let ok = sync.awaitingCommit {
            sync.commits.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) {
                do { found = try sync.store.ownTransaction(hash) } catch { failed = error }
                return found != nil || failed != nil
            }
        }
        if let failed { throw failed }
        guard ok, let found else {
            throw APIError(NodeCode.commitTimeout, "transaction \(hash.hex) was not in this member node's sync within \(timeoutMs) ms; it may still commit: GET /v1/txs/\(hash.hex)")
        }
        return .json(200, JSON.encode(TxResultJSON(TxRecord(hash: hash, height: found.height, index: Int(found.index),
                                                            result: TxResult(code: found.code, message: "")))))
    }
}
