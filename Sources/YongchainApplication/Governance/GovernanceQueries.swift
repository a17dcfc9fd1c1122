import YongchainCore
import YongchainCrypto

/// Consortium governance: members, keys and validators change by proposal and vote (docs/governance.md). The
/// reads below are pure functions of committed state, for the node (peer lists, API authentication, the status
/// page) and the API. Like every `StateReader` read, the caller MUST `checkReads()` before trusting an answer.
public enum Governance {
    /// The transaction types that change governance state: a node recounts open proposals after a block with one.
    public static let transactionTypes: Set<String> = [ProposeGovernance.type, VoteGovernance.type]

    /// Every current member, sorted by name.
    /// A member record that does not decode is damage (`DamagedRecord`), never left out of the list.
    public static func members(_ state: StateReader) throws(DamagedRecord) -> [Member] {
        var out: [Member] = []
        for e in state.scan(prefix: StateKey.memberPrefix, after: nil, limit: GovernanceLimits.maxMembersListed) {
            out.append(try DamagedRecord.decode(Member.self, e.value, at: e.key))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// The member whose current key is `key`, if any. A member record that does not decode is damage, never "no
    /// member".
    public static func member(key: PublicKey, _ state: StateReader) throws(DamagedRecord) -> Member? {
        let stateKey = StateKey.member(key)
        guard let record = state.get(stateKey) else { return nil }
        return try MemberMemo.shared.member(record, at: stateKey)
    }

    /// The member named `name`, if any. A name's entry that is not a key, or a member record that does not decode,
    /// is damage, never "no member".
    public static func member(name: String, _ state: StateReader) throws(DamagedRecord) -> Member? {
        let stateKey = StateKey.memberName(name)
        guard let key = try DamagedRecord.load(stateKey, state, { bytes in
            guard let k = PublicKey(text: String(decoding: bytes, as: UTF8.self)) else { throw EncodingError.invalid("member-name", "not a public key") }
            return k
        }) else { return nil }
        return try member(key: key, state)
    }

    /// Whether `key` was a member's key and was removed or replaced: it signs nothing new.
    public static func isRevoked(_ key: PublicKey, _ state: StateReader) -> Bool { state.get(StateKey.revoked(key)) != nil }

    /// Why and when `key` was revoked, if it was.
    /// A record that does not decode is damage, never "not revoked".
    public static func revocation(_ key: PublicKey, _ state: StateReader) throws(DamagedRecord) -> Revocation? {
        try DamagedRecord.load(Revocation.self, StateKey.revoked(key), state)
    }

    /// The rules new proposals get: genesis's (or the defaults) until a `rules.set` passes.
    /// A stored value that does not decode is damage, never the defaults.
    public static func rules(_ state: StateReader) throws(DamagedRecord) -> GovernanceRules {
        try DamagedRecord.load(GovernanceRules.self, StateKey.governanceRules, state) ?? GovernanceRules()
    }

    /// The proposal limits in force: the defaults until a `limits.set` passes.
    /// A stored value that does not decode is damage, never the defaults.
    public static func limits(_ state: StateReader) throws(DamagedRecord) -> ProposalLimits {
        try DamagedRecord.load(ProposalLimits.self, StateKey.governanceLimits, state) ?? ProposalLimits()
    }

    /// Proposals still in state (docs/governance.md, "Limits and pruning") in id order after id `after`
    /// (exclusive), at most `limit`, those with `status` only if given (`open`, `passed`, `rejected`, `failed`,
    /// `expired`), their status as of block time `now` (the latest block's). A status is read from its index
    /// (`ProposalIndex`): open and expired from the open entries, whose deadline says which, the others from their
    /// own; only the proposals returned are decoded.
    public static func proposals(_ state: StateReader, status: String?, after: UInt64?, limit: Int, now: Int64) throws(DamagedRecord) -> [ProposalView] {
        guard let status else { return try all(state, after: after, limit: limit, now: now) }
        guard let wanted = ProposalStatus(rawValue: status) else { return [] }
        let stored: ProposalStatus = wanted == .expired ? .open : wanted
        var out: [ProposalView] = []
        var cursor = after
        let batch = max(1, min(limit, GovernanceLimits.maxPageSize))
        while out.count < limit {
            let page = try ProposalIndex.ids(stored, after: cursor, limit: batch, state)
            for e in page {
                if stored == .open {
                    let entry = try ProposalIndex.openEntry(value: e.value, id: e.id)
                    if (now > entry.deadline) != (wanted == .expired) { continue }
                }
                guard let p = try GovernanceProposal.load(e.id, state), p.status(now: now) == wanted else { continue }
                out.append(ProposalView(p, now: now))
                if out.count == limit { break }
            }
            guard page.count == batch, let last = page.last else { break }
            cursor = last.id
        }
        return out
    }

    private static func all(_ state: StateReader, after: UInt64?, limit: Int, now: Int64) throws(DamagedRecord) -> [ProposalView] {
        var out: [ProposalView] = []
        for e in state.scan(prefix: StateKey.proposalPrefix, after: after.map(StateKey.proposal), limit: max(0, min(limit, GovernanceLimits.maxPageSize))) {
            out.append(ProposalView(try DamagedRecord.decode(GovernanceProposal.self, e.value, at: e.key), now: now))
        }
        return out
    }

    /// How many proposals take votes at block time `now`, and the earliest deadline among them (after it the
    /// count may fall without a transaction). Reads the open entries only (at most every member's cap, plus the
    /// expired ones not yet pruned), not the proposals: a node keeps the answer until either changes.
    /// An index entry that does not decode is damage (`DamagedRecord`).
    public static func openSummary(_ state: StateReader, now: Int64) throws(DamagedRecord) -> (open: Int, nextDeadline: Int64?) {
        var open = 0
        var next: Int64?
        var cursor: UInt64?
        while true {
            let page = try ProposalIndex.ids(.open, after: cursor, limit: 1_000, state)
            for e in page {
                let entry = try ProposalIndex.openEntry(value: e.value, id: e.id)
                guard entry.deadline >= now else { continue }
                open += 1
                next = min(next ?? entry.deadline, entry.deadline)
            }
            guard page.count == 1_000, let last = page.last else { return (open, next) }
            cursor = last.id
        }
    }

    /// Proposal `id` as of block time `now`, or nil.
    public static func proposal(id: UInt64, _ state: StateReader, now: Int64) throws(DamagedRecord) -> ProposalView? {
        try GovernanceProposal.load(id, state).map { ProposalView($0, now: now) }
    }
}

/// A proposal as the API and CLI show it (JSON). `status` is as of the block time the reader gave: an open
/// proposal past its deadline shows `expired`.
public struct ProposalView: Sendable, Equatable, Encodable {
    public struct Proposer: Sendable, Equatable, Encodable {
        public let name: String
        public let publicKey: PublicKey
    }

    public struct Threshold: Sendable, Equatable, Encodable {
        public let numerator: UInt64
        public let denominator: UInt64
    }

    public struct Outcome: Sendable, Equatable, Encodable {
        public let code: String
        public let message: String
    }

    public let id: UInt64
    public let action: GovernanceAction
    public let description: String
    public let proposer: Proposer
    public let createdHeight: UInt64
    public let createdTime: Int64
    /// Votes are taken while block time ≤ deadline.
    public let deadline: Int64
    public let threshold: Threshold
    public let voters: [ProposalVoter]
    public let votes: [ProposalVote]
    public let yesPower: UInt64
    public let noPower: UInt64
    public let totalPower: UInt64
    public let status: ProposalStatus
    /// Absent while open; PROPOSAL_EXPIRED once expired.
    public let outcome: Outcome?
    public let decidedHeight: UInt64?
    /// The first height the action is in force, once passed.
    public let effectiveHeight: UInt64?

    init(_ p: GovernanceProposal, now: Int64) {
        id = p.id
        action = p.action
        description = p.description
        proposer = Proposer(name: p.proposerName, publicKey: p.proposerKey)
        createdHeight = p.createdHeight
        createdTime = p.createdTime
        deadline = p.deadline
        threshold = Threshold(numerator: p.thresholdNumerator, denominator: p.thresholdDenominator)
        voters = p.voters
        votes = p.votes
        yesPower = p.yesPower
        noPower = p.noPower
        totalPower = p.totalPower
        status = p.status(now: now)
        switch status {
        case .open: outcome = nil
        case .expired: outcome = Outcome(code: Codes.proposalExpired, message: "the voting period ended at \(p.deadline) without the threshold being reached")
        case .passed, .rejected, .failed: outcome = Outcome(code: p.outcomeCode, message: p.outcomeMessage)
        }
        decidedHeight = p.status == .open ? nil : p.decidedHeight
        effectiveHeight = p.status == .passed ? p.effectiveHeight : nil
    }
}
