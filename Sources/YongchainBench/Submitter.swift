import Foundation
import Synchronization
import YongchainHTTP
import YongchainNode

/// The load generator's sending side: pre-signed transactions across the nodes, one or a batch per request, at a
/// given rate or as fast as accepted, a busy node (full mempool) retried.
enum Submitter {
    static func submit(_ txs: [Workload.Pending], to urls: [String], submitters: Int, batch: Int, rate: Int, deadline: Date?,
                       follower: CommitFollower) {
        let next = Atomic<Int>(0)
        let start = Date()
        let chunks = stride(from: 0, to: txs.count, by: batch).map { txs[$0..<min($0 + batch, txs.count)] }
        onThreads(submitters) { s in
            let client = BenchHTTP.client()
            while true {
                let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard c < chunks.count else { return }
                if let deadline, Date() > deadline { return }
                if rate > 0 {
                    let wait = start.addingTimeInterval(Double(c * batch) / Double(rate)).timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
                let url = urls[c % urls.count]
                var todo = Array(chunks[c])
                for p in todo { follower.submitted(p.hash) }
                // A busy node (full mempool, or the signer's share of it) is tried again for up to 5 minutes, as
                // a bank's client would (docs/transactions.md): backing off from 50 ms to 1 s while it stays busy,
                // so the retries do not cost the nodes more than the backlog that made them busy takes to commit.
                let giveUp = Date().addingTimeInterval(300)
                var backoff = 0.05
                while !todo.isEmpty && Date() < giveUp {
                    let before = todo.count
                    todo = send(todo, to: url, client: client, follower: follower)
                    if todo.isEmpty { break }
                    backoff = todo.count < before ? 0.05 : min(backoff * 2, 1.0)
                    Thread.sleep(forTimeInterval: backoff)
                }
                for p in todo { follower.failed(p.hash, code: "GAVE_UP_AFTER_5_MIN") }
            }
        }
    }

    /// Sends transactions (one, or a batch) and returns those to retry: the node was busy (503 MEMPOOL_FULL, 429
    /// MEMPOOL_SIGNER_FULL) or
    /// unreachable. Refusals of any other kind are counted as failed.
    private static func send(_ todo: [Workload.Pending], to url: String, client: HTTPClient, follower: CommitFollower) -> [Workload.Pending] {
        if todo.count == 1 {
            guard let r = try? client.send("POST", url: url + "/v1/txs", headers: [("Content-Type", "application/json")], body: todo[0].json, timeout: 10) else { return todo }
            if r.status == 503 || r.status == 429 { return todo }
            if r.status != 202 { follower.failed(todo[0].hash, code: APISession.errorCode(r.body).code ?? "HTTP \(r.status)") }
            return []
        }
        var body = Array(#"{"transactions":["#.utf8)
        for (i, p) in todo.enumerated() { if i > 0 { body.append(UInt8(ascii: ",")) }; body += p.json }
        body += Array("]}".utf8)
        guard let r = try? client.send("POST", url: url + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: body, timeout: 10) else { return todo }
        guard r.status == 200, let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
              let results = o["results"] as? [[String: Any]], results.count == todo.count else {
            if r.status == 503 || r.status == 429 { return todo }
            for p in todo { follower.failed(p.hash, code: APISession.errorCode(r.body).code ?? "HTTP \(r.status)") }
            return []
        }
        var retry: [Workload.Pending] = []
        for (p, res) in zip(todo, results) where res["status"] as? String != "pending" {
            let code = (res["error"] as? [String: Any])?["code"] as? String ?? "?"
            // The node was busy: send again. Anything else is the transaction's own fault (or already committed).
            if ["MEMPOOL_FULL", "MEMPOOL_SIGNER_FULL", "STORAGE_UNAVAILABLE"].contains(code) { retry.append(p) } else { follower.failed(p.hash, code: code) }
        }
        return retry
    }
}
