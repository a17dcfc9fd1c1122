/// Stable rejection codes. Clients match on these strings: never rename one; add new ones.
public enum Codes {
    public static let unknownType = "UNKNOWN_TX_TYPE"
    public static let malformedBody = "MALFORMED_BODY"
    public static let invalidField = "INVALID_FIELD"
    public static let forbiddenRole = "FORBIDDEN_ROLE"
    public static let unknownSigner = "UNKNOWN_SIGNER"
    public static let alreadyRegistered = "ALREADY_REGISTERED"
    public static let keyInUse = "KEY_IN_USE"
}
