/// Bounds on what the core keeps in memory for messages it cannot use yet. Every message crosses a trust
/// boundary (a byzantine validator may sign anything), so none of these may grow with what others send.
public struct ConsensusLimits: Sendable, Equatable {
    /// Messages for rounds above `round + maxRoundsAhead` of the current height are not stored. They still
    /// count towards the round skip (paper line 55), which only needs each validator's highest round, so a
    /// lagging node still catches up and the re-gossiped messages are then accepted.
    public var maxRoundsAhead: Int32
    /// Messages for the next height (h+1) kept per sender, replayed on `startHeight(h+1)`. A byzantine
    /// validator can fill only its own share.
    public var maxBufferedPerValidator: Int
    /// Distinct proposals kept per round from that round's proposer. An equivocating proposer may sign many;
    /// past this number a proposal is kept only if f+1 power voted for its value in that round (so at least one
    /// correct validator saw it), which bounds the rest by the number of validators.
    public var maxProposalsPerRound: Int

    public init(maxRoundsAhead: Int32 = 10, maxBufferedPerValidator: Int = 32, maxProposalsPerRound: Int = 2) {
        precondition(maxRoundsAhead >= 1 && maxBufferedPerValidator >= 0 && maxProposalsPerRound >= 1, "limits must be positive")
        self.maxRoundsAhead = maxRoundsAhead
        self.maxBufferedPerValidator = maxBufferedPerValidator
        self.maxProposalsPerRound = maxProposalsPerRound
    }

    public static let `default` = ConsensusLimits()
}
