/// What the server's connection limits have done since it started, for metrics (`HTTPServer.connectionStats`).
public struct HTTPServerConnectionStats: Sendable, Equatable {
    /// Connections being served now.
    public var open: Int
    /// Connections accepted since start, refused ones included.
    public var accepted: Int
    /// Idle connections closed to make room for a new one at `maxConnections`.
    public var evicted: Int
    /// Connections whose request arrived slower than `minRequestBytesPerSecond`, closed for the same reason.
    public var evictedSlow: Int
    /// New connections answered 503 `TOO_MANY_CONNECTIONS`: at the limit with nothing idle to evict.
    public var refusedAtLimit: Int
    /// New connections answered 503 `TOO_MANY_CONNECTIONS_FROM_ADDRESS`: their address held its cap.
    public var refusedFromAddress: Int

    public init(open: Int, accepted: Int, evicted: Int, evictedSlow: Int = 0, refusedAtLimit: Int, refusedFromAddress: Int) {
        self.open = open
        self.accepted = accepted
        self.evicted = evicted
        self.evictedSlow = evictedSlow
        self.refusedAtLimit = refusedAtLimit
        self.refusedFromAddress = refusedFromAddress
    }
}
