import YongchainCore

/// A mortgage's term: the first and last day of the secured debt's period (for a maximum-amount mortgage, the
/// period in which the secured claims arise). Dates are calendar days in the contract, not instants: JSON
/// `{"start": "2020-03-01", "end": "2040-02-29"}`; canonically each is the number yyyymmdd as a `UInt32`.
public struct MortgageTerm: Sendable, Equatable, Codable {
    public var start: Day
    public var end: Day

    public init(start: Day, end: Day) {
        self.start = start
        self.end = end
    }

    /// `end` must come after `start`.
    func validate(field: String = "term") throws {
        guard start < end else { throw ValidationError(field: "\(field).end", message: "the term must end after it starts") }
    }

    func encode(to w: inout CanonicalWriter) {
        w.u32(start.yyyymmdd)
        w.u32(end.yyyymmdd)
    }

    init(from r: inout CanonicalReader, _ what: String) throws {
        let s = try r.u32("\(what).start"), e = try r.u32("\(what).end")
        start = try r.validated("\(what).start") { try Day(yyyymmdd: s, field: "\(what).start") }
        end = try r.validated("\(what).end") { try Day(yyyymmdd: e, field: "\(what).end") }
    }

    enum CodingKeys: String, CodingKey { case start, end }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        start = try Day(try c.decode(String.self, forKey: .start), field: JSONPath.of(decoder.codingPath, "start"))
        end = try Day(try c.decode(String.self, forKey: .end), field: JSONPath.of(decoder.codingPath, "end"))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(start.description, forKey: .start)
        try c.encode(end.description, forKey: .end)
    }

    /// A calendar date (proleptic Gregorian), years 1900 to 2199.
    public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let year: Int
        public let month: Int
        public let day: Int

        public init(year: Int, month: Int, day: Int, field: String = "date") throws {
            guard (1900...2199).contains(year) else { throw ValidationError(field: field, message: "year \(year) is outside 1900-2199") }
            guard (1...12).contains(month) else { throw ValidationError(field: field, message: "month \(month) is not 1-12") }
            guard (1...Day.daysIn(year: year, month: month)).contains(day) else {
                throw ValidationError(field: field, message: "\(year)-\(month) has no day \(day)")
            }
            self.year = year
            self.month = month
            self.day = day
        }

        /// Parses `YYYY-MM-DD`.
        public init(_ text: String, field: String = "date") throws {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                  parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
                  let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else {
                throw ValidationError(field: field, message: "'\(text)' is not a date YYYY-MM-DD")
            }
            try self.init(year: y, month: m, day: d, field: field)
        }

        init(yyyymmdd v: UInt32, field: String) throws {
            try self.init(year: Int(v / 10000), month: Int(v / 100 % 100), day: Int(v % 100), field: field)
        }

        var yyyymmdd: UInt32 { UInt32(year * 10000 + month * 100 + day) }

        static func daysIn(year: Int, month: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }

        public static func < (a: Day, b: Day) -> Bool { a.yyyymmdd < b.yyyymmdd }

        public var description: String {
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(year)-\(two(month))-\(two(day))"
        }
    }
}

/// A general mortgage secures one stated claim; a maximum-amount mortgage (最高额抵押) secures the claims arising
/// within the term up to the stated principal.
public enum MortgageType: String, Sendable, Codable, CaseIterable {
    case general
    case maximumAmount

    var tag: UInt8 { self == .general ? 1 : 2 }
    init(tag: UInt8) throws {
        switch tag {
        case 1: self = .general
        case 2: self = .maximumAmount
        default: throw EncodingError.invalid("mortgageType", "unknown mortgage type \(tag)")
        }
    }
}

/// The UTC calendar year of a block time (ms since the Unix epoch).
func mortgageUTCYear(ofMilliseconds ms: Int64) -> Int { Int(CivilDate(milliseconds: ms).year) }
