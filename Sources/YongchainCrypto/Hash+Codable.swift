/// A hash in JSON (and any other `Codable` form) is its API text: 64 lower-case hex digits. Decoding accepts
/// either case, as `init?(hex:)` does; anything else fails with `DecodingError.dataCorrupted` at the field's
/// coding path, so the caller can name the field.
extension Hash: Codable {
    /// What a malformed hash is told: the `debugDescription` of the decoding error.
    public static let textFormError = "not a hash (expected 64 hex digits)"

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let h = Hash(hex: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: Hash.textFormError)
        }
        self = h
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}
