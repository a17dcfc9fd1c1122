import Synchronization

/// A token bucket per caller (a member's name, or a key): `rate` a second with a burst of twice that. What one
/// member may make a full node do at a cost — sync batches, proofs — is bounded by one of these
/// (docs/confidentiality.md); a caller that asks faster is answered 429 RATE_LIMITED.
///
/// Thread rule: any thread; the table is under its lock. It holds one entry per caller that ever asked, and the
/// callers are the chain's members and enterprises (known keys), so it stays their size.
final class CallerQuota: Sendable {
    let rate: Int
    /// What the caller asked for, for the 429's message ("sync batches", "proofs").
    let what: String
    private let table = Mutex<[String: (tokens: Double, at: Double)]>([:])
    /// Tokens handed out, every caller's (for tests).
    let granted = Atomic<Int>(0)

    init(rate: Int, what: String) {
        self.rate = rate
        self.what = what
    }

    /// One from `caller`'s bucket, refilled at `rate` a second; RATE_LIMITED (429) when empty.
    func take(_ caller: String, now: Double) throws {
        let rate = Double(self.rate), burst = 2 * rate
        let allowed = table.withLock { table -> Bool in
            var b = table[caller] ?? (burst, now)
            b.tokens = min(burst, b.tokens + max(0, now - b.at) * rate)
            b.at = now
            let ok = b.tokens >= 1
            if ok { b.tokens -= 1 }
            table[caller] = b
            return ok
        }
        guard allowed else {
            throw APIError(NodeCode.rateLimited, "\(caller) asks more than \(self.rate) \(what) a second; wait and ask again")
        }
        granted.add(1, ordering: .relaxed)
    }
}
