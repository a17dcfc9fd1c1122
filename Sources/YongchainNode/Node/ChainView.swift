import Foundation
import Synchronization
import YongchainCore

/// What the node publishes about its committed tip and its consensus, for every part to read without waiting on
/// the consensus queue (which waits on each block's fsync) or the store's writer lock.
///
/// Thread rule: written only on the consensus queue (`ConsensusShell`, `BlockCommitter`) — and before start; read
/// from any thread.
final class ChainView: Sendable {
    /// The committed height (set after each commit, and at start).
    let committedHeight: Atomic<UInt64>
    /// Who signs the next heights and the consensus parameters, as the committed state at the tip says.
    let rules: Mutex<ChainRules>
    /// Height, round and step of the core, after its last input.
    let consensus = Mutex<(height: UInt64, round: Int32, step: String)>((0, 0, "propose"))
    /// Governance proposals taking votes at the tip (nil if they could not be counted), and the earliest deadline
    /// among them (`BlockCommitter.recountOpenProposals`).
    let openProposals = Mutex<(count: Int?, until: Int64?)>((nil, nil))
    /// Wakes readers waiting for a commit (`?wait=commit`, `?minHeight`).
    let commits = CommitNotifier()

    init(height: UInt64, rules: ChainRules) {
        committedHeight = Atomic(height)
        self.rules = Mutex(rules)
    }

    var height: UInt64 { committedHeight.load(ordering: .acquiring) }
    var currentRules: ChainRules { rules.withLock { $0 } }
}

/// Lets API threads wait until a transaction is committed.
final class CommitNotifier: @unchecked Sendable {
    private let cond = NSCondition()
    private var generation = 0

    func notify() {
        cond.lock()
        generation += 1
        cond.broadcast()
        cond.unlock()
    }

    /// Waits until `isDone` holds (checked after every commit) or the deadline passes.
    func wait(until deadline: Date, _ isDone: () -> Bool) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        while true {
            if isDone() { return true }
            if !cond.wait(until: deadline) { return isDone() }
        }
    }
}
