import YongchainCore

/// The grey-list's governance parameters (docs/greylist.md, "Parameters and limits"), stored at
/// `greylist/parameters` (absent: these defaults) and replaced whole by the governance action
/// `greylist.setParameters`. JSON decoding requires every field: a forgotten one must not take a default.
public struct GreylistParameters: Sendable, Equatable, Codable {
    /// How long a publication or renewal lists a subject, in block time. Default 730 days; 1 second to 3,650 days
    /// (as governance's `votingPeriodMs`, the floor is test-sized: a test network lets an entry expire in seconds;
    /// a consortium sets days).
    public var entryLifetimeMs: Int64 = 63_072_000_000
    /// How long after its check record a bank may ask for the answer. Default 10 minutes; 1 minute to 1 day.
    public var checkAnswerWindowMs: Int64 = 600_000
    /// How long a check record stays before a sweep may remove it (the time to record an outcome). Default 7 days;
    /// at least `checkAnswerWindowMs`, at most 90 days.
    public var checkRecordLifetimeMs: Int64 = 604_800_000
    /// A bank's checks per day (UTC+8). Default 20,000; 1 to 10^7.
    public var maxChecksPerBankPerDay: UInt64 = 20_000
    /// A bank's reports awaiting review. Default 1,000; 1 to 10^6.
    public var maxPendingReportsPerBank: UInt64 = 1_000
    /// A bank's appeals awaiting decision. Default 200; 1 to 10^6.
    public var maxPendingAppealsPerBank: UInt64 = 200

    static let day: Int64 = 86_400_000

    public init() {}

    public init(entryLifetimeMs: Int64, checkAnswerWindowMs: Int64, checkRecordLifetimeMs: Int64, maxChecksPerBankPerDay: UInt64,
                maxPendingReportsPerBank: UInt64, maxPendingAppealsPerBank: UInt64) {
        self.entryLifetimeMs = entryLifetimeMs
        self.checkAnswerWindowMs = checkAnswerWindowMs
        self.checkRecordLifetimeMs = checkRecordLifetimeMs
        self.maxChecksPerBankPerDay = maxChecksPerBankPerDay
        self.maxPendingReportsPerBank = maxPendingReportsPerBank
        self.maxPendingAppealsPerBank = maxPendingAppealsPerBank
    }

    /// Range checks; throws `ValidationError` naming the field under `field`.
    func validate(field f: String = "action.parameters") throws {
        func check<T: Comparable>(_ v: T, _ range: ClosedRange<T>, _ name: String, _ words: String) throws {
            guard range.contains(v) else { throw ValidationError(field: "\(f).\(name)", message: "\(words), not \(v)") }
        }
        try check(entryLifetimeMs, 1_000...3_650 * Self.day, "entryLifetimeMs", "1 second to 3,650 days (1,000 to 315,360,000,000)")
        try check(checkAnswerWindowMs, 60_000...Self.day, "checkAnswerWindowMs", "1 minute to 1 day (60,000 to 86,400,000)")
        try check(checkRecordLifetimeMs, checkAnswerWindowMs...90 * Self.day, "checkRecordLifetimeMs",
                  "at least checkAnswerWindowMs (\(checkAnswerWindowMs)), at most 90 days (7,776,000,000)")
        try check(maxChecksPerBankPerDay, 1...10_000_000, "maxChecksPerBankPerDay", "1 to 10,000,000")
        try check(maxPendingReportsPerBank, 1...1_000_000, "maxPendingReportsPerBank", "1 to 1,000,000")
        try check(maxPendingAppealsPerBank, 1...1_000_000, "maxPendingAppealsPerBank", "1 to 1,000,000")
    }

    enum CodingKeys: String, CodingKey {
        case entryLifetimeMs, checkAnswerWindowMs, checkRecordLifetimeMs, maxChecksPerBankPerDay, maxPendingReportsPerBank, maxPendingAppealsPerBank
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entryLifetimeMs: try c.decode(Int64.self, forKey: .entryLifetimeMs),
                  checkAnswerWindowMs: try c.decode(Int64.self, forKey: .checkAnswerWindowMs),
                  checkRecordLifetimeMs: try c.decode(Int64.self, forKey: .checkRecordLifetimeMs),
                  maxChecksPerBankPerDay: try c.decode(UInt64.self, forKey: .maxChecksPerBankPerDay),
                  maxPendingReportsPerBank: try c.decode(UInt64.self, forKey: .maxPendingReportsPerBank),
                  maxPendingAppealsPerBank: try c.decode(UInt64.self, forKey: .maxPendingAppealsPerBank))
    }

    /// The parameters in force: the state's, or the defaults until `greylist.setParameters` passes.
    public static func load(_ state: StateReader) throws(DamagedRecord) -> GreylistParameters {
        try DamagedRecord.load(GreylistParameters.self, StateKey.greylistParameters, state) ?? GreylistParameters()
    }
}

extension GreylistParameters: CanonicalCodable {
    /// i64(entryLifetimeMs) ‖ i64(checkAnswerWindowMs) ‖ i64(checkRecordLifetimeMs) ‖ u64(maxChecksPerBankPerDay) ‖
    /// u64(maxPendingReportsPerBank) ‖ u64(maxPendingAppealsPerBank)
    public func encode(to w: inout CanonicalWriter) {
        w.i64(entryLifetimeMs)
        w.i64(checkAnswerWindowMs)
        w.i64(checkRecordLifetimeMs)
        w.u64(maxChecksPerBankPerDay)
        w.u64(maxPendingReportsPerBank)
        w.u64(maxPendingAppealsPerBank)
    }

    /// Decodes and range-checks, so no parameter from outside is used unchecked.
    public init(from r: inout CanonicalReader) throws {
        self.init(entryLifetimeMs: try r.i64("parameters.entryLifetimeMs"), checkAnswerWindowMs: try r.i64("parameters.checkAnswerWindowMs"),
                  checkRecordLifetimeMs: try r.i64("parameters.checkRecordLifetimeMs"),
                  maxChecksPerBankPerDay: try r.u64("parameters.maxChecksPerBankPerDay"),
                  maxPendingReportsPerBank: try r.u64("parameters.maxPendingReportsPerBank"),
                  maxPendingAppealsPerBank: try r.u64("parameters.maxPendingAppealsPerBank"))
        try validate()
    }
}

/// Fixed bounds (docs/greylist.md): a change is a software change.
enum GreylistLimits {
    /// Items in one `greylist.sweep` (entries and checks together) or one `greylist.rekey`.
    static let maxBatchItems = 1_000
    /// Key versions held at once.
    static let maxKeyVersions = 2
}
