import Foundation
import Synchronization
import YongchainApplication
import YongchainStorage

/// Whether this node can do its job, as `GET /healthz`, `/v1/status`, the status page and `/metrics` report it
/// (docs/operations.md, "Health"). A node that cannot commit says so instead of answering `ok`.
///
/// - `STORAGE_CORRUPT`: a stored block does not match its header. Final: the node stops consensus (it neither
///   votes nor commits again) and must be restored by an operator; the message names the height.
/// - `STATE_DIVERGED`: a block the validators certified does not execute here as its header says: this node's
///   state or code differs from theirs. Final, like corruption (`Node.diverged`); the message names the heights.
/// - `STORAGE_FAILED`: the last attempt to write (or read for) a block failed, e.g. a full disk. Clears by itself
///   when a block commits again (the node keeps retrying, and catches up once the disk has room).
/// - `PEERS_UNREACHABLE`: the node has peers and none has answered it for `stallSeconds` (since start, or since
///   the last answer); the message says why for each (a failed TLS handshake, `TLS_REQUIRED`, a refused
///   connection…). Clears when one answers.
/// - `NOT_CAUGHT_UP`: validators holding more than a third of the power have signed above this node's tip
///   (`CatchUpStatus`), and it has committed nothing for `stallSeconds`: it knows it is behind and cannot catch up.
/// - `NOT_COMMITTING`: nothing committed for `stallSeconds`, although blocks are due at least every empty-block
///   interval: the network has stalled, or the node is cut off without knowing it.
final class NodeHealth: @unchecked Sendable {
    struct Problem: Sendable, Equatable {
        let code: String
        let message: String
    }

    /// Every code `problem` may report, worst first (the labels of `yongchain_node_health_problem`).
    static let codes = [NodeCode.storageCorrupt, NodeCode.stateDiverged, NodeCode.storageFailed, NodeCode.peersUnreachable,
                        NodeCode.notCaughtUp, NodeCode.notCommitting]
    /// How long without a commit (or without any peer answering) before the node reports it.
    let stallSeconds: Double
    private let lock = NSLock()
    private let started: Date
    private var corrupt: Problem?
    private var divergence: Problem?
    private var storage: Problem?
    private var lastCommit: Date
    /// Storage failures since start (every one, also those not logged): `yongchain_storage_errors_total`.
    private var errors = 0
    var storageErrors: Int { lock.withLock { errors } }
    /// Set once the node's chain is found corrupt or diverged: consensus stops for good (no vote, no commit, no
    /// catch-up); the node keeps answering /healthz, /v1/status and /metrics so the operator sees why.
    private let final = Atomic<Bool>(false)
    var halted: Bool { final.load(ordering: .acquiring) }

    init(stallSeconds: Double, now: Date = Date()) {
        self.stallSeconds = stallSeconds
        started = now
        lastCommit = now
    }

    /// The problem to report, worst first, or nil when healthy. `peers`: what gossip knows of the node's peers;
    /// `behind`: whether signatures prove the chain is ahead of this node (`CatchUpStatus.isBehind`).
    func problem(now: Date = Date(), peers: [PeerInfo] = [], behind: Bool = false) -> Problem? {
        lock.withLock {
            if let corrupt { return corrupt }
            if let divergence { return divergence }
            if let storage { return storage }
            if let unreachable = unreachable(peers, now: now) { return unreachable }
            let idle = now.timeIntervalSince(lastCommit)
            guard idle > stallSeconds else { return nil }
            if behind {
                return Problem(code: NodeCode.notCaughtUp,
                               message: "validators' signatures show the chain is ahead, and this node committed nothing for \(Int(idle)) s (more than \(Int(stallSeconds)) s): it cannot fetch or apply the blocks; see its log ('sync') and its peers (yongchain peers)")
            }
            return Problem(code: NodeCode.notCommitting, message: "no block committed for \(Int(idle)) s (more than \(Int(stallSeconds)) s)")
        }
    }

    /// PEERS_UNREACHABLE when there are peers and none answered for `stallSeconds` (the node itself up longer).
    private func unreachable(_ peers: [PeerInfo], now: Date) -> Problem? {
        let nowMs = Int64(now.timeIntervalSince1970 * 1000), windowMs = Int64(stallSeconds * 1000)
        guard !peers.isEmpty, now.timeIntervalSince(started) > stallSeconds,
              !peers.contains(where: { p in p.lastContactMs.map { nowMs - $0 <= windowMs } ?? false }) else { return nil }
        let why = peers.prefix(8).map { "\($0.name) (\($0.url)): \($0.lastError ?? "no answer")" }.joined(separator: "; ")
        return Problem(code: NodeCode.peersUnreachable,
                       message: "none of its \(peers.count) peers answered for more than \(Int(stallSeconds)) s: \(why)\(peers.count > 8 ? "; …" : ""). Check each address, and that its scheme (http:// or https://) is what that node speaks")
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

    /// Records divergence (the first: where to look); final, like corruption.
    func diverged(_ message: String) {
        lock.withLock { if divergence == nil { divergence = Problem(code: NodeCode.stateDiverged, message: message) } }
        final.store(true, ordering: .releasing)
    }

    /// Records the first corruption found; later ones do not replace it (the first height is where to look).
    func corrupted(_ message: String) {
        lock.withLock {
            errors += 1
            if corrupt == nil { corrupt = Problem(code: NodeCode.storageCorrupt, message: message) }
        }
        final.store(true, ordering: .releasing)
    }

    /// Records a storage failure for health, metrics and the log (throttled: a full disk fails hundreds of times a
    /// second). A corrupt stored block, and any other STORAGE_CORRUPT (a damaged database, a state value that does
    /// not decode as its record), halts consensus for good (`halted`): the node must not go on from a chain or a
    /// state it cannot trust.
    func storageError(_ error: Error, _ doing: String, height: UInt64? = nil, logger: Logger) {
        if let c = error as? StoredBlockCorrupt {
            corrupted("\(c); stop this node and restore it (docs/operations.md, 'Recovery')")
            logger.throttled(.error, key: "storage-corrupt", interval: 60, "storage", "\(c) (while \(doing)); consensus halted", height: c.height)
            return
        }
        if let d = error as? DamagedRecord {
            return storageError(StorageError(code: d.code, message: d.description), doing, height: height, logger: logger)
        }
        if let e = error as? StorageError, e.code == NodeCode.storageCorrupt {
            corrupted("\(e) (while \(doing)); stop this node and restore it (docs/operations.md, 'Recovery')")
            logger.throttled(.error, key: "storage-corrupt", interval: 60, "storage", "\(e) (while \(doing)); consensus halted", height: height)
            return
        }
        storageFailed("\(error) (while \(doing))")
        logger.throttled(.error, key: "storage-\(doing)", "storage", "\(error) (while \(doing))", height: height)
    }
}
