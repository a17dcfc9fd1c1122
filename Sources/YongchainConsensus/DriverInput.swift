import YongchainCore
import YongchainCrypto

/// What the shell hands `ConsensusDriver.step(_:)`. Signatures are already verified (the driver never sees a
/// key); the driver and its core check only what the algorithm needs.
public enum DriverInput: Sendable {
    /// The first input, once, at every boot: `height` is the last committed height + 1, `record` the last
    /// `Ready.persist` the shell stored (nil if it never stored one), `holding` the blocks of `height` the shell
    /// still has (say, the blocks of its own proposals, if it stores them). The driver resumes in the round and
    /// step of the record's last signed message, and re-sends that height's signed messages.
    /// `validators` are the sets of `height` and `height + 1` as the committed state says (nil: the sets the
    /// driver was made with, for a chain whose set never changes).
    case restart(SignerRecord?, height: UInt64, holding: Set<Hash> = [], validators: HeightValidators? = nil)
    /// The shell committed `height - 1` (the block of `Ready.apply` or `Ready.fetch`, or one caught up by block
    /// sync): begin `height`. Must be above the current height. `validators` as for `restart`; nil keeps the sets
    /// of the height before (the next set becoming the current one). `timeouts`: the timeouts the committed state
    /// says from this height on (governance changes them); nil keeps those in use.
    case startHeight(UInt64, validators: HeightValidators? = nil, timeouts: TimeoutParameters? = nil)
    /// A signed proposal whose block the shell holds. `isValid` is the paper's valid(v), judged against the
    /// committed chain, and must be deterministic. A proposal for the next height cannot be judged before its
    /// parent is committed: its `isValid` is ignored, the driver keeps it and asks for a judgement
    /// (`Ready.judge`) once that height starts.
    case proposal(Proposal, isValid: Bool)
    /// A signed prevote or precommit of another validator.
    case vote(Vote)
    /// A timeout from `Ready.schedule` has expired.
    case timeout(Timeout)
    /// The answer to `Ready.requestValue`: the hash of the block the shell built (the paper's getValue()). The
    /// shell holds that block and judges it valid.
    case value(height: UInt64, round: Int32, blockHash: Hash)
}

/// The validator sets of one height and the next, as the shell reads them from its committed state
/// (`ValidatorSchedule`): the set that signs the height, and the set whose messages for the next height are kept.
public struct HeightValidators: Sendable, Equatable {
    public let current: ValidatorSet
    public let next: ValidatorSet

    public init(current: ValidatorSet, next: ValidatorSet) {
        self.current = current
        self.next = next
    }

    /// The sets of `height` and `height + 1` in `schedule`.
    public init(_ schedule: ValidatorSchedule, height: UInt64) {
        self.init(current: schedule.set(at: height), next: schedule.set(at: height + 1))
    }
}
