import YongchainCore
import YongchainCrypto

/// Where a proposal stands. `expired` is never stored: an `open` proposal whose deadline has passed reads as
/// expired (`GovernanceProposal.status(now:)`), since no transaction marks the moment.
public enum ProposalStatus: String, Sendable, Codable, CaseIterable {
    case open, passed, rejected, failed, expired
}

/// A validator allowed to vote on a proposal, as the set stood when the proposal was created.
public struct ProposalVoter: Sendable, Equatable, Codable {
    public let name: String
    public let publicKey: PublicKey
    public let power: UInt64
}

/// One cast vote.
public struct ProposalVote: Sendable, Equatable, Codable {
    /// The voter's name (`ProposalVoter.name`).
    public let voter: String
    public let approve: Bool
    /// The block that recorded it.
    public let height: UInt64
}

/// A proposal as state holds it (`governance/proposal/<id>`). Created by `governance.propose`, changed only by
/// `governance.vote`. The threshold and deadline are fixed at creation, like the voters: a later `rules.set` or
/// validator change does not move the goalposts of an open vote.
struct GovernanceProposal: Sendable, Equatable, CanonicalCodable {
    let id: UInt64
    let action: GovernanceAction
    let description: String
    let proposerName: String
    let proposerKey: PublicKey
    let createdHeight: UInt64
    let createdTime: Int64
    /// Votes are taken while block time ≤ deadline (createdTime + the rules' votingPeriodMs).
    let deadline: Int64
    let thresholdNumerator: UInt64
    let thresholdDenominator: UInt64
    let voters: [ProposalVoter]
    var votes: [ProposalVote]
    var yesPower: UInt64
    var noPower: UInt64
    /// open, passed, rejected or failed (never expired: see `status(now:)`).
    var status: ProposalStatus
    /// "" while open; OK when passed; PROPOSAL_REJECTED; or the code that made applying it fail.
    var outcomeCode: String
    var outcomeMessage: String
    /// The block that decided it (0 while open).
    var decidedHeight: UInt64
    /// The first height its action is in force (0 unless passed): decidedHeight + `ValidatorSchedule.delay` for a
    /// validator-set change, decidedHeight + 1 otherwise.
    var effectiveHeight: UInt64

    var totalPower: UInt64 { voters.reduce(0) { $0 + $1.power } }

    /// The status a reader sees at block time `now`: an open proposal past its deadline is expired.
    func status(now: Int64) -> ProposalStatus { status == .open && now > deadline ? .expired : status }

    /// An id as keys hold it: 20 zero-padded decimal digits, so key order is id order.
    static func paddedID(_ id: UInt64) -> String {
        let s = String(id)
        return String(repeating: "0", count: 20 - s.count) + s
    }

    static func load(_ id: UInt64, _ state: StateReader) throws(DamagedRecord) -> GovernanceProposal? {
        try DamagedRecord.load(GovernanceProposal.self, StateKey.proposal(id), state)
    }

    func save(_ state: StateOverlay) { state.set(StateKey.proposal(id), canonicalBytes) }

    func encode(to w: inout CanonicalWriter) {
        w.u64(id)
        w.item(action)
        w.string(description)
        w.string(proposerName)
        w.publicKey(proposerKey)
        w.u64(createdHeight)
        w.i64(createdTime)
        w.i64(deadline)
        w.u64(thresholdNumerator)
        w.u64(thresholdDenominator)
        w.list(voters) { w, v in w.string(v.name); w.publicKey(v.publicKey); w.u64(v.power) }
        w.list(votes) { w, v in w.string(v.voter); w.bool(v.approve); w.u64(v.height) }
        w.u64(yesPower)
        w.u64(noPower)
        w.string(status.rawValue)
        w.string(outcomeCode)
        w.string(outcomeMessage)
        w.u64(decidedHeight)
        w.u64(effectiveHeight)
    }

    init(from r: inout CanonicalReader) throws {
        id = try r.u64("proposal.id")
        action = try r.item()
        description = try r.string("proposal.description")
        proposerName = try r.string("proposal.proposerName")
        proposerKey = try r.publicKey("proposal.proposerKey")
        createdHeight = try r.u64("proposal.createdHeight")
        createdTime = try r.i64("proposal.createdTime")
        deadline = try r.i64("proposal.deadline")
        thresholdNumerator = try r.u64("proposal.thresholdNumerator")
        thresholdDenominator = try r.u64("proposal.thresholdDenominator")
        voters = try r.list("proposal.voters", max: ValidatorSet.maxValidators) { r in
            ProposalVoter(name: try r.string("voter.name"), publicKey: try r.publicKey("voter.publicKey"), power: try r.u64("voter.power"))
        }
        votes = try r.list("proposal.votes", max: ValidatorSet.maxValidators) { r in
            ProposalVote(voter: try r.string("vote.voter"), approve: try r.bool("vote.approve"), height: try r.u64("vote.height"))
        }
        yesPower = try r.u64("proposal.yesPower")
        noPower = try r.u64("proposal.noPower")
        guard let s = ProposalStatus(rawValue: try r.string("proposal.status")), s != .expired else {
            throw EncodingError.invalid("proposal.status", "open, passed, rejected or failed")
        }
        status = s
        outcomeCode = try r.string("proposal.outcomeCode")
        outcomeMessage = try r.string("proposal.outcomeMessage")
        decidedHeight = try r.u64("proposal.decidedHeight")
        effectiveHeight = try r.u64("proposal.effectiveHeight")
    }

    init(id: UInt64, action: GovernanceAction, description: String, proposer: Member, createdHeight: UInt64, createdTime: Int64,
         rules: GovernanceRules, voters: [ProposalVoter]) {
        self.id = id
        self.action = action
        self.description = description
        proposerName = proposer.name
        proposerKey = proposer.publicKey
        self.createdHeight = createdHeight
        self.createdTime = createdTime
        deadline = createdTime + rules.votingPeriodMs
        thresholdNumerator = rules.thresholdNumerator
        thresholdDenominator = rules.thresholdDenominator
        self.voters = voters
        votes = []
        yesPower = 0
        noPower = 0
        status = .open
        outcomeCode = ""
        outcomeMessage = ""
        decidedHeight = 0
        effectiveHeight = 0
    }
}

/// Why a key stopped being a member's.
public enum RevocationReason: String, Sendable, Codable {
    /// The member was removed (`member.remove`).
    case removed
    /// The member replaced its key, proposing with the old one (`member.rotateKey`).
    case rotated
    /// The consortium replaced the member's key on another member's proposal: the old key is lost or stolen.
    case forced
}

/// A revoked key (`revoked/<key>`): it signs no transaction from the block after `height` on.
public struct Revocation: Sendable, Equatable, Codable, CanonicalCodable {
    /// The member whose key it was.
    public let name: String
    /// The block that revoked it.
    public let height: UInt64
    public let reason: RevocationReason
    /// The member's new key, for a rotation.
    public let replacedBy: PublicKey?

    /// str(name) ‖ u64(height) ‖ str(reason) ‖ u8(0) | u8(1) ‖ key(replacedBy)
    public func encode(to w: inout CanonicalWriter) {
        w.string(name)
        w.u64(height)
        w.string(reason.rawValue)
        if let replacedBy { w.u8(1); w.publicKey(replacedBy) } else { w.u8(0) }
    }

    public init(name: String, height: UInt64, reason: RevocationReason, replacedBy: PublicKey?) {
        self.name = name
        self.height = height
        self.reason = reason
        self.replacedBy = replacedBy
    }

    public init(from r: inout CanonicalReader) throws {
        name = try r.string("revocation.name")
        height = try r.u64("revocation.height")
        guard let reason = RevocationReason(rawValue: try r.string("revocation.reason")) else {
            throw EncodingError.invalid("revocation.reason", "removed, rotated or forced")
        }
        self.reason = reason
        replacedBy = try r.bool("revocation.replacedBy") ? try r.publicKey("revocation.replacedBy") : nil
    }
}
