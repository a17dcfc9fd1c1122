/// Limits the server applies to every connection. Every one of them bounds what a remote peer can make us hold or
/// wait for; the status each produces is listed in docs/http.md.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Longest request line (method, target, version; without CRLF). Longer lines get 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (all header lines and the final blank line, without the request line). Larger: 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Most header lines in one request. More: 431.
    public var maxHeaderCount: Int = 100
    /// Largest `Content-Length` accepted. Larger: 413, sent before any of the body is read.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Seconds allowed to receive a whole request once its first byte arrived. Exceeded: 408, then close.
    public var readTimeout: Double = 10
    /// Seconds a connection with no request in progress (a new one, or keep-alive between requests) is kept open
    /// waiting for a first byte. Exceeded: silent close.
    public var idleTimeout: Double = 60
    /// Seconds allowed to write one response (the client not reading). Exceeded: the connection is closed.
    public var writeTimeout: Double = 10
    /// Most connections served at once. Beyond it a new connection is answered 503 and closed.
    public var maxConnections: Int = 1024

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        readTimeout: Double = 10,
        idleTimeout: Double = 60,
        writeTimeout: Double = 10,
        maxConnections: Int = 1024
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections
    }
}
