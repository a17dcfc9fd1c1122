import Foundation
import YongchainCore
import YongchainCrypto

/// A verification question whose answer can be proven: a pure function of a few state keys, each read with one
/// `get` (the state tree proves single keys, not ranges). The node runs it over committed state and returns the
/// keys it read with their proofs; a verifier runs it again over the proven entries only (`ProvenState`) and
/// compares. The query travels inside the proof, so a verifier knows what was asked (docs/proofs.md).
public enum ProvableQuery: Sendable, Equatable, CanonicalCodable {
    /// GET /v1/mortgage/titles/verify
    case titleVerification(certificate: String, owner: IdentityNumber)
    /// GET /v1/mortgage/units/{unit}/encumbrances
    case encumbrances(UnitNumber)
    /// GET /v1/mortgage/certificates/{no}
    case mortgageCertificate(String)
    /// GET /v1/mortgage/applications/{id}
    case mortgageApplication(Hash)
    /// POST /v1/trade/precheck
    case precheck(PrecheckRequest)

    /// The endpoint, as the API documents it.
    public var route: String {
        switch self {
        case .titleVerification: return "/v1/mortgage/titles/verify"
        case .encumbrances: return "/v1/mortgage/units/{unit}/encumbrances"
        case .mortgageCertificate: return "/v1/mortgage/certificates/{no}"
        case .mortgageApplication: return "/v1/mortgage/applications/{id}"
        case .precheck: return "/v1/trade/precheck"
        }
    }

    /// A one-line statement of what was asked.
    public var question: String {
        switch self {
        case .titleVerification(let c, let o): return "does title certificate \(c) list owner \(o)?"
        case .encumbrances(let u): return "what encumbers unit \(u)?"
        case .mortgageCertificate(let n): return "which mortgage is registered under certificate \(n)?"
        case .mortgageApplication(let id): return "what is the state of mortgage application \(id.hex)?"
        case .precheck(let r): return "can declarations \(r.declarations.map(\.number.value).joined(separator: ", ")) be financed?"
        }
    }

    /// The answer as sorted JSON (`SortedJSON`), or nil when there is nothing under the key asked for (the API's
    /// 404). Reads `state` only with `get`.
    public func answer(_ state: StateReader) -> [UInt8]? {
        func json<T: Encodable>(_ v: T?) -> [UInt8]? { v.flatMap { try? SortedJSON.encode($0) } }
        switch self {
        case .titleVerification(let c, let o):
            return json(MortgageQueries.verifyTitle(titleCertificateNumber: c, owner: o, state: state))
        case .encumbrances(let u): return json(MortgageQueries.encumbrances(unitNumber: u, state: state))
        case .mortgageCertificate(let n): return json(MortgageQueries.certificate(number: n, state: state))
        case .mortgageApplication(let id): return json(MortgageQueries.application(id: id, state: state))
        case .precheck(let r): return json(TradeQueries.precheck(r, state: state))
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .titleVerification(let c, let o): w.u8(1); w.string(c); o.encode(to: &w)
        case .encumbrances(let u): w.u8(2); w.string(u.value)
        case .mortgageCertificate(let n): w.u8(3); w.string(n)
        case .mortgageApplication(let id): w.u8(4); w.hash(id)
        case .precheck(let r): w.u8(5); w.bytes((try? SortedJSON.encode(r)) ?? [])
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let tag = try r.u8("query.type")
        switch tag {
        case 1:
            let c = try r.string("query.certificate", max: MortgageLimits.maxCertificateNumberBytes)
            self = .titleVerification(certificate: c, owner: try IdentityNumber(from: &r, "query.owner"))
        case 2:
            let text = try r.string("query.unit", max: 64)
            self = .encumbrances(try MortgageCoding.field("query.unit") { try UnitNumber(text) })
        case 3: self = .mortgageCertificate(try r.string("query.certificate", max: MortgageLimits.maxCertificateNumberBytes))
        case 4: self = .mortgageApplication(try r.hash("query.id"))
        case 5:
            let body = try r.bytes("query.precheck", max: 1 << 20)
            guard let request = try? JSONDecoder().decode(PrecheckRequest.self, from: Data(body)), (try? request.validate()) != nil else {
                throw EncodingError.invalid("query.precheck", "not a valid pre-check request")
            }
            self = .precheck(request)
        default: throw EncodingError.invalid("query.type", "unknown query \(tag)")
        }
    }
}
