import YongchainCore

/// The indexes that keep governance's cost bounded (docs/governance.md, "Limits and pruning"), written in the
/// same transaction as the proposal they describe:
///
/// - `governance/status/<status>/<id>`: each retained proposal under its stored status (`open`, `passed`,
///   `rejected`, `failed`), so a `status` filter reads its own entries, never every proposal. An open entry holds
///   i64(deadline) ‖ i64(pruneAt); a decided one i64(decided block time).
/// - `governance/open-by/<member name>`: list(u64(id) ‖ i64(deadline)), the member's open proposals, for the
///   per-member cap: one read, however many proposals the chain holds.
/// - `governance/prune/<pruneAt, 20 digits>/<id>`: i64(pruneAt) ‖ u64(id), when each retained proposal leaves
///   state: its deadline plus the retention while open, its decision time plus the retention once decided.
/// - `governance/prune-next`: i64, a time before which no proposal leaves state (absent: none is retained), so
///   that a governance transaction with nothing to prune reads one key, not the prune entries.
///
/// An entry that does not decode is damage (`DamagedRecord`), never "none", "no deadline" or an entry to drop.
enum ProposalIndex {
    /// Most proposals one governance transaction removes. Each transaction adds at most one, so the backlog of
    /// proposals past their retention never grows.
    static let prunePerTransaction = 16

    // MARK: Writing

    /// A new proposal `p` (open), created at block time `now`.
    static func opened(_ p: GovernanceProposal, limits: ProposalLimits, now: Int64, _ state: StateOverlay) throws(DamagedRecord) {
        let pruneAt = adding(p.deadline, limits.closedRetentionMs)
        var w = CanonicalWriter()
        w.i64(p.deadline); w.i64(pruneAt)
        state.set(StateKey.proposalStatus(.open, p.id), w.bytes)
        var open = try openBy(p.proposerName, state).filter { $0.deadline >= now }
        open.append((p.id, p.deadline))
        writeOpenBy(p.proposerName, open, state)
        try schedulePrune(at: pruneAt, p.id, state)
    }

    /// `p` was decided (its status now passed, rejected or failed) at block time `now`.
    static func decided(_ p: GovernanceProposal, limits: ProposalLimits, now: Int64, _ state: StateOverlay) throws(DamagedRecord) {
        if let (_, oldPruneAt) = try openEntry(p.id, state) { state.delete(StateKey.pruneEntry(at: oldPruneAt, p.id)) }
        state.delete(StateKey.proposalStatus(.open, p.id))
        var w = CanonicalWriter()
        w.i64(now)
        state.set(StateKey.proposalStatus(p.status, p.id), w.bytes)
        writeOpenBy(p.proposerName, try openBy(p.proposerName, state).filter { $0.id != p.id }, state)
        try schedulePrune(at: adding(now, limits.closedRetentionMs), p.id, state)
    }

    /// Removes up to `prunePerTransaction` proposals whose time in state ended at or before block time `now`, with
    /// their index entries. Returns how many it removed.
    @discardableResult
    static func prune(now: Int64, _ state: StateOverlay) throws(DamagedRecord) -> Int {
        guard let next = try pruneNext(state), next <= now else { return 0 }
        var removed = 0
        var later: Int64?
        for e in state.scan(prefix: StateKey.prunePrefix, after: nil, limit: prunePerTransaction + 1) {
            let (pruneAt, id) = try DamagedRecord.decode(e.value, at: e.key) { b in
                var r = CanonicalReader(b)
                let entry = (try r.i64("governance/prune.pruneAt"), try r.u64("governance/prune.id"))
                try r.finish("governance/prune")
                return entry
            }
            if pruneAt > now || removed == prunePerTransaction { later = pruneAt; break }
            if let p = try GovernanceProposal.load(id, state) {
                state.delete(StateKey.proposalStatus(p.status, id))
                if p.status == .open { writeOpenBy(p.proposerName, try openBy(p.proposerName, state).filter { $0.id != id }, state) }
            }
            state.delete(StateKey.proposal(id))
            state.delete(e.key)
            removed += 1
        }
        if let later { setPruneNext(later, state) } else { state.delete(StateKey.pruneNext) }
        return removed
    }

    /// Records when proposal `id` leaves state, and keeps `governance/prune-next` at or before it.
    static func schedulePrune(at pruneAt: Int64, _ id: UInt64, _ state: StateOverlay) throws(DamagedRecord) {
        state.set(StateKey.pruneEntry(at: pruneAt, id), pruneValue(pruneAt, id))
        if try pruneNext(state).map({ pruneAt < $0 }) ?? true { setPruneNext(pruneAt, state) }
    }

    static func pruneNext(_ state: StateReader) throws(DamagedRecord) -> Int64? {
        try DamagedRecord.load(StateKey.pruneNext, state) { b in
            var r = CanonicalReader(b)
            let t = try r.i64("governance/prune-next")
            try r.finish("governance/prune-next")
            return t
        }
    }

    static func setPruneNext(_ time: Int64, _ state: StateOverlay) {
        var w = CanonicalWriter()
        w.i64(time)
        state.set(StateKey.pruneNext, w.bytes)
    }

    // MARK: Reading

    /// How many of `member`'s proposals take votes at block time `now` (open and not past their deadline).
    static func openCount(_ member: String, now: Int64, _ state: StateReader) throws(DamagedRecord) -> Int {
        try openBy(member, state).filter { $0.deadline >= now }.count
    }

    /// The ids under stored status `status` after `after` (exclusive), in id order, at most `limit`, with the
    /// entry's value. A key under the prefix that is not an id is damage.
    static func ids(_ status: ProposalStatus, after: UInt64?, limit: Int, _ state: StateReader) throws(DamagedRecord) -> [(id: UInt64, value: [UInt8])] {
        let prefix = StateKey.proposalStatusPrefix(status)
        var out: [(id: UInt64, value: [UInt8])] = []
        for e in state.scan(prefix: prefix, after: after.map { StateKey.proposalStatus(status, $0) }, limit: limit) {
            guard let id = UInt64(String(decoding: e.key.dropFirst(prefix.count), as: UTF8.self)) else {
                throw DamagedRecord(key: String(decoding: e.key, as: UTF8.self), reason: "a status entry whose key does not end in a proposal id")
            }
            out.append((id, e.value))
        }
        return out
    }

    /// The deadline and removal time an open entry holds (`value`, read from open proposal `id`'s entry).
    static func openEntry(value: [UInt8], id: UInt64) throws(DamagedRecord) -> (deadline: Int64, pruneAt: Int64) {
        try DamagedRecord.decode(value, at: StateKey.proposalStatus(.open, id)) { b in
            var r = CanonicalReader(b)
            let entry: (deadline: Int64, pruneAt: Int64) = (try r.i64("governance/status/open.deadline"), try r.i64("governance/status/open.pruneAt"))
            try r.finish("governance/status/open")
            return entry
        }
    }

    static func openEntry(_ id: UInt64, _ state: StateReader) throws(DamagedRecord) -> (deadline: Int64, pruneAt: Int64)? {
        guard let value = state.get(StateKey.proposalStatus(.open, id)) else { return nil }
        return try openEntry(value: value, id: id)
    }

    // MARK: Plumbing

    static func openBy(_ member: String, _ state: StateReader) throws(DamagedRecord) -> [(id: UInt64, deadline: Int64)] {
        try DamagedRecord.load(StateKey.openBy(member), state) { b in
            var r = CanonicalReader(b)
            let open: [(id: UInt64, deadline: Int64)] = try r.list("governance/open-by", max: Int(ProposalLimits.maxOpenRange.upperBound) * 4) { r in
                (try r.u64("id"), try r.i64("deadline"))
            }
            try r.finish("governance/open-by")
            return open
        } ?? []
    }

    static func writeOpenBy(_ member: String, _ open: [(id: UInt64, deadline: Int64)], _ state: StateOverlay) {
        guard !open.isEmpty else { state.delete(StateKey.openBy(member)); return }
        var w = CanonicalWriter()
        w.list(open) { w, e in w.u64(e.id); w.i64(e.deadline) }
        state.set(StateKey.openBy(member), w.bytes)
    }

    static func pruneValue(_ pruneAt: Int64, _ id: UInt64) -> [UInt8] {
        var w = CanonicalWriter()
        w.i64(pruneAt); w.u64(id)
        return w.bytes
    }

    /// a + b, held at Int64.max instead of overflowing (block times come from validators, but are numbers).
    static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
