import YongchainCore
import YongchainCrypto

/// How an owner, a mortgagor or a debtor appears on chain: a natural person only as the commitment of their
/// identity and salt (`PersonOpening`), never their number or name; an organisation by its unified social credit
/// code, which is no personal information.
///
/// Canonical: `u8(1) ‖ hash(commitment)` or `u8(2) ‖ str(creditCode)`. JSON: one of the fields
/// `"commitment": "<64 hex>"` or `"creditCode": "…"`, among those of the object that holds it.
public enum ChainIdentity: Sendable, Hashable, CustomStringConvertible {
    case person(Hash)
    case organisation(CreditCode)

    /// The person `opening` opens, on a chain of hash suite `suite`.
    public static func person(_ opening: PersonOpening, suite: HashSuite) -> ChainIdentity { .person(opening.commitment(suite)) }

    public var description: String {
        switch self {
        case .person(let c): return "person \(c.hex)"
        case .organisation(let code): return "creditCode \(code.value)"
        }
    }

    var isPerson: Bool {
        if case .person = self { return true }
        return false
    }

    /// The JSON field that holds it: `commitment` or `creditCode`.
    var field: String {
        switch self {
        case .person: return Keys.commitment.rawValue
        case .organisation: return Keys.creditCode.rawValue
        }
    }

    func encode(to w: inout CanonicalWriter) {
        switch self {
        case .person(let c): w.u8(1); w.hash(c)
        case .organisation(let code): w.u8(2); w.string(code.value)
        }
    }

    /// `what`: the JSON object holding the identity's field ("" when it is the object being read).
    init(from r: inout CanonicalReader, _ what: String) throws {
        let prefix = what.isEmpty ? "" : "\(what)."
        let tag = try r.u8("\(prefix)identity")
        switch tag {
        case 1: self = .person(try r.hash("\(prefix)commitment"))
        case 2:
            let code = try r.string("\(prefix)creditCode", max: 64)
            self = .organisation(try r.validated("\(prefix)creditCode") { try CreditCode(code) })
        default: throw EncodingError.invalid(r.path("\(prefix)identity"), "unknown identity type \(tag): 1 is a person's commitment, 2 a credit code")
        }
    }

    /// Decodes the `commitment` or `creditCode` field of the JSON object `decoder` is reading: exactly one of them.
    init(json decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let path = { (key: String) in JSONPath.of(decoder.codingPath, key) }
        switch (c.contains(.commitment), c.contains(.creditCode)) {
        case (true, false):
            let text = try c.decode(String.self, forKey: .commitment)
            guard let h = Hash(hex: text) else { throw ValidationError(field: path("commitment"), message: Hash.textFormError) }
            self = .person(h)
        case (false, true): self = .organisation(try CreditCode(try c.decode(String.self, forKey: .creditCode), field: path("creditCode")))
        case (true, true): throw ValidationError(field: path("commitment"), message: "a person's commitment or an organisation's creditCode, not both")
        case (false, false):
            throw ValidationError(field: path("commitment"), message: "missing: a person's commitment (64 hex digits) or an organisation's creditCode")
        }
    }

    func encodeJSON(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .person(let h): try c.encode(h.hex, forKey: .commitment)
        case .organisation(let code): try c.encode(code.value, forKey: .creditCode)
        }
    }

    enum Keys: String, CodingKey { case commitment, creditCode }
}

/// An identity alone as a JSON object, as answers show mortgagors: `{"commitment": "…"}` or `{"creditCode": "…"}`.
extension ChainIdentity: Codable {
    public init(from decoder: Decoder) throws { try self.init(json: decoder) }
    public func encode(to encoder: Encoder) throws { try encodeJSON(to: encoder) }
}
