import YongchainCore
import YongchainCrypto

/// The grey-list's state layout (a schema: changing a key's form changes every state hash). docs/greylist.md,
/// "State layout", draws it. `<v>/<P>` is a subject (`GreylistSubject.keyPart`), `<id>` a transaction hash in hex,
/// `<bank>` a member name, `<day>` the block's date in China Standard Time. Every rule reads single keys.
extension StateKey {
    static let greylistKeys = Array("greylist/keys".utf8)
    /// u32: the version a VRF key (33 bytes, in hex) was admitted as. Written when it is admitted and never deleted,
    /// so a key the ring held, in force or retired, is never admitted again.
    static func greylistUsedKey(_ key: [UInt8]) -> [UInt8] { Array("greylist/used-key/\(Hex.encode(key))".utf8) }
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
    public static func day(ofMilliseconds ms: Int64) -> UInt32 {
        let date = CivilDate(milliseconds: ms, offsetMs: 8 * 3_600_000)
        // Any Int64 time is within ±3·10^8 years, so the sum cannot overflow; clamp a corrupt one rather than trap.
        return UInt32(clamping: max(0, date.year * 10_000 + date.month * 100 + date.day))
    }
}
