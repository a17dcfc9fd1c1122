import YongchainCore
import YongchainCrypto

/// Small canonical-encoding and validation helpers shared by the trade files.
enum TradeWire {
    static func pad(_ v: UInt64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// A list position in a state key: 20 digits, so every `UInt64` fits and key order is list order.
    static func seq(_ v: UInt64) -> String { pad(v, 20) }

    /// A paging cursor: the sequence number of the last entry of the previous page, or 0 (from the start) when
    /// absent. Throws `ValidationError` naming `field` unless it is 1 to 20 ASCII digits that fit a `UInt64`.
    static func cursor(_ text: String?, field: String) throws -> UInt64 {
        guard let text else { return 0 }
        guard !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = UInt64(text) else {
            throw ValidationError(field: field, message: "not a cursor returned by a previous page (a sequence number of 1 to 20 digits)")
        }
        return v
    }

    /// One page of a list numbered 1...`count`: the positions after `after`, at most `limit` of them, and whether
    /// more follow. Never overflows, whatever `after` is.
    static func page(after: UInt64, count: UInt64, limit: Int) -> (seqs: [UInt64], next: String?) {
        guard after < count, limit > 0 else { return ([], nil) }
        let last = after + min(UInt64(limit), count - after)
        return (Array((after + 1)...last), last < count ? String(last) : nil)
    }

    static func money(_ w: inout CanonicalWriter, _ m: Money) {
        w.i64(m.minorUnits)
        w.string(m.currency.code)
    }

    /// `field.minorUnits` then `field.currency`; a value that breaks its rule is a `ValidationError` naming it.
    static func money(_ r: inout CanonicalReader, _ field: String) throws -> Money {
        let units = try r.i64("\(field).minorUnits")
        let code = try r.string("\(field).currency", max: 8)
        let currency = try r.validated("\(field).currency") { try Currency(code) }
        return try r.validated("\(field).minorUnits") { try Money(minorUnits: units, currency: currency) }
    }

    static func creditCode(_ r: inout CanonicalReader, _ field: String) throws -> CreditCode {
        let text = try r.string(field, max: 64)
        return try r.validated(field) { try CreditCode(text) }
    }

    static func declarationNumber(_ r: inout CanonicalReader, _ field: String) throws -> DeclarationNumber {
        let text = try r.string(field, max: 64)
        return try r.validated(field) { try DeclarationNumber(text) }
    }

    /// JSON decoding of `Money` bypasses its validating initialiser, so payloads re-check amounts here.
    static func checkMoney(_ m: Money, _ field: String) throws {
        _ = try Money(minorUnits: m.minorUnits, currency: try Currency(m.currency.code, field: "\(field).currency"), field: "\(field).minorUnits")
    }

    /// An export date is a calendar date written as the integer YYYYMMDD (e.g. 20200315), years 1900-9999.
    static func checkDate(_ d: UInt32, _ field: String) throws {
        let y = d / 10000, m = d / 100 % 100, day = d % 100
        let days: [UInt32] = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1900...9999).contains(y), (1...12).contains(m), day >= 1, day <= days[Int(m) - 1] else {
            throw ValidationError(field: field, message: "\(d) is not a calendar date written YYYYMMDD")
        }
    }
}
