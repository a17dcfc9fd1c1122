/// Limits on trade-finance input. Every list that crosses the trust boundary is bounded.
public enum TradeLimits {
    /// Declarations in one `declaration.publish` batch.
    public static let maxDeclarationsPerBatch = 1000
    /// Declarations pledged by one financing.
    public static let maxPledgesPerFinancing = 100
    /// Declarations in one pre-check request.
    public static let maxPrecheckItems = 1000
    /// Bytes of a credit query's stated purpose.
    public static let maxPurposeBytes = 200
    /// Default and maximum page size of list queries.
    public static let defaultPageSize = 200
    public static let maxPageSize = 1000
    /// How long after its block a logged credit query may be answered (ms of block time): long enough to page
    /// through a large record, short enough that one log entry is not a standing permission.
    public static let queryAnswerWindowMs: Int64 = 10 * 60 * 1000
}
