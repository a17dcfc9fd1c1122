/// A public key in JSON (and any other `Codable` form) is its API text, `text`: `ed25519:<64 hex>` or `sm2:<130 hex>`. Decoding
/// accepts what `init?(text:)` accepts; anything else fails with `DecodingError.dataCorrupted` at the field's
/// coding path, so the caller can name the field.
extension PublicKey: Codable {
    /// What a malformed key is told: the `debugDescription` of the decoding error.
    public static let textFormError = "not a public key (expected ed25519:<64 hex> or sm2:<130 hex>)"

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let k = PublicKey(text: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: PublicKey.textFormError)
        }
        self = k
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
