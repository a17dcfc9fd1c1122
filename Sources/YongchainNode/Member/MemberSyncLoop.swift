import Foundation
import Synchronization
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// A member node's catch-up (docs/confidentiality.md, "The member node"): asks a full node for the redacted batch
/// after its position (`GET /v1/sync/redacted`, signed with the member's key), checks it (`MemberSync`) and stores
/// what it accepted with the position it leads to, in one transaction. A batch that fails a check is refused
/// whole, counted against the full node that served it (by `SYNC_*` code, in /metrics and the log), and the next
/// full node is asked; so is the next one when a full node cannot be reached. A party-log proof that fails drops
/// what was stored above the last proven position. Each request goes to the next full node in turn; at the tip it
/// asks again every `pollSeconds`.
///
/// Thread rule: one thread of its own runs the loop; `state` and the counters are under their locks.
final class MemberSyncLoop: Sendable {
    struct Source: Sendable {
        let name: String
        let url: String
    }

    let genesis: Genesis
    /// The organisation's name, as its party log is keyed.
    let memberName: String
    let key: PrivateKey
    let store: MemberStore
    let sources: [Source]
    let client: HTTPClient
    let logger: Logger
    let pollSeconds: Double
    let batchLimit: Int
    /// What the member believes, advanced only by accepted batches.
    let state: Mutex<MemberSync>
    /// Failures per full node and code (`SYNC_*`, or `UNREACHABLE` for a transport error or a non-200 answer).
    let failures = Mutex<[String: Int]>([:])
    /// Notified after every batch stored: `wait=commit` on a forwarded transaction waits on it.
    let commits = CommitNotifier()
    /// Why the chain's record of this key refused the sync (a member admitted after genesis: `recordedKind`).
    let kindMismatch = Mutex<String?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()
    /// Requests waiting for a forwarded transaction's commit (`awaitingCommit`): while there are any, the loop at
    /// its tip asks again every `awaitingPollSeconds` instead of `pollSeconds`, so that `wait=commit` through a
    /// member node costs about a block, not half a second more (a grey-list check waits for one). At most 20
    /// batch requests a second, spread over the full nodes, within each one's `maxSyncBatchesPerSecond`.
    private let waiting = Atomic<Int>(0)
    static let awaitingPollSeconds = 0.05

    init(genesis: Genesis, member: String, key: PrivateKey, store: MemberStore, sources: [Source], client: HTTPClient,
         logger: Logger, pollSeconds: Double = 0.5, batchLimit: Int = 100) throws {
        self.genesis = genesis
        memberName = member
        self.key = key
        self.store = store
        self.sources = sources
        self.client = client
        self.logger = logger
        self.pollSeconds = pollSeconds
        self.batchLimit = batchLimit
        var sync = MemberSync(genesis: genesis, member: member)
        if let bytes = try store.position() {
            let position: MemberSync.Position
            do { position = try MemberSync.Position(stored: bytes, genesis: genesis) } catch {
                throw StorageError(code: "STORAGE_CORRUPT", message: "the member node's stored sync position does not decode: \(error)")
            }
            sync = MemberSync(genesis: genesis, member: member, resuming: position)
        }
        // Provisional batches stored above the proven position are asked again.
        try store.truncate(above: sync.proven.height, position: sync.proven.storedBytes)
        state = Mutex(sync)
    }

    var height: UInt64 { state.withLock { $0.height } }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "member-sync"
        t.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.lock(); wake.broadcast(); wake.unlock()
    }

    private func run() {
        guard !sources.isEmpty else {
            logger.error("member-sync", "no full node to sync from: genesis lists none and config.json's peers are empty")
            return
        }
        var i = 0
        if genesis.organization(for: key.publicKey) == nil {
            // Admitted after genesis: the chain's proven record, not config.json, says which node it runs.
            checking: while !stopped.load(ordering: .relaxed) {
                switch recordedKind(from: sources[i % sources.count]) {
                case .member: break checking
                case .mismatch(let why):
                    kindMismatch.withLock { $0 = why }
                    logger.error("member-sync", "\(NodeCode.nodeKindMismatch): \(why); this member node syncs nothing")
                    return
                case .unanswered:
                    i += 1
                    if i % sources.count == 0 { pause(pollSeconds) }
                }
            }
        }
        var failedInRow = 0
        while !stopped.load(ordering: .relaxed) {
            let source = sources[i % sources.count]
            let outcome = step(source)
            // The next request goes to the next full node, whatever came of this one: a full node that lags, or
            // that answers with nothing or with short batches that prove nothing, then holds the member back for
            // one request in every round, never for ever; and the serving is shared among the full nodes.
            i += 1
            let poll = waiting.load(ordering: .relaxed) > 0 ? min(pollSeconds, Self.awaitingPollSeconds) : pollSeconds
            switch outcome {
            case .more: failedInRow = 0
            case .atTip:
                failedInRow = 0
                pause(poll)
            case .failed:
                failedInRow += 1
                // A whole round of failures: wait before asking again.
                if failedInRow % sources.count == 0 { pause(poll) }
            }
        }
    }

    enum Outcome { case more, atTip, failed }

    /// One request to `source` and what came of it.
    func step(_ source: Source) -> Outcome {
        let from = height + 1
        let target = "/v1/sync/redacted?from=\(from)&limit=\(batchLimit)"
        let response: HTTPResponse
        do {
            response = try client.send("GET", url: source.url + target,
                                       headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: genesis.chainID))
        } catch {
            count(source, "UNREACHABLE", "\(error)", from: from)
            return .failed
        }
        guard response.status == 200 else {
            count(source, "UNREACHABLE", "status \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))", from: from)
            return .failed
        }
        do {
            let batch: RedactedBatch
            do { batch = try RedactedBatch(canonical: response.body, hashSuite: genesis.chain.hashSuite) } catch {
                throw SyncFailure(.badHeader, "the batch does not decode: \(error)")
            }
            return try accept(batch, from: source)
        } catch let f as SyncFailure {
            count(source, f.code, f.message, from: from)
            return .failed
        } catch {
            // The member's own database failed: stop rather than run on with a position it could not store.
            logger.error("member-sync", "storing a batch failed: \(error); sync stops", height: from - 1)
            stop()
            return .failed
        }
    }

    /// Checks and stores one batch; a `SyncFailure` is the full node's fault, anything else the store's.
    private func accept(_ batch: RedactedBatch, from source: Source) throws -> Outcome {
        try state.withLock { sync in
            let accepted: MemberSync.Accepted
            do { accepted = try sync.accept(batch) } catch let f as SyncFailure {
                if f.reason == .incomplete || f.reason == .overshared {
                    try store.truncate(above: sync.proven.height, position: sync.proven.storedBytes)
                }
                throw f
            }
            let own = accepted.own.map { MemberStore.Own(height: $0.height, index: $0.transaction.index, transaction: $0.transaction.transaction, code: $0.transaction.code) }
            try store.append(headers: accepted.headers, own: own, position: sync.proven.storedBytes)
            if !accepted.headers.isEmpty { commits.notify() }
            if !accepted.headers.isEmpty {
                logger.debug("member-sync", "accepted \(accepted.headers.count) blocks from \(source.name)", height: sync.height,
                             ["own": "\(own.count)", "proven": "\(accepted.proven)"])
            }
            // An empty batch: this full node has nothing newer. A proven one short of the limit reached its tip.
            if batch.blocks.isEmpty { return .atTip }
            return accepted.proven && batch.blocks.count < batchLimit ? .atTip : .more
        }
    }

    func count(_ source: Source, _ code: String, _ message: String, from: UInt64) {
        failures.withLock { $0["\(source.name)|\(code)", default: 0] += 1 }
        logger.warn("member-sync", "\(code) from \(source.name): \(message); asking another full node", height: from - 1,
                    ["code": code, "source": source.name])
    }

    /// Runs `body` (a wait for a forwarded transaction's commit) with the loop asking its full nodes often, and
    /// wakes the loop at once rather than at the end of its pause.
    func awaitingCommit<T>(_ body: () throws -> T) rethrows -> T {
        waiting.add(1, ordering: .relaxed)
        defer { waiting.subtract(1, ordering: .relaxed) }
        wake.lock(); wake.broadcast(); wake.unlock()
        return try body()
    }

    private func pause(_ seconds: Double) {
        wake.lock()
        if !stopped.load(ordering: .relaxed) { _ = wake.wait(until: Date().addingTimeInterval(seconds)) }
        wake.unlock()
    }

    /// The full nodes to sync from: genesis's organisations that run full nodes (this member excepted), then
    /// config.json's peers.
    static func sources(genesis: Genesis, config: NodeConfig, me: PublicKey) -> [Source] {
        let orgs = genesis.organizations.filter { $0.node == .full && $0.key != me && !$0.address.isEmpty }
        return orgs.map { Source(name: $0.name, url: $0.address) } + config.peers.map { Source(name: $0, url: $0) }
    }
}
