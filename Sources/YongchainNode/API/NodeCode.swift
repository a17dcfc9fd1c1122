import YongchainApplication

/// Every code the node itself answers or fails with, defined once (the applications' codes are `Codes`, the
/// HTTP layer's are in `HTTPError`). `APIError.statuses` decides the HTTP status of each, in one table.
enum NodeCode {
    static let authBadMac = "AUTH_BAD_MAC"
    static let authBadSignature = "AUTH_BAD_SIGNATURE"
    static let authBusy = "AUTH_BUSY"
    static let authMalformed = "AUTH_MALFORMED"
    static let authReplayed = "AUTH_REPLAYED"
    static let authRequired = "AUTH_REQUIRED"
    /// A session's sequence number `ReplayWindow.size` or more below the highest it has used: the node can no longer
    /// tell whether it was used, so refuses it; the request was not run, and a client resends it with a new number.
    static let authSeqTooOld = "AUTH_SEQ_TOO_OLD"
    static let authSessionExpired = "AUTH_SESSION_EXPIRED"
    static let authStale = "AUTH_STALE"
    static let authUnknownKey = "AUTH_UNKNOWN_KEY"
    static let authUnknownSession = "AUTH_UNKNOWN_SESSION"
    static let backupExists = "BACKUP_EXISTS"
    static let backupMissing = "BACKUP_MISSING"
    static let badSignature = "BAD_SIGNATURE"
    static let blockInvalid = "BLOCK_INVALID"
    static let commitTimeout = "COMMIT_TIMEOUT"
    static let configInvalid = "CONFIG_INVALID"
    static let configMissing = "CONFIG_MISSING"
    static let dataExists = "DATA_EXISTS"
    static let genesisMismatch = "GENESIS_MISMATCH"
    static let handshakeInvalid = "HANDSHAKE_INVALID"
    static let handshakeRefused = "HANDSHAKE_REFUSED"
    /// `POST /v1/greylist/pseudonyms` on a node without the supervisor's VRF key (or not the key in force).
    static let greylistUnavailable = "GREYLIST_UNAVAILABLE"
    /// A bank that runs a full node asked for pseudonyms: it holds every entry, so with pseudonyms it could check
    /// anyone without a check on the record (docs/greylist.md, "Who sees what").
    static let greylistFullNodeBank = "GREYLIST_FULL_NODE_BANK"
    /// A bank's pseudonym requests this day are used up (node-local count).
    static let greylistPseudonymLimit = "GREYLIST_PSEUDONYM_LIMIT"
    static let heightNotReached = "HEIGHT_NOT_REACHED"
    static let internalError = "INTERNAL"
    static let invalidBatch = "INVALID_BATCH"
    static let invalidField = Codes.invalidField
    static let invalidHash = "INVALID_HASH"
    static let invalidHeight = "INVALID_HEIGHT"
    static let invalidMinHeight = "INVALID_MIN_HEIGHT"
    static let invalidParameter = "INVALID_PARAMETER"
    static let keyFileMissing = "KEY_FILE_MISSING"
    static let logFileUnwritable = "LOG_FILE_UNWRITABLE"
    static let malformedGossip = "MALFORMED_GOSSIP"
    static let malformedJson = "MALFORMED_JSON"
    /// A submission's body of more JSON values than its envelopes may hold (`TransactionEnvelope`): 413, as the
    /// HTTP parser answers a body of too many bytes.
    static let bodyTooLarge = "BODY_TOO_LARGE"
    static let mempoolFull = "MEMPOOL_FULL"
    static let mempoolSignerFull = "MEMPOOL_SIGNER_FULL"
    static let methodNotAllowed = "METHOD_NOT_ALLOWED"
    static let missingField = "MISSING_FIELD"
    static let nodeSignatureInvalid = "NODE_SIGNATURE_INVALID"
    static let notCaughtUp = "NOT_CAUGHT_UP"
    static let notCommitting = "NOT_COMMITTING"
    static let notFound = "NOT_FOUND"
    static let peerNotAuthenticated = "PEER_NOT_AUTHENTICATED"
    static let peersUnreachable = "PEERS_UNREACHABLE"
    static let noDatabase = "NO_DATABASE"
    static let nodeKindMismatch = "NODE_KIND_MISMATCH"
    /// A member node's forwarded read: the proven answer is older than `answerWindow` blocks below its tip.
    static let answerStale = "ANSWER_STALE"
    /// A member node's forwarded read: no full node gave an answer that verified.
    static let answerUnverified = "ANSWER_UNVERIFIED"
    static let proofUnavailable = "PROOF_UNAVAILABLE"
    static let rateLimited = "RATE_LIMITED"
    /// `GET /v1/sync/blocks` asked by a member the chain records as running a member node.
    static let syncNotFullNode = "SYNC_NOT_FULL_NODE"
    static let stateDiverged = "STATE_DIVERGED"
    static let storageCorrupt = "STORAGE_CORRUPT"
    static let storageFailed = "STORAGE_FAILED"
    static let storageUnavailable = "STORAGE_UNAVAILABLE"
    static let tlsSetupFailed = "TLS_SETUP_FAILED"
    static let tooManyWaiters = "TOO_MANY_WAITERS"
    static let txAlreadyCommitted = "TX_ALREADY_COMMITTED"
    static let wrongChain = "WRONG_CHAIN"
}
