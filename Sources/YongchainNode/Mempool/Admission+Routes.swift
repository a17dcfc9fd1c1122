import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// `POST /v1/txs` and `POST /v1/txs/batch`: clients' transactions into admission.
extension Admission {
    func submit(_ call: Call) throws -> HTTPResponse {
        let req = call.request
        let wait = req.query["wait"]
        guard wait == nil || wait == "commit" else { throw APIError.badRequest(NodeCode.invalidParameter, "wait: 'commit' or absent") }
        let timeoutMs = try Parameter.integer(req, "timeoutMs", in: 1...60_000, default: 10_000)
        try refuseIfFull()
        let j = try JSON.decode(TransactionJSON.self, req.body)
        let tx = try j.transaction()
        // A waiting request holds a server thread for up to a minute: bound them, and refuse before admitting, so
        // a refused caller can simply send the same transaction again.
        if wait == "commit" {
            guard commitWaiters.add(1, ordering: .relaxed).newValue <= limits.maxCommitWaiters else {
                commitWaiters.subtract(1, ordering: .relaxed)
                throw APIError(NodeCode.tooManyWaiters, "\(limits.maxCommitWaiters) submissions are already waiting for their commit on this node; retry shortly, or submit without wait=commit and read GET /v1/txs/{hash}")
            }
        }
        defer { if wait == "commit" { commitWaiters.subtract(1, ordering: .relaxed) } }
        let admitted = admit([tx], relay: true)[0]
        // A retry that waits for the commit gets what the first submission got: the committed outcome. Only a retry
        // without wait learns that it was a replay (409), so `wait=commit` is safe to repeat.
        if let refusal = admitted.refusal, !(refusal.code == NodeCode.txAlreadyCommitted && wait == "commit") { throw refusal }
        let hash = admitted.hash
        guard wait == "commit" else {
            return .json(202, JSON.encode(["hash": hash.hex, "status": "pending"]))
        }
        var record: TxRecord?, failed: Error?
        let ok = view.commits.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) {
            do { record = try store.transaction(hash) } catch { failed = error }  // a failed read is no "not yet"
            return record != nil || failed != nil
        }
        if let failed { throw failed }
        guard ok, let record else {
            throw APIError(NodeCode.commitTimeout, "transaction \(hash.hex) was not committed within \(timeoutMs) ms; it may still commit: GET /v1/txs/\(hash.hex)")
        }
        return .json(200, JSON.encode(TxResultJSON(record)))
    }

    /// Several signed transactions in one request, e.g. a registry's back office sending a morning's filings.
    /// A request that breaks the schema (docs/openapi.yaml) is refused whole, nothing admitted: 400 naming the item
    /// and field (`transactions[3].nonce: …`). Otherwise each transaction is admitted or refused on its own, exactly
    /// as `POST /v1/txs` would (no all-or-nothing: they are independent transactions); the answer lists each one's
    /// outcome in order.
    func submitBatch(_ call: Call) throws -> HTTPResponse {
        let req = call.request
        struct Outcome: Encodable {
            let hash: String
            let status: String
            let error: [String: String]?
        }
        try refuseIfFull()
        let batch = try Batch.$most.withValue(limits.maxBatchTransactions) { try JSON.decode(Batch.self, req.body) }
        let txs = try batch.transactions.enumerated().map { i, j in
            do { return try j.transaction() } catch let e as APIError { throw APIError(e.code, "transactions[\(i)].\(e.message)") }
        }
        let results: [Outcome] = admit(txs, relay: true).map { a in
            guard let e = a.refusal else { return Outcome(hash: a.hash.hex, status: "pending", error: nil) }
            return Outcome(hash: a.hash.hex, status: "refused", error: ["code": e.code, "message": e.message])
        }
        let accepted = results.filter { $0.status == "pending" }.count
        struct Answer: Encodable { let accepted: Int; let refused: Int; let results: [Outcome] }
        return .json(200, JSON.encode(Answer(accepted: accepted, refused: results.count - accepted, results: results)))
    }
}

/// `POST /v1/txs/batch`'s body. Its size is checked before any envelope is decoded: a batch over the limit (a body
/// of up to 8 MiB holds some 12,000 small envelopes) is refused without `JSONDecoder` reading them.
private struct Batch: Decodable {
    /// `APILimits.maxBatchTransactions`, set around the decode.
    @TaskLocal static var most = APILimits().maxBatchTransactions
    let transactions: [TransactionJSON]

    private enum CodingKeys: String, CodingKey { case transactions }

    init(from decoder: Decoder) throws {
        var items = try decoder.container(keyedBy: CodingKeys.self).nestedUnkeyedContainer(forKey: .transactions)
        let n = items.count ?? 0
        guard n >= 1, n <= Self.most else {
            throw APIError.badRequest(NodeCode.invalidBatch, "a batch carries 1 to \(Self.most) transactions, not \(n)")
        }
        var out: [TransactionJSON] = []
        out.reserveCapacity(n)
        while !items.isAtEnd { out.append(try items.decode(TransactionJSON.self)) }
        transactions = out
    }
}
