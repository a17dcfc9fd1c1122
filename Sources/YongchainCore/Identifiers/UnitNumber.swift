/// Real-estate unit number (不动产单元号), GB/T 37346: 28 characters in five layers —
/// county code (6 digits) · cadastral zone (3) and sub-zone (3) · parcel feature code (ownership G/J/Z, then a
/// use letter) and parcel sequence (5 digits) · fixture feature code (F building, L forest, Q other, W none) and
/// fixture unit number (8 digits, all zero for W).
public struct UnitNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ text: String, field: String = "unitNumber") throws {
        let c = Array(text.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.allSatisfy { c[$0] >= 48 && c[$0] <= 57 } }
        guard c.count == 28 else { throw ValidationError(field: field, message: "a unit number has 28 characters, got \(text.count)") }
        guard digits(0..<6) else { throw ValidationError(field: field, message: "characters 1-6 are the county code (digits)") }
        guard digits(6..<12) else { throw ValidationError(field: field, message: "characters 7-12 are the cadastral zone and sub-zone (digits)") }
        guard [UInt8(ascii: "G"), UInt8(ascii: "J"), UInt8(ascii: "Z")].contains(c[12]) else {
            throw ValidationError(field: field, message: "character 13 is the land ownership code: G, J or Z")
        }
        guard c[13] >= UInt8(ascii: "A"), c[13] <= UInt8(ascii: "Z") else {
            throw ValidationError(field: field, message: "character 14 is the land use code: a capital letter")
        }
        guard digits(14..<19) else { throw ValidationError(field: field, message: "characters 15-19 are the parcel sequence (digits)") }
        guard [UInt8(ascii: "F"), UInt8(ascii: "L"), UInt8(ascii: "Q"), UInt8(ascii: "W")].contains(c[19]) else {
            throw ValidationError(field: field, message: "character 20 is the fixture code: F, L, Q or W")
        }
        guard digits(20..<28) else { throw ValidationError(field: field, message: "characters 21-28 are the fixture unit number (digits)") }
        if c[19] == UInt8(ascii: "W") && !c[20..<28].allSatisfy({ $0 == 48 }) {
            throw ValidationError(field: field, message: "with fixture code W (no fixture) the unit number is 00000000")
        }
        value = text
    }

    public var description: String { value }
    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self), field: decoder.fieldPath(or: "unitNumber")) }
    public func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(value) }
}

/// Customs declaration number: 18 digits.
public struct DeclarationNumber: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let value: String

    public init(_ text: String, field: String = "declarationNumber") throws {
        guard text.utf8.count == 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw ValidationError(field: field, message: "a customs declaration number is 18 digits")
        }
        value = text
    }

    public var description: String { value }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self), field: decoder.fieldPath(or: "declarationNumber")) }
    public func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(value) }
}

/// Resident identity number (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character (0-9 or X).
public struct ResidentID: Sendable, Hashable, CustomStringConvertible {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks = Array("10X98765432")
    public let value: String

    public init(_ text: String, field: String = "id") throws {
        let c = Array(text.utf8)
        guard c.count == 18 else { throw ValidationError(field: field, message: "a resident identity number has 18 characters") }
        var sum = 0
        for i in 0..<17 {
            guard c[i] >= 48, c[i] <= 57 else { throw ValidationError(field: field, message: "characters 1-17 are digits") }
            sum += Int(c[i] - 48) * ResidentID.weights[i]
        }
        let expected = ResidentID.checks[sum % 11]
        guard c[17] == expected.asciiValue! else {
            throw ValidationError(field: field, message: "check character is '\(Character(UnicodeScalar(c[17])))', expected '\(expected)' (GB 11643)")
        }
        value = text
    }

    public static func checkCharacter(for first17: String) -> Character? {
        let c = Array(first17)
        guard c.count == 17 else { return nil }
        var sum = 0
        for i in 0..<17 { guard let d = c[i].wholeNumberValue else { return nil }; sum += d * weights[i] }
        return checks[sum % 11]
    }

    public var description: String { value }
}
