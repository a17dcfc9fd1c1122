import YongchainCore
import YongchainCrypto

/// `greylist/appeal/<id>`: an appeal a bank filed for a subject, and the supervisor's decision.
public struct GreylistAppeal: Sendable, Equatable, CanonicalCodable {
    public enum Status: UInt8, Sendable { case pending = 0, upheld = 1, dismissed = 2 }

    public var bank: String
    public var subject: GreylistSubject
    public var evidence: Hash
    public var height: UInt64
    public var time: Int64
    public var status: Status = .pending
    public var decisionHash: Hash = .zero
    public var decidedHeight: UInt64 = 0

    init(bank: String, subject: GreylistSubject, evidence: Hash, height: UInt64, time: Int64) {
        self.bank = bank
        self.subject = subject
        self.evidence = evidence
        self.height = height
        self.time = time
    }

    /// str bank ‖ subject ‖ hash evidence ‖ u64 height ‖ i64 time ‖ u8 status ‖ hash decisionHash ‖ u64 decidedHeight
    public func encode(to w: inout CanonicalWriter) {
        w.string(bank)
        w.item(subject)
        w.hash(evidence)
        w.u64(height)
        w.i64(time)
        w.u8(status.rawValue)
        w.hash(decisionHash)
        w.u64(decidedHeight)
    }

    public init(from r: inout CanonicalReader) throws {
        bank = try r.string("bank", max: 1024)
        subject = try r.item()
        evidence = try r.hash("evidence")
        height = try r.u64("height")
        time = try r.i64("time")
        guard let s = Status(rawValue: try r.u8("status")) else { throw EncodingError.invalid("status", "0, 1 or 2") }
        status = s
        decisionHash = try r.hash("decisionHash")
        decidedHeight = try r.u64("decidedHeight")
    }

    static func load(_ id: Hash, _ state: StateReader) throws(DamagedRecord) -> GreylistAppeal? {
        try DamagedRecord.load(GreylistAppeal.self, StateKey.greylistAppeal(id), state)
    }
}
