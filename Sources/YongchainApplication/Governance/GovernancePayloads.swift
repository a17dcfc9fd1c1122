import YongchainCore
import YongchainCrypto

/// `governance.propose`: a member proposes an action for the consortium's vote. The proposal gets the next id
/// (1, 2, 3…), and its voters are the validators that sign the height after its block, with their powers. The
/// proposer's own vote is not implied: it votes with `governance.vote` like everyone else.
public struct ProposeGovernance: Payload, Equatable {
    public static let type = "governance.propose"
    public var action: GovernanceAction
    /// Why, for the voters: free text, at most 1,000 bytes (may be empty).
    public var description: String

    public init(action: GovernanceAction, description: String) {
        self.action = action
        self.description = description
    }

    public func validate() throws {
        try action.validate()
        guard description.utf8.count <= GovernanceLimits.maxDescriptionBytes else {
            throw ValidationError(field: "description", message: "at most \(GovernanceLimits.maxDescriptionBytes) bytes")
        }
    }

    /// action ‖ str(description)
    public func encode(to w: inout CanonicalWriter) {
        w.item(action)
        w.string(description)
    }

    public init(from r: inout CanonicalReader) throws {
        action = try r.item()
        description = try r.string("description", max: 4 * GovernanceLimits.maxDescriptionBytes)
    }
}

/// `governance.vote`: a voter of proposal `proposal` votes yes (`approve`) or no. One vote per voter, final. The
/// vote that carries the proposal over its threshold also applies its action, in the same transaction.
public struct VoteGovernance: Payload, Equatable {
    public static let type = "governance.vote"
    public var proposal: UInt64
    public var approve: Bool

    public init(proposal: UInt64, approve: Bool) {
        self.proposal = proposal
        self.approve = approve
    }

    public func validate() throws {
        guard proposal >= 1 else { throw ValidationError(field: "proposal", message: "a proposal id: 1 or more") }
    }

    /// u64(proposal) ‖ u8(approve: 1 yes, 0 no)
    public func encode(to w: inout CanonicalWriter) {
        w.u64(proposal)
        w.bool(approve)
    }

    public init(from r: inout CanonicalReader) throws {
        proposal = try r.u64("proposal")
        approve = try r.bool("approve")
    }
}
