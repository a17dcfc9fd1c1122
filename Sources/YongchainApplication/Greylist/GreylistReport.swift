import YongchainCore
import YongchainCrypto

/// `greylist/report/<id>`: a bank's report and, once reviewed, the supervisor's decision. Read by the reporting
/// bank and the supervisor; never part of an entry.
public struct GreylistReport: Sendable, Equatable, CanonicalCodable {
    public enum Status: UInt8, Sendable { case pending = 0, published = 1, rejected = 2 }

    /// The reporting bank's member name (it survives key rotation).
    public var bank: String
    public var subject: GreylistSubject
    public var category: GreylistCategory
    public var evidence: Hash
    public var height: UInt64
    public var time: Int64
    public var status: Status = .pending
    /// The published category's tag or the rejection reason's; 0 while pending.
    public var decisionCode: UInt8 = 0
    public var decisionHash: Hash = .zero
    public var decidedHeight: UInt64 = 0

    init(bank: String, subject: GreylistSubject, category: GreylistCategory, evidence: Hash, height: UInt64, time: Int64) {
        self.bank = bank
        self.subject = subject
        self.category = category
        self.evidence = evidence
        self.height = height
        self.time = time
    }

    /// str bank ‖ subject ‖ u8 category ‖ hash evidence ‖ u64 height ‖ i64 time ‖ u8 status ‖ u8 decisionCode ‖
    /// hash decisionHash ‖ u64 decidedHeight
    public func encode(to w: inout CanonicalWriter) {
        w.string(bank)
        w.item(subject)
        w.u8(category.tag)
        w.hash(evidence)
        w.u64(height)
        w.i64(time)
        w.u8(status.rawValue)
        w.u8(decisionCode)
        w.hash(decisionHash)
        w.u64(decidedHeight)
    }

    public init(from r: inout CanonicalReader) throws {
        bank = try r.string("bank", max: 1024)
        subject = try r.item()
        category = try GreylistCategory.read(&r, "category")
        evidence = try r.hash("evidence")
        height = try r.u64("height")
        time = try r.i64("time")
        guard let s = Status(rawValue: try r.u8("status")) else { throw EncodingError.invalid("status", "0, 1 or 2") }
        status = s
        decisionCode = try r.u8("decisionCode")
        decisionHash = try r.hash("decisionHash")
        decidedHeight = try r.u64("decidedHeight")
    }

    static func load(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> GreylistReport? {
        try DamagedRecord.load(GreylistReport.self, StateKey.greylistReport(id), state)
    }
}
