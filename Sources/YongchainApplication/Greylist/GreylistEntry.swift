import YongchainCore
import YongchainCrypto

/// `greylist/entry/<v>/<P>`: a published subject. No reporter, no count of reports.
public struct GreylistEntry: Sendable, Equatable, CanonicalCodable {
    public var category: GreylistCategory
    /// Block time of the first publication; a renewal keeps it.
    public var since: Int64
    /// Listed while block time < expiresAt.
    public var expiresAt: Int64
    /// An appeal on the subject is pending.
    public var underAppeal: Bool

    /// u8 category ‖ i64 since ‖ i64 expiresAt ‖ u8 underAppeal
    public func encode(to w: inout CanonicalWriter) {
        w.u8(category.tag)
        w.i64(since)
        w.i64(expiresAt)
        w.bool(underAppeal)
    }

    public init(category: GreylistCategory, since: Int64, expiresAt: Int64, underAppeal: Bool) {
        self.category = category
        self.since = since
        self.expiresAt = expiresAt
        self.underAppeal = underAppeal
    }

    public init(from r: inout CanonicalReader) throws {
        category = try GreylistCategory.read(&r, "category")
        since = try r.i64("since")
        expiresAt = try r.i64("expiresAt")
        underAppeal = try r.bool("underAppeal")
    }

    public func listed(at time: Int64) -> Bool { time < expiresAt }

    static func load(_ s: GreylistSubject, _ state: StateReader) throws(DamagedRecord) -> GreylistEntry? {
        try DamagedRecord.load(GreylistEntry.self, StateKey.greylistEntry(s), state)
    }
}
