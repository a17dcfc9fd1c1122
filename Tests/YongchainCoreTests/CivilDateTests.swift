import Testing
import YongchainCore

/// Block times to calendar dates, as every node must compute them alike, and never a trap on a corrupt time.
@Suite struct CivilDateTests {
    static func ymd(_ d: CivilDate) -> [Int64] { [d.year, d.month, d.day] }

    @Test func knownDates() {
        #expect(Self.ymd(CivilDate(milliseconds: 0)) == [1970, 1, 1])
        #expect(Self.ymd(CivilDate(milliseconds: -1)) == [1969, 12, 31])
        #expect(Self.ymd(CivilDate(milliseconds: 951_782_400_000)) == [2000, 2, 29])   // 2000-02-29T00:00:00Z
        #expect(Self.ymd(CivilDate(milliseconds: 1_609_459_199_999)) == [2020, 12, 31])
        // China Standard Time: 16:00 UTC is the next day's midnight.
        #expect(Self.ymd(CivilDate(milliseconds: 1_609_430_400_000, offsetMs: 8 * 3_600_000)) == [2021, 1, 1])
        #expect(Self.ymd(CivilDate(milliseconds: 1_609_430_399_999, offsetMs: 8 * 3_600_000)) == [2020, 12, 31])
    }

    @Test func theEndsOfTheRangeDoNotTrap() {
        for ms in [Int64.max, Int64.min, Int64.max - 1, Int64.min + 1] {
            let d = CivilDate(milliseconds: ms, offsetMs: 8 * 3_600_000)
            #expect((1...12).contains(d.month) && (1...31).contains(d.day))
        }
    }
}
