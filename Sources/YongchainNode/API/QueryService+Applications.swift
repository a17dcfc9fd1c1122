import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// The applications' verification answers (docs/openapi.yaml). Every caller was authenticated by the route table
/// (`RouteAuth.caller`) in the committed snapshot each route is handed, and every answer is read from that same
/// snapshot and names the height and block hash it reflects: `{"height", "blockHash", "result"}`
/// (`AnswerEnvelope`), with `?prove=true` its proof (`ProvenAnswer`).
extension QueryService {
    // MARK: - Mortgage

    func verifyTitle(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request
        let cert = try param(req, "certificate")
        // Counted in characters (Unicode scalars), as JSON Schema's maxLength counts: one longer than the 64 bytes a
        // registered number may have is asked, and proven, like any other number nobody registered.
        guard cert.unicodeScalars.count <= 64 else { throw invalid("certificate", "1 to 64 characters") }
        let owner = try titleOwner(req)
        return try ProvenAnswer.respond(.titleVerification(certificate: cert, owner: owner), prove: try proves(call, state),
                                        state: state, base: proofBase, answers: answers, notFound: "")
    }

    /// The owner a title verification asks about (`owner`): a person by the commitment the caller computed from
    /// identity and salt, 64 hex digits (the node never sees an identity number here), or an organisation by its
    /// 18-character credit code.
    private func titleOwner(_ req: HTTPRequest) throws -> ChainIdentity {
        guard req.query["id"] == nil, req.query["idType"] == nil else {
            throw invalid("id", "identity numbers are not accepted: send owner, the person's commitment computed from identity and salt (docs/mortgage.md)")
        }
        return try Self.owner(try param(req, "owner"))
    }

    /// `owner` of a title verification: a person's commitment (64 hex digits) or an organisation's credit code.
    /// The member node reads a bank's request with it too (`MemberReads.answers`).
    static func owner(_ owner: String) throws -> ChainIdentity {
        switch owner.utf8.count {
        case 64:
            guard let h = Hash(hex: owner) else { throw invalid("owner", "a person's commitment is 64 hex digits") }
            return .person(h)
        case 18: return .organisation(try field("owner") { try CreditCode(owner, field: "owner") })
        default: throw invalid("owner", "a person's commitment (64 hex digits) or an organisation's credit code (18 characters)")
        }
    }

    func encumbrances(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let unit = try field("unit") { try UnitNumber(call["unit"]) }
        return try ProvenAnswer.respond(.encumbrances(unit), prove: try proves(call, state), state: state, base: proofBase, answers: answers,
                                        notFound: "unit \(unit) is not registered")
    }

    func certificate(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let number = call["no"]
        guard !number.isEmpty, number.unicodeScalars.count <= 64 else { throw invalid("no", "a registration certificate number, 1 to 64 characters") }
        return try ProvenAnswer.respond(.mortgageCertificate(number), prove: try proves(call, state), state: state, base: proofBase, answers: answers,
                                        notFound: "no mortgage is registered under certificate \(number)")
    }

    func application(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard let id = Hash(hex: call["id"]) else { throw invalid("id", "an application id is 64 hex digits") }
        // The whole record (principal, term, debtor, contract) is its parties' business: the mortgagee bank and the
        // real-estate registry. Anyone else is answered exactly as for an id never filed, so an application's id (a
        // transaction hash any member node sees as a leaf) tells it nothing; others verify the lien instead.
        let party: Bool
        if case .member(let org) = call.caller { party = try MortgageQueries.isParty(org, toApplication: id, state: state) } else { party = false }
        try state.checkReads()
        guard party else { throw APIError.notFound("no mortgage application \(id.hex)") }
        return try ProvenAnswer.respond(.mortgageApplication(id), prove: try proves(call, state), state: state, base: proofBase, answers: answers,
                                        notFound: "no mortgage application \(id.hex)")
    }

    /// `sm2:04` and 128 lower-case hex digits: docs/openapi.yaml's pattern for an SM2 key, which cannot say "on the curve".
    static func isSM2KeyForm(_ text: String) -> Bool {
        let u = Array(text.utf8)
        return u.count == 134 && text.hasPrefix("sm2:04") && u.dropFirst(6).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A bank's filings: only that bank itself, or a registry with the real-estate authority.
    func filings(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request, keyText = call["key"]
        guard let bank = PublicKey(text: keyText), bank.text == keyText else {
            // Written as an SM2 key but not a point of the curve: the form is right (the document's pattern), and no
            // member can hold it, so it is asked as an unknown bank's filings would be.
            guard Self.isSM2KeyForm(keyText) else { throw invalid("key", "a public key like \(SignatureSuite.keyTextForms), hex in lower case") }
            guard case .member(let org) = call.caller, org.holds(.realEstate) else {
                throw APIError(Codes.forbiddenRole, "only the bank itself or the real-estate registry may list a bank's filings")
            }
            throw APIError.notFound("\(keyText.prefix(16))… is not a point of SM2's curve: no member holds it")
        }
        guard case .member(let org) = call.caller, org.publicKey == bank || org.holds(.realEstate) else {
            throw APIError(Codes.forbiddenRole, "only the bank itself or the real-estate registry may list a bank's filings")
        }
        let limit = try Parameter.integer(req, "limit", in: 1...MortgageLimits.maxPageSize, default: MortgageLimits.defaultPageSize, code: NodeCode.invalidField)
        return try answer(state) { v, _ in try field("after") { try MortgageQueries.filings(bank: bank, after: req.query["after"], limit: limit, state: v) } }
    }

    // MARK: - Trade

    /// Pre-check for a bank: known, matching, and how much is free to pledge, per declaration.
    func precheck(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard case .member(let org) = call.caller, org.role == .bank else {
            throw APIError(Codes.forbiddenRole, "only a bank may pre-check declarations")
        }
        let request = try decodeBody(PrecheckRequest.self, try call.body())
        try field("declarations") { try request.validate() }
        return try ProvenAnswer.respond(.precheck(request), prove: try proves(call, state), state: state, base: proofBase, answers: answers, notFound: "")
    }

    /// "Log first, then answer": the credit record for a bank's committed `creditQuery.record` (`queryId`).
    func creditRecord(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request
        let code = try field("code") { try CreditCode(call["code"]) }
        guard case .member(let org) = call.caller, org.role == .bank, case let bank = org.publicKey else {
            throw APIError(Codes.forbiddenRole, "only a bank that logged a credit query may read a credit record")
        }
        guard let text = req.query["queryId"] ?? req.query["query"] else { throw invalid("queryId", "required: the hash of your committed creditQuery.record") }
        guard let queryID = Hash(hex: text) else { throw invalid("queryId", "64 hex digits") }
        let limit = try tradePageLimit(req)
        let page = CreditRecordPage(declarationsAfter: req.query["declarationsAfter"], financingsAfter: req.query["financingsAfter"], limit: limit)
        // A malformed cursor is a 400 naming `declarationsAfter` or `financingsAfter`.
        let query = try field("page") { try ProvableQuery.checkedCreditRecord(enterprise: code, queryID: queryID, bank: bank, page: page) }
        return try ProvenAnswer.respond(query, prove: try proves(call, state), state: state, base: proofBase, answers: answers, notFound: "")
    }

    /// Who queried an enterprise's credit record: the enterprise itself (its own key) or the trade registry.
    func creditQueries(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request
        let code = try field("code") { try CreditCode(call["code"]) }
        switch call.caller {
        case .enterprise(let e) where e.creditCode == code: break
        case .member(let org) where org.holds(.trade): break
        case .enterprise:
            throw APIError(Codes.Trade.notAuthorized, "an enterprise may list only the queries about itself")
        case .member, nil:
            throw APIError(Codes.forbiddenRole, "only the enterprise itself or the trade registry may list who queried it")
        }
        let limit = try tradePageLimit(req)
        let query = try field("after") { try ProvableQuery.checkedCreditQueries(enterprise: code, after: req.query["after"], limit: limit) }
        return try ProvenAnswer.respond(query, prove: try proves(call, state), state: state, base: proofBase, answers: answers, notFound: "")
    }

    // MARK: - Governance

    /// The consortium's proposals, for its members: oldest first, `limit` per page, `nextAfter` the last id.
    func proposals(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request
        let status = req.query["status"]
        if let status, ProposalStatus(rawValue: status) == nil {
            throw invalid("status", "one of \(ProposalStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let after = try Parameter.optionalInteger(req, "after", in: UInt64(0)...UInt64.max, code: NodeCode.invalidField)
        let limit = try Parameter.integer(req, "limit", in: 1...GovernanceLimits.maxPageSize, default: GovernanceLimits.defaultPageSize,
                                          code: NodeCode.invalidField)
        struct Page: Encodable {
            let proposals: [ProposalView]
            let nextAfter: String?
        }
        return try answer(state) { v, tip in
            let list = try Governance.proposals(v, status: status, after: after, limit: limit, now: tip.time)
            try v.checkReads()
            return Page(proposals: list, nextAfter: list.count == limit ? list.last.map { String($0.id) } : nil)
        }
    }

    /// Every current member organisation as committed state lists it: genesis's, then governance's additions,
    /// removals and new keys. Open like /v1/validators (who the consortium is is no secret among its members), so a
    /// client that holds only the genesis file can learn, from a genesis member's node it authenticates, the key of
    /// a member admitted since (the CLI does: docs/operations.md, "TLS").
    func members(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        try answer(state) { v, _ in
            let list = try Governance.members(v)
            try v.checkReads()
            return ["members": list]
        }
    }

    /// The member with this key, as committed state records it; provable, so that a member node admitted after
    /// genesis can check its recorded node kind against nothing but its genesis file (docs/confidentiality.md).
    func member(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard let key = PublicKey(text: call["key"]) else {
            // Written as an SM2 key but not a point of the curve: the form is right, and no member can hold it.
            guard Self.isSM2KeyForm(call["key"]) else { throw invalid("key", "a public key like \(SignatureSuite.keyTextForms)") }
            throw APIError.notFound("no member has key \(call["key"])")
        }
        return try ProvenAnswer.respond(.member(key), prove: try proves(call, state), state: state, base: proofBase, answers: answers, notFound: "no member has key \(key.text)")
    }

    /// One proposal; 404 PROPOSAL_NOT_FOUND if there is none with that id.
    func proposal(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let id = try Parameter.integer(call["id"], name: "id", in: UInt64(1)...UInt64.max, code: NodeCode.invalidField)
        return try answer(state) { v, tip in
            let found = try Governance.proposal(id: id, v, now: tip.time), pruned = try id < Governance.nextID(v)
            try v.checkReads()
            guard let found else {
                throw APIError(Codes.proposalNotFound, pruned ? "proposal \(id) was decided or expired longer ago than the limits' retention, and left state"
                                                              : "no proposal \(id)")
            }
            return found
        }
    }

    // MARK: - Sessions

    /// Opens an API session for the signed caller (a member organisation or a registered enterprise). Only a
    /// signed request may open one: a session must not be able to outlive itself by making the next.
    func openSession(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard let key = call.key else { throw APIError(NodeCode.authRequired, "a session is opened by a signed request (see docs/api-auth.md)") }
        struct Body: Decodable { let clientPublicKey: String }
        let body = try JSON.decode(Body.self, try call.body())
        guard let client = X25519PublicKey(text: body.clientPublicKey) else { throw invalid("clientPublicKey", "an X25519 public key like x25519:<64 hex>") }
        switch sessions.open(caller: key, clientKey: client, nowMs: Int64(Date().timeIntervalSince1970 * 1000)) {
        case .success(let h): return .json(201, JSON.encode(h))
        case .failure(let e): throw e
        }
    }

    // MARK: - Plumbing

    /// Runs `body` against the route's committed snapshot and wraps its result with that snapshot's height and
    /// block hash.
    func answer<T: Encodable>(_ state: ReadView, _ body: (ReadView, ChainTip) throws -> T) throws -> HTTPResponse {
        let tip = try state.tip()
        let result = try body(state, tip)
        return .json(200, AnswerEnvelope.encode(height: tip.height, blockHash: tip.blockHash, result: JSON.encode(result)))
    }

    /// Decodes a JSON body. Every number in Yongchain's bodies is a whole number (money is integer minor units),
    /// so a fractional one is named by its path before decoding, rather than reported as malformed JSON.
    func decodeBody<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        guard let tree = try? JSONSerialization.jsonObject(with: Data(body)) else {
            throw APIError(NodeCode.malformedJson, "the request body is not valid JSON")
        }
        func fractional(_ v: Any, _ path: String) -> String? {
            if let d = v as? [String: Any] { return d.keys.sorted().lazy.compactMap { fractional(d[$0]!, path.isEmpty ? $0 : "\(path).\($0)") }.first }
            if let a = v as? [Any] { return a.indices.lazy.compactMap { fractional(a[$0], "\(path)[\($0)]") }.first }
            if !(v is Bool), let n = v as? NSNumber, n.doubleValue.rounded() != n.doubleValue { return path }
            return nil
        }
        if let path = fractional(tree, "") { throw invalid(path, "must be a whole number (money is integer minor units, never a decimal)") }
        return try JSON.decode(type, body)
    }

    func tradePageLimit(_ req: HTTPRequest) throws -> Int {
        try Parameter.integer(req, "limit", in: 1...TradeLimits.maxPageSize, default: TradeLimits.defaultPageSize, code: NodeCode.invalidField)
    }

    func param(_ req: HTTPRequest, _ name: String) throws -> String {
        guard let v = req.query[name], !v.isEmpty else { throw invalid(name, "required") }
        return v
    }

    func invalid(_ name: String, _ why: String) -> APIError { Self.invalid(name, why) }
    static func invalid(_ name: String, _ why: String) -> APIError { APIError(NodeCode.invalidField, "\(name): \(why)") }

    func field<T>(_ name: String, _ make: () throws -> T) throws -> T { try Self.field(name, make) }

    /// Runs `make`, turning a `ValidationError` into 400 `INVALID_FIELD` naming `name` (or the deeper field).
    static func field<T>(_ name: String, _ make: () throws -> T) throws -> T {
        do {
            return try make()
        } catch let e as ValidationError {
            let f = e.field.isEmpty || e.field == "id" || e.field == "unitNumber" || e.field == "creditCode" ? name : e.field
            throw invalid(f, e.message)
        }
    }
}
