import YongchainCore

/// `trade-lists/<enterprise>`: the length of each of an enterprise's numbered lists. Each list runs 1...count
/// with no gaps and only grows, so a query reads it with one `get` per entry (see `TradeStateKeys.swift`).
struct TradeListCounts: Sendable, Equatable, CanonicalCodable {
    /// `declaration-by-exporter/<enterprise>/<seq>`
    var declarations: UInt64 = 0
    /// `financing-by-exporter/<enterprise>/<seq>`
    var financings: UInt64 = 0
    /// `exposure-by-enterprise/<enterprise>/<seq>`
    var exposures: UInt64 = 0
    /// `authorization-by-enterprise/<enterprise>/<seq>`
    var authorizations: UInt64 = 0
    /// `credit-query/<enterprise>/<seq>`
    var queries: UInt64 = 0

    init() {}

    func encode(to w: inout CanonicalWriter) {
        w.u64(declarations)
        w.u64(financings)
        w.u64(exposures)
        w.u64(authorizations)
        w.u64(queries)
    }

    init(from r: inout CanonicalReader) throws {
        declarations = try r.u64("declarations")
        financings = try r.u64("financings")
        exposures = try r.u64("exposures")
        authorizations = try r.u64("authorizations")
        queries = try r.u64("queries")
    }

    /// The counts of enterprise `c`; all zero before its first trade-finance write.
    static func load(_ c: CreditCode, _ state: StateReader) throws(DamagedRecord) -> TradeListCounts {
        try DamagedRecord.load(TradeListCounts.self, StateKey.tradeLists(c), state) ?? TradeListCounts()
    }

    /// Appends `value` to the list of enterprise `c` counted by `list`, at position count + 1 under `key(position)`,
    /// and returns that position.
    @discardableResult
    static func append(_ c: CreditCode, _ list: WritableKeyPath<TradeListCounts, UInt64>, _ value: [UInt8], _ state: StateOverlay,
                       at key: (UInt64) -> [UInt8]) throws(DamagedRecord) -> UInt64 {
        var counts = try load(c, state)
        counts[keyPath: list] = try DamagedRecord.next(after: counts[keyPath: list], at: StateKey.tradeLists(c))
        let seq = counts[keyPath: list]
        state.set(key(seq), value)
        state.set(StateKey.tradeLists(c), counts.canonicalBytes)
        return seq
    }
}
