import Foundation
import YongchainCore
import YongchainHTTP
import YongchainStorage

/// `GET /v1/sync/redacted?from=H&limit=N`: what a full node serves a member node (docs/confidentiality.md) — the
/// authenticated caller's own transactions in full, everything else redacted to the leaves its headers commit to,
/// and its party log proven when the batch reaches the tip. A member is named by the key that signed the request,
/// never by anything the request says. Each member may ask `maxSyncBatchesPerSecond` batches a second (a burst of
/// twice that): a batch costs the server a read of every block in it.
///
/// Thread rule: HTTP worker threads, any number at once; the quota table keeps its own lock.
final class MemberSyncService: Sendable {
    let builder: RedactedBatchBuilder
    let limits: APILimits
    let quota: CallerQuota

    init(store: ChainStore, application: Application, chain: Chain, limits: APILimits) {
        builder = RedactedBatchBuilder(store: store, application: application, chain: chain)
        self.limits = limits
        quota = CallerQuota(rate: limits.maxSyncBatchesPerSecond, what: "sync batches")
    }

    func request(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard case .member(let member) = call.caller else {
            throw APIError(NodeCode.authRequired, "a redacted batch is served to a member organisation's signed request")
        }
        let req = call.request
        guard let text = req.query["from"] else { throw APIError.badRequest(NodeCode.invalidHeight, "from: required, a height ≥ 1") }
        let from = try Parameter.integer(text, name: "from", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
        let limit = try Parameter.integer(req, "limit", in: 1...RedactedBatch.maxBlocks, default: 100)
        try quota.take(member.name, now: Date().timeIntervalSince1970)
        let batch = try builder.batch(member: member.name, from: from, limit: limit, maxBytes: limits.maxSyncBytes, in: state)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: batch.canonicalBytes)
    }
}
