/// Stable rejection codes. Clients match on these strings: never rename one; add new ones.
public enum Codes {
    public static let unknownType = "UNKNOWN_TX_TYPE"
    public static let malformedBody = "MALFORMED_BODY"
    public static let invalidField = "INVALID_FIELD"
    public static let forbiddenRole = "FORBIDDEN_ROLE"
    public static let unknownSigner = "UNKNOWN_SIGNER"
    public static let alreadyRegistered = "ALREADY_REGISTERED"
    /// The public key already belongs to a member or a registered enterprise.
    public static let keyInUse = "KEY_IN_USE"

    // Governance (docs/governance.md, "Codes").

    /// The signing key was a member's and was removed or replaced by governance: it signs nothing new. Also refuses
    /// a proposal that would give a revoked key back to a member.
    public static let keyRevoked = "KEY_REVOKED"
    /// No proposal has that id.
    public static let proposalNotFound = "PROPOSAL_NOT_FOUND"
    /// The proposal was already decided (passed, rejected or failed): it takes no more votes.
    public static let proposalClosed = "PROPOSAL_CLOSED"
    /// The proposal's voting period is over (block time > its deadline) without it passing: it can no longer pass.
    public static let proposalExpired = "PROPOSAL_EXPIRED"
    /// This voter has already voted on the proposal; a vote cannot be changed.
    public static let alreadyVoted = "ALREADY_VOTED"
    /// The signer is not among the proposal's voters (the validators snapshotted when it was created).
    public static let notAVoter = "NOT_A_VOTER"
    /// The rules say only voters (validators) may propose, and the signer is not one.
    public static let notAProposer = "NOT_A_PROPOSER"
    /// The validator-set change would move a third or more of the current power at once, or leave no validator.
    public static let wouldBreakQuorum = "WOULD_BREAK_QUORUM"
    /// A validator-set change is decided and not yet in force: one change at a time.
    public static let validatorChangePending = "VALIDATOR_CHANGE_PENDING"
    /// No member has that name.
    public static let unknownMember = "UNKNOWN_MEMBER"
    /// A member already has that name.
    public static let nameInUse = "NAME_IN_USE"
    /// A proposal's outcome (never a transaction's): enough voting power voted no that it can no longer pass.
    public static let proposalRejected = "PROPOSAL_REJECTED"
    /// The proposer already has as many proposals taking votes as `ProposalLimits.maxOpenProposalsPerMember`.
    public static let tooManyOpenProposals = "TOO_MANY_OPEN_PROPOSALS"
    /// The description is longer than `ProposalLimits.maxDescriptionBytes`.
    public static let descriptionTooLong = "DESCRIPTION_TOO_LONG"
    /// A validator runs a full node: its node cannot be set to `member`, nor a member node given voting power.
    public static let validatorMustBeFull = "VALIDATOR_MUST_BE_FULL"

    /// State the application needs (the validator schedule) could not be read: a damaged store, never the
    /// transaction's fault. The node's read check stops it before anything is committed.
    public static let stateUnreadable = "STATE_UNREADABLE"

    /// Every governance code, for documentation and API descriptions.
    public static let governance = [
        keyRevoked, proposalNotFound, proposalClosed, proposalExpired, alreadyVoted, notAVoter, notAProposer, wouldBreakQuorum,
        validatorChangePending, unknownMember, nameInUse, proposalRejected, tooManyOpenProposals, descriptionTooLong, validatorMustBeFull,
    ]
}
