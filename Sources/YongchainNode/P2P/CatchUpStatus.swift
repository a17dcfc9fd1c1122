import Foundation
import YongchainCore

/// Whether this node is behind, decided only from what it verified, never from what peers claim.
///
/// A validator that signed a vote or proposal at height H has committed H−1. One signature proves nothing (a
/// faulty validator may sign any height), but when validators holding more than a third of the power have signed
/// at H or above, at least one of them is correct, so H−1 is committed somewhere: `provenHeight`. The node is
/// catching up while that proven height is more than one block above its own tip, or while the blocks it fetches
/// keep arriving in full batches (each verified against its certificate before it is applied).
final class CatchUpStatus: @unchecked Sendable {
    private let lock = NSLock()
    private let validators: ValidatorSet
    /// Highest height at which each validator's signature was verified.
    private var signedAt: [UInt64]
    private var lastFullBatch = Date.distantPast
    /// The highest height this node's own core decided (2f+1 precommits verified) without holding the block.
    private var decided: UInt64 = 0
    /// How long a full catch-up batch keeps the node "catching up" without a further one.
    static let fullBatchWindow: TimeInterval = 3

    init(validators: ValidatorSet) {
        self.validators = validators
        signedAt = Array(repeating: 0, count: validators.count)
    }

    /// A consensus message of `validator` at `height` whose signature was verified.
    func signed(validator: Int, height: UInt64) {
        guard validators.validators.indices.contains(validator) else { return }
        lock.withLock { signedAt[validator] = max(signedAt[validator], height) }
    }

    /// This node's core decided `height` (2f+1 verified precommits) but does not hold the block: it must fetch it.
    func decided(height: UInt64) {
        lock.withLock { decided = max(decided, height) }
    }

    /// A verified catch-up batch was applied; `full` when the peer sent as many blocks as were asked for.
    func fetched(full: Bool, now: Date = Date()) {
        lock.withLock { lastFullBatch = full ? now : .distantPast }
    }

    /// The highest height proven committed: by signatures of more than a third of the power, or decided by this
    /// node's own core (0 if none).
    var provenHeight: UInt64 {
        lock.withLock { () -> UInt64 in
            let proven = decided
            var order = signedAt.indices.sorted { signedAt[$0] > signedAt[$1] }[...]
            var power: UInt64 = 0
            while let i = order.popFirst() {
                power += validators[i].power
                if power >= validators.oneThirdPlus { return max(proven, signedAt[i] > 0 ? signedAt[i] - 1 : 0) }
            }
            return proven
        }
    }

    func isBehind(tip: UInt64, now: Date = Date()) -> Bool {
        let fetching = lock.withLock { now.timeIntervalSince(lastFullBatch) < CatchUpStatus.fullBatchWindow }
        return fetching || provenHeight > tip + 1
    }
}
