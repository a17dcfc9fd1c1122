import YongchainCore
import YongchainCrypto

/// Encoding helpers shared by the mortgage registry's payloads and records. A namespace rather than extensions on
/// core types, so it cannot clash with helpers other areas of the application add.
enum MortgageCoding {
    static func writeOptional(_ w: inout CanonicalWriter, _ s: String?) {
        if let s { w.u8(1); w.string(s) } else { w.u8(0) }
    }
    static func readOptionalString(_ r: inout CanonicalReader, _ what: String, max: Int) throws -> String? {
        try r.bool(what) ? try r.string(what, max: max) : nil
    }
    static func writeOptional(_ w: inout CanonicalWriter, _ v: UInt32?) {
        if let v { w.u8(1); w.u32(v) } else { w.u8(0) }
    }
    static func readOptionalU32(_ r: inout CanonicalReader, _ what: String) throws -> UInt32? {
        try r.bool(what) ? try r.u32(what) : nil
    }
    static func writeOptional(_ w: inout CanonicalWriter, _ v: RecordedAt?) {
        if let v { w.u8(1); w.item(v) } else { w.u8(0) }
    }
    static func readOptionalRecordedAt(_ r: inout CanonicalReader, _ what: String) throws -> RecordedAt? {
        try r.bool(what) ? try r.item(RecordedAt.self) : nil
    }

    static func writeMoney(_ w: inout CanonicalWriter, _ m: Money) {
        w.i64(m.minorUnits)
        w.string(m.currency.code)
    }
    static func readMoney(_ r: inout CanonicalReader, _ what: String) throws -> Money {
        let units = try r.i64("\(what).minorUnits")
        let code = try r.string("\(what).currency", max: 8)
        let currency = try r.validated("\(what).currency") { try Currency(code) }
        return try r.validated("\(what).minorUnits") { try Money(minorUnits: units, currency: currency) }
    }

    static func money(_ m: JSONMoney, field: String) throws -> Money {
        let currency = try Currency(m.currency, field: "\(field).currency")
        return try Money(minorUnits: m.minorUnits, currency: currency, field: "\(field).minorUnits")
    }
    /// Money as JSON before validation: `{"minorUnits": 100000000, "currency": "CNY"}`.
    struct JSONMoney: Codable {
        var minorUnits: Int64
        var currency: String
    }

    static func nonEmpty(_ s: String, max: Int, field: String) throws {
        guard !s.isEmpty, s.utf8.count <= max else { throw ValidationError(field: field, message: "1 to \(max) bytes") }
    }
}

/// Where in the chain something happened: the block height and the block's time (ms since the Unix epoch).
public struct RecordedAt: Sendable, Equatable, Codable, CanonicalCodable {
    public let height: UInt64
    public let time: Int64

    public init(height: UInt64, time: Int64) {
        self.height = height
        self.time = time
    }
    init(_ ctx: BlockContext) { self.init(height: ctx.height, time: ctx.time) }

    public func encode(to w: inout CanonicalWriter) { w.u64(height); w.i64(time) }
    public init(from r: inout CanonicalReader) throws {
        height = try r.u64("recordedAt.height")
        time = try r.i64("recordedAt.time")
    }
}
