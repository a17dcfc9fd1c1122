/// The API's own bounds, each defined once (the transport's are `HTTPServerLimits`, built from config.json by
/// `NodeConfig.httpServerLimits`; a transaction's body is bounded by `Transaction.maxBodyBytes`). Every one bounds
/// what a caller can make the node hold or wait for; docs/http.md lists them with what exceeding them answers.
struct APILimits: Sendable, Equatable {
    /// Largest JSON body an application route reads (a 1,000-item pre-check is well under it). More: 400.
    var maxAppBodyBytes = 1 << 20
    /// Largest session handshake body (`{"clientPublicKey":"x25519:<64 hex>"}` is under 100 bytes). More: 400.
    var maxSessionBodyBytes = 1024
    /// Most transactions in one `POST /v1/txs/batch`. More: 400 INVALID_BATCH.
    var maxBatchTransactions = 1_000
    /// A `minHeight` more than this above the tip is refused at once (504): a node that far behind is catching up.
    var maxHeightLead: UInt64 = 64
    /// Reads waiting for a `minHeight` at once. More: 503 TOO_MANY_WAITERS.
    var maxHeightWaiters = 64
    /// `POST /v1/txs?wait=commit` requests waiting at once. More: 503 TOO_MANY_WAITERS, before admission.
    var maxCommitWaiters = 256
    /// Most blocks one `GET /v1/sync/blocks` answers, and the bytes it aims to stay under.
    var maxSyncBlocks = 500
    var maxSyncBytes = 8 << 20
    /// Redacted sync batches one member may ask a second (`GET /v1/sync/redacted`), with a burst of twice that.
    /// More: 429 RATE_LIMITED.
    var maxSyncBatchesPerSecond = 20
    /// Proven answers (`?prove=true`) one caller may ask a second, with a burst of twice that: a proof costs a
    /// full node a read of the tree's path per key, and a member node asks one for every read of its bank (config.json's
    /// `maxProofsPerSecond` sets another). More: 429 RATE_LIMITED.
    var maxProofsPerSecond = 200
}
