import YongchainCore
import YongchainCrypto

/// `greylist/stats`: the counts the seed reports (open, for the status page).
public struct GreylistStats: Sendable, Equatable, CanonicalCodable {
    public enum Count: Int, CaseIterable, Sendable {
        case reports, publications, rejections, renewals, withdrawals, expiries, appeals, appealsUpheld, checks, hits, stopped
    }
    public private(set) var counts = [UInt64](repeating: 0, count: Count.allCases.count)

    public subscript(_ c: Count) -> UInt64 { counts[c.rawValue] }

    init() {}

    /// u64 × 11, in `Count` order.
    public func encode(to w: inout CanonicalWriter) { for c in counts { w.u64(c) } }
    public init(from r: inout CanonicalReader) throws { for i in counts.indices { counts[i] = try r.u64("stats") } }

    public static func load(_ state: StateReader) throws(DamagedRecord) -> GreylistStats {
        try DamagedRecord.load(GreylistStats.self, StateKey.greylistStats, state) ?? GreylistStats()
    }

    /// Adds `n` to each of `counts` in state.
    static func add(_ counts: Count..., by n: UInt64 = 1, state: StateOverlay) throws(DamagedRecord) {
        var s = try load(state)
        for c in counts { s.counts[c.rawValue] &+= n }
        state.set(StateKey.greylistStats, s.canonicalBytes)
    }
}

/// `greylist/pending/<bank>`: the bank's pending reports and appeals, for its limits.
struct GreylistPending: Sendable, Equatable, CanonicalCodable {
    var reports: UInt32 = 0
    var appeals: UInt32 = 0

    init() {}
    func encode(to w: inout CanonicalWriter) { w.u32(reports); w.u32(appeals) }
    init(from r: inout CanonicalReader) throws {
        reports = try r.u32("reports")
        appeals = try r.u32("appeals")
    }

    static func load(_ bank: String, _ state: StateReader) throws(DamagedRecord) -> GreylistPending {
        try DamagedRecord.load(GreylistPending.self, StateKey.greylistPending(bank), state) ?? GreylistPending()
    }

    /// Changes the bank's counts; both at 0 deletes the key.
    static func update(_ bank: String, _ state: StateOverlay, _ change: (inout GreylistPending) -> Void) throws(DamagedRecord) {
        var p = try load(bank, state)
        change(&p)
        if p == GreylistPending() { state.delete(StateKey.greylistPending(bank)) } else { state.set(StateKey.greylistPending(bank), p.canonicalBytes) }
    }
}

/// `greylist/daily/<bank>/<day>`: a bank's checks, hits and stopped openings on one day (UTC+8).
public struct GreylistDaily: Sendable, Equatable, CanonicalCodable {
    public var checks: UInt64 = 0
    public var hits: UInt64 = 0
    public var stopped: UInt64 = 0

    init() {}
    public func encode(to w: inout CanonicalWriter) { w.u64(checks); w.u64(hits); w.u64(stopped) }
    public init(from r: inout CanonicalReader) throws {
        checks = try r.u64("checks")
        hits = try r.u64("hits")
        stopped = try r.u64("stopped")
    }

    static func load(_ bank: String, _ day: UInt32, _ state: StateReader) throws(DamagedRecord) -> GreylistDaily {
        try DamagedRecord.load(GreylistDaily.self, StateKey.greylistDaily(bank, day), state) ?? GreylistDaily()
    }

    static func update(_ bank: String, _ day: UInt32, _ state: StateOverlay,
                       _ change: (inout GreylistDaily, _ key: [UInt8]) throws(DamagedRecord) -> Void) throws(DamagedRecord) {
        var d = try load(bank, day, state)
        try change(&d, StateKey.greylistDaily(bank, day))
        state.set(StateKey.greylistDaily(bank, day), d.canonicalBytes)
    }
}
