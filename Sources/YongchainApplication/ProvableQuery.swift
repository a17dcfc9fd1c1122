import Foundation
import YongchainCore
import YongchainCrypto

/// A verification question whose answer can be proven: a pure function of a few state keys, each read with one
/// `get` (the state tree proves single keys, not ranges). The node runs it over committed state and returns the
/// keys it read with their proofs; a verifier runs it again over the proven entries only (`ProvenState`) and
/// compares. The query travels inside the proof, so a verifier knows what was asked (docs/proofs.md).
public enum ProvableQuery: Sendable, Equatable, CanonicalCodable {
    /// GET /v1/mortgage/titles/verify
    case titleVerification(certificate: String, owner: ChainIdentity)
    /// GET /v1/mortgage/units/{unit}/encumbrances
    case encumbrances(UnitNumber)
    /// GET /v1/mortgage/certificates/{no}
    case mortgageCertificate(String)
    /// GET /v1/mortgage/applications/{id}
    case mortgageApplication(Hash)
    /// POST /v1/trade/precheck
    case precheck(PrecheckRequest)
    /// GET /v1/trade/enterprises/{code}/credit-record: as `bank`, the record its logged query `queryID` may read.
    /// Made by `checkedCreditRecord(...)`, which checks the cursors.
    case creditRecord(enterprise: CreditCode, queryID: Hash, bank: PublicKey, page: CreditRecordPage)
    /// GET /v1/trade/enterprises/{code}/queries. Made by `checkedCreditQueries(...)`, which checks the cursor.
    case creditQueries(enterprise: CreditCode, after: String?, limit: Int)
    /// GET /v1/governance/members/{key}: what the chain records of the member with this key (a member node admitted
    /// after genesis learns its recorded node kind from it, docs/confidentiality.md).
    case member(PublicKey)
    /// GET /v1/greylist/checks/{checkId}: as the bank with key `bank`, the listing of its logged check's pseudonyms.
    case greylistCheck(check: Hash, bank: PublicKey)

    /// A credit-record question; throws `ValidationError` naming a malformed cursor.
    public static func checkedCreditRecord(enterprise: CreditCode, queryID: Hash, bank: PublicKey, page: CreditRecordPage) throws -> ProvableQuery {
        _ = try page.cursors()
        return .creditRecord(enterprise: enterprise, queryID: queryID, bank: bank, page: page)
    }

    /// A query-log question; throws `ValidationError` naming a malformed cursor.
    public static func checkedCreditQueries(enterprise: CreditCode, after: String?, limit: Int) throws -> ProvableQuery {
        _ = try TradeWire.cursor(after, field: "after")
        return .creditQueries(enterprise: enterprise, after: after, limit: max(1, min(limit, TradeLimits.maxPageSize)))
    }

    /// What a question's answer is: a result, or a refusal with its stable code (NOT_FOUND when there is nothing
    /// under the key asked for). Both are proven the same way.
    public enum Outcome: Sendable, Equatable {
        /// The result as sorted JSON (`SortedJSON`).
        case result([UInt8])
        case refused(code: String, message: String)
    }

    /// The code of "nothing is recorded under what you asked for" (the node's 404 NOT_FOUND).
    public static let notFoundCode = "NOT_FOUND"
    /// Longest certificate number a question carries: 64 characters of up to 4 UTF-8 bytes each (the API bounds
    /// it in characters; one longer than a registered number's 64 bytes is simply not found).
    static let maxAskedNumberBytes = 4 * MortgageLimits.maxCertificateNumberBytes

    /// The endpoint, as the API documents it.
    public var route: String {
        switch self {
        case .titleVerification: return "/v1/mortgage/titles/verify"
        case .encumbrances: return "/v1/mortgage/units/{unit}/encumbrances"
        case .mortgageCertificate: return "/v1/mortgage/certificates/{no}"
        case .mortgageApplication: return "/v1/mortgage/applications/{id}"
        case .precheck: return "/v1/trade/precheck"
        case .creditRecord: return "/v1/trade/enterprises/{code}/credit-record"
        case .creditQueries: return "/v1/trade/enterprises/{code}/queries"
        case .member: return "/v1/governance/members/{key}"
        case .greylistCheck: return "/v1/greylist/checks/{checkId}"
        }
    }

    /// Whether the answer depends on the block time as well as the state (an authorisation's or a check's
    /// validity is judged at block time): every other question's answer is a function of the state alone, which a
    /// node may keep by state root (`StateRootCache`).
    public var readsTime: Bool {
        switch self {
        case .creditRecord, .greylistCheck: return true
        case .titleVerification, .encumbrances, .mortgageCertificate, .mortgageApplication, .precheck, .creditQueries, .member: return false
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
        case .creditRecord(let e, let q, let b, _): return "what is enterprise \(e)'s credit record, for bank \(b.text) under logged query \(q.hex)?"
        case .creditQueries(let e, _, _): return "who queried enterprise \(e)'s credit record?"
        case .member(let k): return "what does the chain record of the member with key \(k.text)?"
        case .greylistCheck(let c, let b): return "is the applicant of check \(c.hex), logged by bank \(b.text), on the grey-list?"
        }
    }

    /// The answer, reading `state` only with `get`. `time` is the block time of the state's height (credit
    /// records are answered only within an authorisation's and a query's validity, judged at block time).
    /// `notFound` is the message of a NOT_FOUND refusal. `suite`: the chain's hash suite (a pre-check hashes the
    /// fields a bank holds to compare them with the published commitment).
    public func answer(_ state: StateReader, time: Int64, suite: HashSuite, notFound: String = "nothing is recorded under what was asked") -> Outcome {
        func json<T: Encodable>(_ v: T?) -> Outcome {
            guard let v, let bytes = try? SortedJSON.encode(v) else { return .refused(code: ProvableQuery.notFoundCode, message: notFound) }
            return .result(bytes)
        }
        // A record that does not decode answers STORAGE_CORRUPT, never "not found" or a default: the node stops on it.
        do throws(DamagedRecord) {
            switch self {
            case .titleVerification(let c, let o):
                return json(try MortgageQueries.verifyTitle(titleCertificateNumber: c, owner: o, state: state))
            case .encumbrances(let u): return json(try MortgageQueries.encumbrances(unitNumber: u, state: state))
            case .mortgageCertificate(let n): return json(try MortgageQueries.certificate(number: n, state: state))
            case .mortgageApplication(let id): return json(try MortgageQueries.application(id: id, state: state))
            case .precheck(let r): return json(try DamagedRecord.rethrown { try TradeQueries.precheck(r, state: state, suite: suite) })
            case .creditRecord(let e, let q, let b, let page):
                // The cursors were checked when the question was made.
                switch try DamagedRecord.rethrown({ try TradeQueries.creditRecord(queryID: q, askedBy: b, atTime: time, state: state, page: page) })
                    ?? .failure(TradeQueryError(code: Codes.invalidField, message: "a malformed cursor")) {
                case .success(let record) where record.enterprise.creditCode == e.value: return json(record)
                case .success: return .refused(code: Codes.Trade.unknownQuery, message: "query \(q.hex) is not about enterprise \(e)")
                case .failure(let f): return .refused(code: f.code, message: f.message)
                }
            case .creditQueries(let e, let after, let limit):
                guard Identity.enterprise(e, state) != nil else {
                    return .refused(code: Codes.Trade.unknownEnterprise, message: "\(e) is not a registered enterprise")
                }
                return json(try DamagedRecord.rethrown { try TradeQueries.creditQueries(of: e, after: after, limit: limit, state: state) })
            case .member(let k): return json(try Governance.member(key: k, state))
            case .greylistCheck(let c, let b):
                switch try GreylistCheckAnswer.answer(c, askedBy: b, time: time, state) {
                case .success(let a): return json(a)
                case .failure(let r): return .refused(code: r.code, message: r.message)
                }
            }
        } catch {
            return .refused(code: DamagedRecord.code, message: error.description)
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .titleVerification(let c, let o): w.u8(1); w.string(c); o.encode(to: &w)
        case .encumbrances(let u): w.u8(2); w.string(u.value)
        case .mortgageCertificate(let n): w.u8(3); w.string(n)
        case .mortgageApplication(let id): w.u8(4); w.hash(id)
        case .precheck(let r): w.u8(5); w.bytes((try? SortedJSON.encode(r)) ?? [])
        case .creditRecord(let e, let q, let b, let page):
            w.u8(6); w.string(e.value); w.hash(q); w.publicKey(b)
            optional(page.declarationsAfter, &w); optional(page.financingsAfter, &w); w.u16(UInt16(page.effectiveLimit))
        case .creditQueries(let e, let after, let limit):
            w.u8(7); w.string(e.value); optional(after, &w); w.u16(UInt16(max(1, min(limit, TradeLimits.maxPageSize))))
        case .member(let k): w.u8(8); w.publicKey(k)
        case .greylistCheck(let c, let b): w.u8(9); w.hash(c); w.publicKey(b)
        }
        func optional(_ s: String?, _ w: inout CanonicalWriter) { if let s { w.u8(1); w.string(s) } else { w.u8(0) } }
    }

    public init(from r: inout CanonicalReader) throws {
        let tag = try r.u8("query.type")
        switch tag {
        case 1:
            let c = try r.string("query.certificate", max: ProvableQuery.maxAskedNumberBytes)
            self = .titleVerification(certificate: c, owner: try ChainIdentity(from: &r, "query.owner"))
        case 2:
            let text = try r.string("query.unit", max: 64)
            self = .encumbrances(try r.validated("query.unit") { try UnitNumber(text) })
        case 3: self = .mortgageCertificate(try r.string("query.certificate", max: ProvableQuery.maxAskedNumberBytes))
        case 4: self = .mortgageApplication(try r.hash("query.id"))
        case 5:
            let body = try r.bytes("query.precheck", max: 1 << 20)
            guard let request = try? JSONDecoder().decode(PrecheckRequest.self, from: Data(body)), (try? request.validate()) != nil else {
                throw EncodingError.invalid("query.precheck", "not a valid pre-check request")
            }
            self = .precheck(request)
        case 6:
            let e = try r.string("query.enterprise", max: 64)
            let enterprise = try r.validated("query.enterprise") { try CreditCode(e) }
            let q = try r.hash("query.id"), bank = try r.publicKey("query.bank")
            let page = CreditRecordPage(declarationsAfter: try Self.optional(&r, "query.declarationsAfter"),
                                        financingsAfter: try Self.optional(&r, "query.financingsAfter"), limit: try Self.limit(&r))
            do { self = try .checkedCreditRecord(enterprise: enterprise, queryID: q, bank: bank, page: page) } catch {
                throw EncodingError.invalid("query.page", "\(error)")
            }
        case 7:
            let e = try r.string("query.enterprise", max: 64)
            let enterprise = try r.validated("query.enterprise") { try CreditCode(e) }
            let after = try Self.optional(&r, "query.after")
            do { self = try .checkedCreditQueries(enterprise: enterprise, after: after, limit: try Self.limit(&r)) } catch {
                throw EncodingError.invalid("query.after", "\(error)")
            }
        case 8: self = .member(try r.publicKey("query.key"))
        case 9: self = .greylistCheck(check: try r.hash("query.check"), bank: try r.publicKey("query.bank"))
        default: throw EncodingError.invalid("query.type", "unknown query \(tag)")
        }
    }

    private static func optional(_ r: inout CanonicalReader, _ what: String) throws -> String? {
        try r.bool(what) ? try r.string(what, max: 64) : nil
    }

    private static func limit(_ r: inout CanonicalReader) throws -> Int {
        let n = Int(try r.u16("query.limit"))
        guard (1...TradeLimits.maxPageSize).contains(n) else { throw EncodingError.invalid("query.limit", "1 to \(TradeLimits.maxPageSize)") }
        return n
    }
}
