/// Rejection codes of the mortgage registry. Stable: clients match on these strings, so never rename one.
/// `docs/mortgage.md` says when each happens.
extension Codes {
    public static let unknownProperty = "UNKNOWN_PROPERTY"
    public static let propertySeized = "PROPERTY_SEIZED"
    public static let alreadySeized = "ALREADY_SEIZED"
    public static let notSeized = "NOT_SEIZED"
    public static let notOwner = "NOT_OWNER"
    public static let missingMortgagorSignature = "MISSING_MORTGAGOR_SIGNATURE"
    public static let badMortgagorSignature = "BAD_MORTGAGOR_SIGNATURE"
    public static let duplicateApplication = "DUPLICATE_APPLICATION"
    public static let notMortgagee = "NOT_MORTGAGEE"
    public static let unknownApplication = "UNKNOWN_APPLICATION"
    public static let alreadyDecided = "ALREADY_DECIDED"
    public static let mortgageNotRegistered = "MORTGAGE_NOT_REGISTERED"
    public static let dischargePending = "DISCHARGE_PENDING"
    public static let noDischargeApplication = "NO_DISCHARGE_APPLICATION"
    public static let alreadyDischarged = "ALREADY_DISCHARGED"
}
