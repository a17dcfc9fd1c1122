import YongchainHTTP

/// Every number a URL carries (query parameters and path segments) is read here, and only here: a value that is
/// not a plain decimal integer, or lies outside the parameter's documented range, is a 400 naming the parameter
/// (docs/http.md, "Parameters"). Swift traps on overflow and on a failed integer conversion, and a trap stops the
/// whole node, so nothing outside this file converts a parameter's text to a number.
enum Parameter {
    /// Longest digit string read: more digits than any 64-bit value has is refused before parsing.
    static let maxDigits = 20

    /// `text` as a whole number in `range`. Accepts ASCII digits with an optional leading '-' (only where the range
    /// has negatives); refuses '+', spaces, exponents, fractions and empty text. Throws 400 `code`.
    static func integer<T: FixedWidthInteger>(_ text: String, name: String, in range: ClosedRange<T>, code: String) throws -> T {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard !digits.isEmpty, digits.count <= maxDigits, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let n = T(text, radix: 10), range.contains(n) else {
            throw APIError.badRequest(code, "\(name): a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(40))'")
        }
        return n
    }

    /// The query parameter `name` as a whole number in `range`; `defaultValue` when it is absent.
    static func integer<T: FixedWidthInteger>(_ req: HTTPRequest, _ name: String, in range: ClosedRange<T>, default defaultValue: T,
                                              code: String = NodeCode.invalidParameter) throws -> T {
        guard let text = req.query[name] else { return defaultValue }
        return try integer(text, name: name, in: range, code: code)
    }

    /// The query parameter `name` as a whole number in `range`, or nil when it is absent.
    static func optionalInteger<T: FixedWidthInteger>(_ req: HTTPRequest, _ name: String, in range: ClosedRange<T>,
                                                      code: String = NodeCode.invalidParameter) throws -> T? {
        guard let text = req.query[name] else { return nil }
        return try integer(text, name: name, in: range, code: code)
    }

    /// Heights are stored as SQLite integers (signed 64-bit), so no height above this can exist.
    static let maxHeight = UInt64(Int64.max)
}
