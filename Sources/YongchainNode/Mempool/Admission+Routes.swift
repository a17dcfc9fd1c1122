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
        let tx = try TransactionEnvelope.transaction(body: req.body)
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
        try refuseIfFull()
        let txs = try TransactionEnvelope.batch(body: req.body, most: limits.maxBatchTransactions)
        let results = admit(txs, relay: true).map { a in
            BatchAnswer.Outcome(hash: a.hash.hex, status: a.refusal == nil ? "pending" : "refused",
                                error: a.refusal.map { BatchAnswer.Refusal(code: $0.code, message: $0.message) })
        }
        let accepted = results.filter { $0.error == nil }.count
        return .json(200, JSON.encode(BatchAnswer(accepted: accepted, refused: results.count - accepted, results: results)))
    }
}

/// `POST /v1/txs/batch`'s answer, written directly (`SortedJSONWritable`, keys in byte order): through `SortedJSON`'s
/// tree of values it was about 6,900 instructions and a few dozen allocations a transaction. The same bytes as its
/// `Encodable` conformance (`TransactionJSONTests`).
struct BatchAnswer: Encodable, SortedJSONWritable {
    struct Outcome: Encodable, SortedJSONWritable {
        let hash: String
        let status: String
        let error: Refusal?

        func write(to w: inout SortedJSONWriter) {
            w.object {
                $0.field("error", error)
                $0.field("hash", hash)
                $0.field("status", status)
            }
        }
    }

    typealias Refusal = APIError.Body

    let accepted: Int
    let refused: Int
    let results: [Outcome]

    func write(to w: inout SortedJSONWriter) {
        w.object {
            $0.field("accepted", Int64(accepted))
            $0.field("refused", Int64(refused))
            $0.field("results", results)
        }
    }
}
