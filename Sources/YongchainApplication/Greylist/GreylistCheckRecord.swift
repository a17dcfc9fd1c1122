import YongchainCore
import YongchainCrypto

/// `greylist/check/<id>`: a bank's check, on the record before it is answered (docs/greylist.md, "The check").
/// A sweep removes it after `checkRecordLifetimeMs`; the block keeps it for ever.
public struct GreylistCheckRecord: Sendable, Equatable, CanonicalCodable {
    public enum Outcome: UInt8, Sendable { case none = 0, opened = 1, stopped = 2 }

    public var bank: String
    /// One subject per key version in force when it was checked, oldest version first.
    public var subjects: [GreylistSubject]
    public var purpose: GreylistPurpose
    public var height: UInt64
    public var time: Int64
    /// Whether a subject was listed at the check's own block (for the figures; an answer is judged at its header).
    public var hit: Bool
    public var outcome: Outcome = .none

    init(bank: String, subjects: [GreylistSubject], purpose: GreylistPurpose, height: UInt64, time: Int64, hit: Bool) {
        self.bank = bank
        self.subjects = subjects
        self.purpose = purpose
        self.height = height
        self.time = time
        self.hit = hit
    }

    /// str bank ‖ list(subject) ‖ u8 purpose ‖ u64 height ‖ i64 time ‖ u8 hit ‖ u8 outcome
    public func encode(to w: inout CanonicalWriter) {
        w.string(bank)
        w.list(subjects) { $0.item($1) }
        w.u8(purpose.tag)
        w.u64(height)
        w.i64(time)
        w.bool(hit)
        w.u8(outcome.rawValue)
    }

    public init(from r: inout CanonicalReader) throws {
        bank = try r.string("bank", max: 1024)
        subjects = try r.list("subjects", max: GreylistLimits.maxKeyVersions) { try $0.item() }
        purpose = try GreylistPurpose.read(&r, "purpose")
        height = try r.u64("height")
        time = try r.i64("time")
        hit = try r.bool("hit")
        guard let o = Outcome(rawValue: try r.u8("outcome")) else { throw EncodingError.invalid("outcome", "0, 1 or 2") }
        outcome = o
    }

    public static func load(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> GreylistCheckRecord? {
        try DamagedRecord.load(GreylistCheckRecord.self, StateKey.greylistCheck(id), state)
    }
}
