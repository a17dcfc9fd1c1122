/// What one `yongchain bench` run does. The CLI parses and range-checks the flags into this; `Bench` only runs it.
public struct BenchOptions: Sendable {
    public enum Workload: String, Sendable {
        /// For each unit: property.register, then mortgage.apply with the owner's consent, then mortgage.approve.
        case mortgageYear = "mortgage-year"
        /// Independent property.register transactions only, for a sustained-rate run.
        case register
    }

    public enum QueryAuth: String, Sendable {
        /// All query connections in one API session (the handshake is made before the clock starts).
        case session
        /// Each request signed with a fresh nonce.
        case signature
    }

    /// What the query load asks: the answer, or a floor to compare its cost with (docs/performance.md, session 14).
    public enum QueryRoute: String, Sendable {
        /// A unit's encumbrances (`GET /v1/mortgage/units/{unit}/encumbrances`).
        case encumbrances
        /// `GET /healthz` on the same keep-alive connections, no session: the HTTP round trip alone.
        case healthz
        /// The encumbrances of units nobody registered, in the session: the session check, one key read as absent
        /// and a small 404.
        case unregistered
    }

    /// The cluster's directory; nil: a fresh one in a temporary directory, stopped and removed at the end.
    public var dir: String?
    public var validators = 4
    public var units = 2000
    public var workload = Workload.mortgageYear
    /// Transactions per second offered; 0: as fast as the nodes accept.
    public var rate = 0
    /// Seconds after which submitting stops; 0: submit everything.
    public var duration = 0
    /// Concurrent submitting connections (and query connections).
    public var submitters = 8
    /// Transactions per request: 1 sends POST /v1/txs, more send POST /v1/txs/batch.
    public var batch = 1
    /// Seconds of verification queries after the load; 0: none.
    public var querySeconds = 0
    public var queryAuth = QueryAuth.session
    public var queryRoute = QueryRoute.encumbrances
    /// Ask every query with `?prove=true`, and verify a sample of the answers offline (docs/proofs.md).
    public var prove = false
    /// Committed counts at which to print growth figures.
    public var checkpoints: [Int] = []
    /// Add an observer that stays down during the load, then time its catch-up.
    public var catchUp = false
    /// Leave a fresh cluster running (and its directory) at the end.
    public var keep = false
    /// The base port of a fresh cluster; nil: the cluster's default.
    public var basePort: Int?
    /// A fresh cluster speaks TLS 1.3 (`cluster init --tls`).
    public var tls = false
    /// A fresh cluster is on the national suite: SM3 hashes, SM2 keys (`cluster init --crypto sm`).
    public var nationalSuite = false

    public init() {}
}
