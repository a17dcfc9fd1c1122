import YongchainCore
import YongchainCrypto

/// The grey-list's state layout (a schema: changing a key's form changes every state hash). docs/greylist.md,
/// "State layout", draws it. `<v>/<P>` is a subject (`GreylistSubject.keyPart`), `<id>` a transaction hash in hex,
/// `<bank>` a member name, `<day>` the block's date in China Standard Time. Every rule reads single keys.
extension StateKey {
    static let greylistKeys = Array("greylist/keys".utf8)
    static let greylistParameters = Array("greylist/parameters".utf8)
    static let greylistStats = Array("greylist/stats".utf8)
    static func greylistEntry(_ s: GreylistSubject) -> [UInt8] { Array("greylist/entry/\(s.keyPart)".utf8) }
    static func greylistReport(_ id: Hash) -> [UInt8] { Array("greylist/report/\(id.hex)".utf8) }
    /// The pending report of `bank` on the subject: its id, 32 bytes.
    static func greylistOpenReport(_ bank: String, _ s: GreylistSubject) -> [UInt8] { Array("greylist/open-report/\(bank)/\(s.keyPart)".utf8) }
    static func greylistAppeal(_ id: Hash) -> [UInt8] { Array("greylist/appeal/\(id.hex)".utf8) }
    /// The pending appeal of `bank` on the subject: its id, 32 bytes.
    static func greylistOpenAppeal(_ bank: String, _ s: GreylistSubject) -> [UInt8] { Array("greylist/open-appeal/\(bank)/\(s.keyPart)".utf8) }
    /// u32: pending appeals on the subject, whoever filed them (the entry's `underAppeal`).
    static func greylistOpenAppeals(_ s: GreylistSubject) -> [UInt8] { Array("greylist/open-appeals/\(s.keyPart)".utf8) }
    static func greylistPending(_ bank: String) -> [UInt8] { Array("greylist/pending/\(bank)".utf8) }
    static func greylistCheck(_ id: Hash) -> [UInt8] { Array("greylist/check/\(id.hex)".utf8) }
    static func greylistDaily(_ bank: String, _ day: UInt32) -> [UInt8] { Array("greylist/daily/\(bank)/\(day)".utf8) }
}

extension Greylist {
    /// The date, as the integer YYYYMMDD, of block time `ms` in China Standard Time (UTC+8): a grey-list day.
    /// Howard Hinnant's days-to-civil, pure arithmetic, so every node agrees whatever its time zone.
    public static func day(ofMilliseconds ms: Int64) -> UInt32 {
        let msPerDay: Int64 = 86_400_000
        let local = ms + 8 * 3_600_000
        let days = local >= 0 ? local / msPerDay : (local - msPerDay + 1) / msPerDay
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        // Block times are after genesis, so the year is positive and small; clamp rather than trap on a corrupt one.
        return UInt32(clamping: max(0, y * 10_000 + m * 100 + d))
    }
}
