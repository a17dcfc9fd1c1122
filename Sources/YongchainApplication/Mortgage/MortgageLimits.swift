/// Bounds on every mortgage-registry input that crosses the trust boundary. Changing one changes which
/// transactions are valid, so these are chain rules, not node settings.
public enum MortgageLimits {
    /// Owners of one unit (co-owners); also the most mortgagors an application can list.
    public static let maxOwners = 16
    /// Title certificate and registration certificate numbers, in UTF-8 bytes.
    public static let maxCertificateNumberBytes = 64
    /// A person's or organisation's name, in UTF-8 bytes.
    public static let maxNameBytes = 200
    /// The use of a property ("residential", "commercial", ...), in UTF-8 bytes.
    public static let maxUseBytes = 100
    /// A court order number, in UTF-8 bytes.
    public static let maxCourtOrderBytes = 100
    /// A rejection reason, in UTF-8 bytes.
    public static let maxReasonBytes = 500
    /// Area in hundredths of a square metre: 10^10 is 100 km², far above any single unit.
    public static let maxAreaHundredths: UInt64 = 10_000_000_000
    /// A mortgagor's signature, in bytes (Ed25519 signatures are 64).
    public static let maxSignatureBytes = 256
    /// Filings returned by one page of `MortgageQueries.filings` unless the caller asks for fewer.
    public static let defaultPageSize = 20
    /// The most filings one page may return.
    public static let maxPageSize = 100
}
