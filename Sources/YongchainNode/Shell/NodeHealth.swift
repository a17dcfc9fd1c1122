import Foundation
import Synchronization

/// Whether this node can do its job, as `GET /healthz`, `/v1/status`, the status page and `/metrics` report it
/// (docs/operations.md, "Health"). A node that cannot commit says so instead of answering `ok`.
///
/// - `STORAGE_CORRUPT`: a stored block does not match its header. Final: the node stops consensus (it neither
///   votes nor commits again) and must be restored by an operator; the message names the height.
/// - `STORAGE_FAILED`: the last attempt to write (or read for) a block failed, e.g. a full disk. Clears by itself
///   when a block commits again (the node keeps retrying, and catches up once the disk has room).
/// - `NOT_COMMITTING`: nothing committed for `stallSeconds`, although blocks are due at least every empty-block
///   interval: the node is cut off or the network has stalled.
final class NodeHealth: @unchecked Sendable {
    struct Problem: Sendable, Equatable {
        let code: String
        let message: String
    }

    /// How long without a commit before the node reports `NOT_COMMITTING`.
    let stallSeconds: Double
    private let lock = NSLock()
    private var corrupt: Problem?
    private var storage: Problem?
    private var lastCommit = Date()
    /// Storage failures since start (every one, also those not logged): `yongchain_storage_errors_total`.
    private var errors = 0
    var storageErrors: Int { lock.withLock { errors } }

    init(stallSeconds: Double) { self.stallSeconds = stallSeconds }

    /// The problem to report, worst first, or nil when healthy.
    func problem(now: Date = Date()) -> Problem? {
        lock.withLock {
            if let corrupt { return corrupt }
            if let storage { return storage }
            let idle = now.timeIntervalSince(lastCommit)
            if idle > stallSeconds {
                return Problem(code: NodeCode.notCommitting, message: "no block committed for \(Int(idle)) s (more than \(Int(stallSeconds)) s)")
            }
            return nil
        }
    }

    func committed(at now: Date = Date()) {
        lock.withLock {
            lastCommit = now
            storage = nil
        }
    }

    func storageFailed(_ message: String) {
        lock.withLock {
            errors += 1
            storage = Problem(code: NodeCode.storageFailed, message: message)
        }
    }

    /// Records the first corruption found; later ones do not replace it (the first height is where to look).
    func corrupted(_ message: String) {
        lock.withLock {
            errors += 1
            if corrupt == nil { corrupt = Problem(code: NodeCode.storageCorrupt, message: message) }
        }
    }
}
