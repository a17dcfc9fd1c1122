/// The signature algorithms a key may have. Every key carries its own (`PublicKey.suite`), on chain, in genesis,
/// member cards, config, the CLI and the API, so members of one chain choose theirs; a key of one algorithm is
/// never taken as the other's. Callers never switch on the suite: they hold `PublicKey` / `PrivateKey`, which do.
///
/// - `ed25519` (RFC 8032): 32-byte keys, 64-byte signatures over the message itself.
/// - `sm2` (GB/T 32918.2 with SM3 and the default distinguishing identifier, `SM2`): 65-byte uncompressed
///   points, 64-byte raw `r ‖ s` signatures.
public enum SignatureSuite: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case ed25519 = 1
    case sm2 = 2

    public var name: String {
        switch self {
        case .ed25519: return "ed25519"
        case .sm2: return "sm2"
        }
    }
    public var description: String { name }
    public init?(name: String) {
        guard let s = SignatureSuite.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }
    public var publicKeyLength: Int {
        switch self {
        case .ed25519: return 32
        case .sm2: return SM2.publicKeyLength
        }
    }
    public var signatureLength: Int { 64 }

    /// The hash that goes with the algorithm where a signed message carries a digest of other bytes (a signed API
    /// request's body): SHA-256 for Ed25519, SM3 for SM2 (GB/T 32918 pairs SM2 with SM3), so a message an SM2 key
    /// signs holds no other hash function, whatever the chain's suite.
    public var digestSuite: HashSuite {
        switch self {
        case .ed25519: return .sha256
        case .sm2: return .sm3
        }
    }

    /// The text form of a key of this suite, for error messages: `ed25519:<64 hex>`.
    public var keyTextForm: String { "\(name):<\(2 * publicKeyLength) hex>" }
    /// Every suite's text form, for error messages.
    public static var keyTextForms: String { allCases.map(\.keyTextForm).joined(separator: " or ") }
}
