/// The proleptic Gregorian date of a block time, by Howard Hinnant's days-to-civil algorithm: pure arithmetic, so
/// every node gets the same date whatever its time zone or calendar library. One copy for every application rule
/// that counts by year or day (mortgage certificate years, grey-list days).
public struct CivilDate: Sendable, Equatable {
    public let year: Int64
    public let month: Int64
    public let day: Int64

    /// The date at `ms` (milliseconds since the Unix epoch) in the zone `offsetMs` ahead of UTC. Never traps: a
    /// time so near the ends of `Int64` that the offset overflows is taken at the end (only a corrupt one can be).
    public init(milliseconds ms: Int64, offsetMs: Int64 = 0) {
        let (shifted, overflow) = ms.addingReportingOverflow(offsetMs)
        let local = overflow ? (offsetMs > 0 ? Int64.max : Int64.min) : shifted
        let msPerDay: Int64 = 86_400_000
        var days = local / msPerDay
        if local % msPerDay < 0 { days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}
