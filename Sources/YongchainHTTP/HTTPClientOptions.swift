/// Limits and timeouts for `HTTPClient`.
public struct HTTPClientOptions: Sendable, Equatable {
    /// Seconds to establish a TCP connection. Exceeded: `CONNECT_FAILED` (errno ETIMEDOUT); nothing was sent.
    public var connectTimeout: Double = 2
    /// Seconds for a whole request (connect, send, complete response) unless `send(timeout:)` overrides it.
    /// Exceeded after connecting: `TIMEOUT`.
    public var requestTimeout: Double = 10
    /// Idle keep-alive connections kept per host:port; extra ones are closed after use.
    public var maxIdlePerHost: Int = 8
    /// Largest response accepted (header section plus body). Larger: `RESPONSE_TOO_LARGE`.
    public var maxResponseBytes: Int = 64 * 1024 * 1024

    public init(connectTimeout: Double = 2, requestTimeout: Double = 10, maxIdlePerHost: Int = 8,
                maxResponseBytes: Int = 64 * 1024 * 1024) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxIdlePerHost = maxIdlePerHost
        self.maxResponseBytes = maxResponseBytes
    }
}
