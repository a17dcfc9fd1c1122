/// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from the 31-character alphabet
/// 0-9 A-H J-N P-R T-U W-Y; the last is a check character, weighted mod 31.
public struct CreditCode: Sendable, Hashable, Codable, CustomStringConvertible {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    public let value: String

    /// Validates layout and check character; the error names `field`.
    public init(_ text: String, field: String = "creditCode") throws {
        let chars = Array(text)
        guard chars.count == 18 else { throw ValidationError(field: field, message: "a credit code has 18 characters, got \(chars.count)") }
        var sum = 0
        for i in 0..<17 {
            guard let v = CreditCode.alphabet.firstIndex(of: chars[i]) else {
                throw ValidationError(field: field, message: "character \(i + 1) '\(chars[i])' is not allowed (0-9, A-Z without I, O, Z, S, V)")
            }
            sum += v * CreditCode.weights[i]
        }
        let check = CreditCode.alphabet[(31 - sum % 31) % 31]
        guard chars[17] == check else {
            throw ValidationError(field: field, message: "check character is '\(chars[17])', expected '\(check)' (GB 32100-2015)")
        }
        value = text
    }

    /// The check character for 17 leading characters; for tests and tools that make codes.
    public static func checkCharacter(for first17: String) -> Character? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for i in 0..<17 {
            guard let v = alphabet.firstIndex(of: chars[i]) else { return nil }
            sum += v * weights[i]
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    public var description: String { value }

    public init(from decoder: Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self), field: decoder.fieldPath(or: "creditCode"))
    }
    public func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(value) }
}

/// A field that failed validation: `field` names it the way the API's JSON does.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}
