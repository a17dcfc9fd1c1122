/// The protocol version of a request. Only HTTP/1.0 and HTTP/1.1 are spoken; `HTTP/1.x` with x > 1 is treated as 1.1.
public enum HTTPVersion: Sendable, Equatable {
    case http1_0
    case http1_1
}

/// One parsed HTTP request. The body is complete (requests carry bodies only via `Content-Length`).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target exactly as received, e.g. `/v1/txs?wait=commit`.
    public var target: String
    /// The percent-decoded path without the query, e.g. `/v1/txs`.
    public var path: String
    /// Decoded query parameters (`+` means space). When a name repeats, the last value wins.
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var version: HTTPVersion
    /// The raw 32-byte Ed25519 key of the TLS peer's accepted certificate (a node); nil over plain HTTP or when
    /// the client presented no certificate (a bank). Set by the server, never by the request's bytes.
    public var peerPublicKey: [UInt8]?
    /// Whether the request arrived over TLS.
    public var secure = false

    public init(
        method: String, target: String, path: String, query: [String: String] = [:],
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], version: HTTPVersion = .http1_1
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.version = version
    }

    /// Whether the client asked to keep the connection open: HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        let connection = headers["Connection"]
        switch version {
        case .http1_1: return connection.map { !headerListContains($0, token: "close") } ?? true
        case .http1_0: return connection.map { headerListContains($0, token: "keep-alive") } ?? false
        }
    }
}
