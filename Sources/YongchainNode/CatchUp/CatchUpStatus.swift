import Foundation
import YongchainCore
import YongchainCrypto

/// Whether this node is behind, decided only from what it verified, never from what peers claim.
///
/// A validator that signed a vote or proposal at height H has committed H−1. One signature proves nothing (a
/// faulty validator may sign any height), but when validators holding more than a third of the power have signed
/// at H or above, at least one of them is correct, so H−1 is committed somewhere: `provenHeight`. The node is
/// catching up while that proven height is more than one block above its own tip, or while the blocks it fetches
/// keep arriving in full batches (each verified against its certificate before it is applied).
final class CatchUpStatus: @unchecked Sendable {
    private let lock = NSLock()
    /// The set that signs the next height: only its members' signatures count, by their power.
    private var validators: ValidatorSet
    /// Highest height at which each validator's signature was verified, by key (indices change with the set).
    private var signedAt: [PublicKey: UInt64] = [:]
    private var lastFullBatch = Date.distantPast
    /// The highest height this node's own core decided (2f+1 precommits verified) without holding the block.
    private var decided: UInt64 = 0
    /// How long a full catch-up batch keeps the node "catching up" without a further one.
    static let fullBatchWindow: TimeInterval = 3

    init(validators: ValidatorSet) {
        self.validators = validators
    }

    /// Governance changed the set (after a commit): members that left no longer count.
    func setValidators(_ set: ValidatorSet) {
        lock.withLock {
            validators = set
            signedAt = signedAt.filter { set.index(of: $0.key) != nil }
        }
    }

    /// A consensus message signed by `key` at `height` whose signature was verified.
    func signed(key: PublicKey, height: UInt64) {
        lock.withLock {
            guard validators.index(of: key) != nil else { return }
            signedAt[key] = max(signedAt[key] ?? 0, height)
        }
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
            var order = validators.validators.sorted { (signedAt[$0.publicKey] ?? 0) > (signedAt[$1.publicKey] ?? 0) }[...]
            var power: UInt64 = 0
            while let v = order.popFirst() {
                power += v.power
                let at = signedAt[v.publicKey] ?? 0
                if power >= validators.oneThirdPlus { return max(proven, at > 0 ? at - 1 : 0) }
            }
            return proven
        }
    }

    func isBehind(tip: UInt64, now: Date = Date()) -> Bool {
        let fetching = lock.withLock { now.timeIntervalSince(lastFullBatch) < CatchUpStatus.fullBatchWindow }
        return fetching || provenHeight > tip + 1
    }
}
