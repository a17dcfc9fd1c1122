import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// Routes of the applications' verification endpoints (docs/openapi.yaml). Every caller is authenticated by a
/// signed request (RequestAuth.swift) or within an API session (SessionVerifier.swift), which sessions open here;
/// every answer is read from one committed snapshot and names the height and block hash it reflects:
/// `{"height", "blockHash", "result"}`.
struct AppRoutes {
    let node: Node


    func route(_ req: HTTPRequest, _ parts: [String]) throws -> (String, HTTPResponse)? {
        guard parts.count >= 3, parts[0] == "v1" else { return nil }
        let p = Array(parts.dropFirst(2))
        switch (req.method, parts[1]) {
        case ("GET", "mortgage"):
            if p == ["titles", "verify"] { return ("/v1/mortgage/titles/verify", try verifyTitle(req)) }
            if p.count == 3, p[0] == "units", p[2] == "encumbrances" { return ("/v1/mortgage/units/{unit}/encumbrances", try encumbrances(req, p[1])) }
            if p.count == 2, p[0] == "certificates" { return ("/v1/mortgage/certificates/{no}", try certificate(req, p[1])) }
            if p.count == 2, p[0] == "applications" { return ("/v1/mortgage/applications/{id}", try application(req, p[1])) }
            if p.count == 3, p[0] == "banks", p[2] == "filings" { return ("/v1/mortgage/banks/{key}/filings", try filings(req, p[1])) }
        case ("POST", "auth") where p == ["sessions"]:
            return (SessionAuth.path, try openSession(req))
        case ("POST", "trade") where p == ["precheck"]:
            return ("/v1/trade/precheck", try precheck(req))
        case ("GET", "governance") where p == ["members"]:
            return ("/v1/governance/members", try members())
        case ("GET", "governance") where p.first == "proposals":
            if p.count == 1 { return ("/v1/governance/proposals", try proposals(req)) }
            if p.count == 2 { return ("/v1/governance/proposals/{id}", try proposal(req, p[1])) }
        case ("GET", "trade") where p.count == 3 && p[0] == "enterprises":
            if p[2] == "credit-record" { return ("/v1/trade/enterprises/{code}/credit-record", try creditRecord(req, p[1])) }
            if p[2] == "queries" { return ("/v1/trade/enterprises/{code}/queries", try creditQueries(req, p[1])) }
        default: break
        }
        return nil
    }

    // MARK: - Mortgage

    func verifyTitle(_ req: HTTPRequest) throws -> HTTPResponse {
        _ = try authenticate(req)
        let cert = try param(req, "certificate")
        // Counted in characters (Unicode scalars), as JSON Schema's maxLength counts: one longer than the 64 bytes a
        // registered number may have is asked, and proven, like any other number nobody registered.
        guard cert.unicodeScalars.count <= 64 else { throw invalid("certificate", "1 to 64 characters") }
        let type = try param(req, "idType")
        guard type == "residentId" || type == "creditCode" else { throw invalid("idType", "residentId or creditCode") }
        let owner = try field("id") { try IdentityNumber(type: type, number: try param(req, "id")) }
        return try ProvenAnswer.respond(.titleVerification(certificate: cert, owner: owner), prove: try ProvenAnswer.wanted(req),
                                        store: node.store, notFound: "")
    }

    func encumbrances(_ req: HTTPRequest, _ unitText: String) throws -> HTTPResponse {
        _ = try authenticate(req)
        let unit = try field("unit") { try UnitNumber(unitText) }
        return try ProvenAnswer.respond(.encumbrances(unit), prove: try ProvenAnswer.wanted(req), store: node.store,
                                        notFound: "unit \(unit) is not registered")
    }

    func certificate(_ req: HTTPRequest, _ number: String) throws -> HTTPResponse {
        _ = try authenticate(req)
        guard !number.isEmpty, number.unicodeScalars.count <= 64 else { throw invalid("no", "a registration certificate number, 1 to 64 characters") }
        return try ProvenAnswer.respond(.mortgageCertificate(number), prove: try ProvenAnswer.wanted(req), store: node.store,
                                        notFound: "no mortgage is registered under certificate \(number)")
    }

    func application(_ req: HTTPRequest, _ idText: String) throws -> HTTPResponse {
        _ = try authenticate(req)
        guard let id = Hash(hex: idText) else { throw invalid("id", "an application id is 64 hex digits") }
        return try ProvenAnswer.respond(.mortgageApplication(id), prove: try ProvenAnswer.wanted(req), store: node.store,
                                        notFound: "no mortgage application \(id.hex)")
    }

    /// A bank's filings: only that bank itself, or a registry with the real-estate authority.
    func filings(_ req: HTTPRequest, _ keyText: String) throws -> HTTPResponse {
        let caller = try authenticate(req)
        guard let bank = PublicKey(text: keyText), bank.text == keyText else { throw invalid("key", "a public key like \(SignatureSuite.keyTextForms), hex in lower case") }
        guard case .member(let org) = caller, org.publicKey == bank || org.holds(.realEstate) else {
            throw APIError(Codes.forbiddenRole, "only the bank itself or the real-estate registry may list a bank's filings")
        }
        let limit = try Parameter.integer(req, "limit", in: 1...MortgageLimits.maxPageSize, default: MortgageLimits.defaultPageSize, code: NodeCode.invalidField)
        return try answer { v, _ in try field("after") { try MortgageQueries.filings(bank: bank, after: req.query["after"], limit: limit, state: v) } }
    }

    // MARK: - Trade

    /// Pre-check for a bank: known, matching, and how much is free to pledge, per declaration.
    func precheck(_ req: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(req)
        guard case .member(let org) = caller, org.role == .bank else {
            throw APIError(Codes.forbiddenRole, "only a bank may pre-check declarations")
        }
        guard req.body.count <= node.apiLimits.maxAppBodyBytes else { throw invalid("body", "at most \(node.apiLimits.maxAppBodyBytes) bytes") }
        let request = try decodeBody(PrecheckRequest.self, req.body)
        try field("declarations") { try request.validate() }
        return try ProvenAnswer.respond(.precheck(request), prove: try ProvenAnswer.wanted(req), store: node.store, notFound: "")
    }

    /// "Log first, then answer": the credit record for a bank's committed `creditQuery.record` (`queryId`).
    func creditRecord(_ req: HTTPRequest, _ codeText: String) throws -> HTTPResponse {
        let caller = try authenticate(req)
        let code = try field("code") { try CreditCode(codeText) }
        guard case .member(let org) = caller, org.role == .bank, case let bank = org.publicKey else {
            throw APIError(Codes.forbiddenRole, "only a bank that logged a credit query may read a credit record")
        }
        guard let text = req.query["queryId"] ?? req.query["query"] else { throw invalid("queryId", "required: the hash of your committed creditQuery.record") }
        guard let queryID = Hash(hex: text) else { throw invalid("queryId", "64 hex digits") }
        let limit = try tradePageLimit(req)
        let page = CreditRecordPage(declarationsAfter: req.query["declarationsAfter"], financingsAfter: req.query["financingsAfter"], limit: limit)
        // A malformed cursor is a 400 naming `declarationsAfter` or `financingsAfter`.
        let query = try field("page") { try ProvableQuery.checkedCreditRecord(enterprise: code, queryID: queryID, bank: bank, page: page) }
        return try ProvenAnswer.respond(query, prove: try ProvenAnswer.wanted(req), store: node.store, notFound: "")
    }

    /// Who queried an enterprise's credit record: the enterprise itself (its own key) or the trade registry.
    func creditQueries(_ req: HTTPRequest, _ codeText: String) throws -> HTTPResponse {
        let caller = try authenticate(req, enterprises: true)
        let code = try field("code") { try CreditCode(codeText) }
        switch caller {
        case .enterprise(let e) where e.creditCode == code: break
        case .member(let org) where org.holds(.trade): break
        case .enterprise:
            throw APIError(Codes.Trade.notAuthorized, "an enterprise may list only the queries about itself")
        case .member:
            throw APIError(Codes.forbiddenRole, "only the enterprise itself or the trade registry may list who queried it")
        }
        let limit = try tradePageLimit(req)
        let query = try field("after") { try ProvableQuery.checkedCreditQueries(enterprise: code, after: req.query["after"], limit: limit) }
        return try ProvenAnswer.respond(query, prove: try ProvenAnswer.wanted(req), store: node.store, notFound: "")
    }

    // MARK: - Governance

    /// The consortium's proposals, for its members: oldest first, `limit` per page, `nextAfter` the last id.
    func proposals(_ req: HTTPRequest) throws -> HTTPResponse {
        _ = try authenticate(req)
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
        return try answer { v, tip in
            let list = Governance.proposals(v, status: status, after: after, limit: limit, now: tip.time)
            try v.checkReads()
            return Page(proposals: list, nextAfter: list.count == limit ? list.last.map { String($0.id) } : nil)
        }
    }

    /// Every current member organisation as committed state lists it: genesis's, then governance's additions,
    /// removals and new keys. Open like /v1/validators (who the consortium is is no secret among its members), so a
    /// client that holds only the genesis file can learn, from a genesis member's node it authenticates, the key of
    /// a member admitted since (the CLI does: docs/operations.md, "TLS").
    func members() throws -> HTTPResponse {
        try answer { v, _ in
            let list = Governance.members(v)
            try v.checkReads()
            return ["members": list]
        }
    }

    /// One proposal; 404 PROPOSAL_NOT_FOUND if there is none with that id.
    func proposal(_ req: HTTPRequest, _ idText: String) throws -> HTTPResponse {
        _ = try authenticate(req)
        let id = try Parameter.integer(idText, name: "id", in: UInt64(1)...UInt64.max, code: NodeCode.invalidField)
        return try answer { v, tip in
            let found = Governance.proposal(id: id, v, now: tip.time), pruned = id < Governance.nextID(v)
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
    func openSession(_ req: HTTPRequest) throws -> HTTPResponse {
        let (_, key) = try authenticateKey(req, enterprises: true, sessions: false)
        guard req.body.count <= node.apiLimits.maxSessionBodyBytes else { throw invalid("body", "at most \(node.apiLimits.maxSessionBodyBytes) bytes") }
        struct Body: Decodable { let clientPublicKey: String }
        let body = try JSON.decode(Body.self, req.body)
        guard let client = X25519PublicKey(text: body.clientPublicKey) else { throw invalid("clientPublicKey", "an X25519 public key like x25519:<64 hex>") }
        switch node.sessions.open(caller: key, clientKey: client, nowMs: Int64(Date().timeIntervalSince1970 * 1000)) {
        case .success(let h): return .json(201, JSON.encode(h))
        case .failure(let e): throw e
        }
    }

    // MARK: - Plumbing

    enum Caller {
        case member(Member)
        case enterprise(Enterprise)
    }

    /// The caller of a signed request or a session request: a member organisation (from committed state) or, where
    /// `enterprises`, a registered enterprise. Throws the 401 to answer otherwise.
    func authenticate(_ req: HTTPRequest, enterprises: Bool = false) throws -> Caller {
        try authenticateKey(req, enterprises: enterprises).caller
    }

    /// `authenticate`, with the key that authenticated. Either scheme leads to the same caller for the same key:
    /// a session request is judged as a signed request by its session's key would be. Where `sessions` is false,
    /// only a signed request is accepted. A failed read of who the key is answers 503 STORAGE_UNAVAILABLE and
    /// counts as a storage failure: a sick disk never reads as an unknown key.
    func authenticateKey(_ req: HTTPRequest, enterprises: Bool = false, sessions: Bool = true) throws -> (caller: Caller, key: PublicKey) {
        var caller: Caller?
        var revoked = false
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let allowed = enterprises ? "a member organisation or a registered enterprise" : "a member organisation"
        let isKnown = { (key: PublicKey) throws -> Bool in
            // Members as the committed state lists them: one admitted by governance is known; a removed or
            // replaced key is refused from the block after the decision, with KEY_REVOKED. One snapshot, whose
            // failed reads `read` throws.
            try node.store.read { v in
                if let m = Governance.member(key: key, v) {
                    caller = .member(m)
                } else if enterprises, let e = Identity.enterprise(key: key, state: v) {
                    caller = .enterprise(e)
                } else {
                    revoked = Governance.isRevoked(key, v)
                }
            }
            return caller != nil
        }
        let result: Result<PublicKey, APIError>
        do {
            if SessionAuth.isSessionRequest(req.headers) {
                guard sessions else {
                    throw APIError(NodeCode.authRequired, "this endpoint needs a signed request, not a session request (see docs/api-auth.md)")
                }
                result = try node.sessions.verify(method: req.method, target: req.target, headers: req.headers, body: req.body,
                                                  nowMs: nowMs, allowed: allowed, isKnown: isKnown)
            } else {
                result = try node.requestVerifier.verify(method: req.method, target: req.target, headers: req.headers, body: req.body,
                                                         nowMs: nowMs, allowed: allowed, isKnown: isKnown)
            }
        } catch let e as StorageError {
            node.storageError(e, "reading who signed a request")
            throw APIError(NodeCode.storageUnavailable, "this node could not read who the signing key belongs to (\(e.code)); retry shortly or ask another node")
        }
        switch result {
        case .success(let key): return (caller!, key)
        case .failure(let e):
            if revoked { throw APIError(Codes.keyRevoked, "this key was revoked by a governance decision (removed or replaced); sign with the member's current key") }
            throw e
        }
    }

    /// Runs `body` against one committed snapshot and wraps its result with that snapshot's height and block hash.
    func answer<T: Encodable>(_ body: (ReadView, ChainTip) throws -> T) throws -> HTTPResponse {
        try node.store.read { v in
            let tip = try v.tip()
            let result = try body(v, tip)
            return .json(200, AnswerEnvelope.encode(height: tip.height, blockHash: tip.blockHash, result: JSON.encode(result)))
        }
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

    func invalid(_ name: String, _ why: String) -> APIError { APIError(NodeCode.invalidField, "\(name): \(why)") }

    /// Runs `make`, turning a `ValidationError` into 400 `INVALID_FIELD` naming `name` (or the deeper field).
    func field<T>(_ name: String, _ make: () throws -> T) throws -> T {
        do {
            return try make()
        } catch let e as ValidationError {
            let f = e.field.isEmpty || e.field == "id" || e.field.hasSuffix("idNumber") || e.field == "unitNumber" || e.field == "creditCode" ? name : e.field
            throw invalid(f, e.message)
        }
    }
}

extension Member {
    func holds(_ a: Authority) -> Bool { role == .registry && authorities.contains(a) }
}
