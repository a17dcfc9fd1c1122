import YongchainCore
import YongchainCrypto

/// `mortgage.apply`: a bank (the mortgagee, who signs the transaction) files a mortgage application for a
/// registered unit. The mortgagors MUST be exactly the unit's registered owners — people by the commitment the
/// bank computes from the identity and salt each owner handed it, organisations by credit code — each with their
/// signature over `consentBytes(chainID:)`: the application's content without the signatures, under
/// `Domain.consent` and the chain id, so a consent cannot be used on another chain, as another kind of message, or
/// for another bank, unit, amount, term or contract.
///
/// Building one (CLI, tests, a bank's system):
/// ```swift
/// let owner = ChainIdentity.person(try PersonOpening(id: residentID, salt: saltFromTheOwner), suite: chain.hashSuite)
/// var app = MortgageApplication(unitNumber: unit, mortgagee: bankKey.publicKey, mortgagors: [owner], debtor: debtor,
///                               principal: money, term: term, mortgageType: .general, contractHash: contractHash)
/// try app.sign(for: owner, with: ownerKey, chainID: chainID)   // or attachSignature(_:for:) for one made elsewhere
/// let tx = app.transaction(key: bankKey, nonce: nonce, chainID: chainID)
/// ```
///
/// JSON: `{"unitNumber", "mortgagee": "ed25519:…", "mortgagors": [{"commitment" | "creditCode", "signature": "<hex>"}],
/// "debtor": {"commitment"} | {"creditCode", "name"}, "principal": {"minorUnits", "currency"}, "term": {"start", "end"},
/// "mortgageType": "general" | "maximumAmount", "contractHash": "<64 hex>"}`.
public struct MortgageApplication: Payload, Equatable {
    public static let type = "mortgage.apply"
    public var unitNumber: UnitNumber
    /// The bank filing the application; MUST be the transaction's signer.
    public var mortgagee: PublicKey
    public var mortgagors: [Mortgagor]
    public var debtor: MortgageDebtor
    /// The secured principal; for a maximum-amount mortgage, the maximum secured amount.
    public var principal: Money
    public var term: MortgageTerm
    public var mortgageType: MortgageType
    /// The chain's hash (SHA-256 or SM3, `Genesis.hashSuite`) of the contract documents (loan and mortgage
    /// contracts), which stay off chain.
    public var contractHash: Hash

    /// An unsigned application naming `mortgagors` (each then signs with `sign` or `attachSignature`).
    public init(unitNumber: UnitNumber, mortgagee: PublicKey, mortgagors: [ChainIdentity], debtor: MortgageDebtor,
                principal: Money, term: MortgageTerm, mortgageType: MortgageType, contractHash: Hash) {
        self.unitNumber = unitNumber
        self.mortgagee = mortgagee
        self.mortgagors = mortgagors.map { Mortgagor(id: $0, signature: []) }
        self.debtor = debtor
        self.principal = principal
        self.term = term
        self.mortgageType = mortgageType
        self.contractHash = contractHash
    }

    /// The exact bytes every mortgagor signs: `Domain.consent`, the chain id, then the application's content
    /// without signatures, tagged with the transaction type.
    public func consentBytes(chainID: String) -> [UInt8] {
        Domain.consent.signingBytes(chainID: chainID, message: consentMessage)
    }

    /// Identifies the consented content, whatever the signatures: the chain refuses a second live application
    /// with the same content. `suite`: the chain's.
    func consentDigest(_ suite: HashSuite) -> Hash { suite.digest(consentMessage) }

    private var consentMessage: [UInt8] {
        var w = CanonicalWriter(capacity: 512)
        w.string(MortgageApplication.type)
        encodeContent(&w, signatures: false)
        return w.bytes
    }

    /// Signs as mortgagor `id` with `key`. Throws if `id` is not listed as a mortgagor.
    public mutating func sign(for id: ChainIdentity, with key: PrivateKey, chainID: String) throws {
        try attachSignature(key.sign(consentBytes(chainID: chainID)), for: id)
    }

    /// Attaches a signature over `consentBytes(chainID:)` made elsewhere (e.g. on the owner's own device).
    public mutating func attachSignature(_ signature: [UInt8], for id: ChainIdentity) throws {
        guard let i = mortgagors.firstIndex(where: { $0.id == id }) else {
            throw ValidationError(field: "mortgagors", message: "\(id) is not listed as a mortgagor")
        }
        guard signature.count <= MortgageLimits.maxSignatureBytes else {
            throw ValidationError(field: "mortgagors[\(i)].signature", message: "at most \(MortgageLimits.maxSignatureBytes) bytes")
        }
        mortgagors[i].signature = signature
    }

    public func validate() throws {
        guard !mortgagors.isEmpty, mortgagors.count <= MortgageLimits.maxOwners else {
            throw ValidationError(field: "mortgagors", message: "1 to \(MortgageLimits.maxOwners) mortgagors")
        }
        var ids = Set<ChainIdentity>()
        for (i, m) in mortgagors.enumerated() {
            guard ids.insert(m.id).inserted else { throw ValidationError(field: "mortgagors[\(i)].\(m.id.field)", message: "listed twice") }
            guard m.signature.count <= MortgageLimits.maxSignatureBytes else {
                throw ValidationError(field: "mortgagors[\(i)].signature", message: "at most \(MortgageLimits.maxSignatureBytes) bytes")
            }
        }
        try debtor.validate()
        guard principal.minorUnits > 0, principal.minorUnits <= Money.maxMinorUnits else {
            throw ValidationError(field: "principal.minorUnits", message: "a positive whole number of minor units, at most \(Money.maxMinorUnits)")
        }
        try term.validate()
    }

    private func encodeContent(_ w: inout CanonicalWriter, signatures: Bool) {
        w.string(unitNumber.value)
        w.publicKey(mortgagee)
        w.list(mortgagors) { w, m in
            m.id.encode(to: &w)
            if signatures { w.bytes(m.signature) }
        }
        debtor.encode(to: &w)
        MortgageCoding.writeMoney(&w, principal)
        term.encode(to: &w)
        w.u8(mortgageType.tag)
        w.hash(contractHash)
    }

    public func encode(to w: inout CanonicalWriter) { encodeContent(&w, signatures: true) }

    public init(from r: inout CanonicalReader) throws {
        let unit = try r.string("unitNumber", max: 64)
        unitNumber = try r.validated("unitNumber") { try UnitNumber(unit) }
        mortgagee = try r.publicKey("mortgagee")
        mortgagors = try r.list("mortgagors", max: MortgageLimits.maxOwners) { r in
            Mortgagor(id: try ChainIdentity(from: &r, ""), signature: try r.bytes("signature", max: MortgageLimits.maxSignatureBytes))
        }
        debtor = try MortgageDebtor(from: &r)
        principal = try MortgageCoding.readMoney(&r, "principal")
        term = try MortgageTerm(from: &r, "term")
        mortgageType = try MortgageType(tag: try r.u8("mortgageType"))
        contractHash = try r.hash("contractHash")
    }

    enum CodingKeys: String, CodingKey { case unitNumber, mortgagee, mortgagors, debtor, principal, term, mortgageType, contractHash }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        unitNumber = try UnitNumber(try c.decode(String.self, forKey: .unitNumber), field: "unitNumber")
        mortgagee = try c.decode(PublicKey.self, forKey: .mortgagee)
        mortgagors = try c.decode([Mortgagor].self, forKey: .mortgagors)
        debtor = try c.decode(MortgageDebtor.self, forKey: .debtor)
        principal = try MortgageCoding.money(try c.decode(MortgageCoding.JSONMoney.self, forKey: .principal), field: "principal")
        term = try c.decode(MortgageTerm.self, forKey: .term)
        let t = try c.decode(String.self, forKey: .mortgageType)
        guard let type = MortgageType(rawValue: t) else {
            throw ValidationError(field: "mortgageType", message: "'\(t)' is not general or maximumAmount")
        }
        mortgageType = type
        contractHash = try c.decode(Hash.self, forKey: .contractHash)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(unitNumber.value, forKey: .unitNumber)
        try c.encode(mortgagee, forKey: .mortgagee)
        try c.encode(mortgagors, forKey: .mortgagors)
        try c.encode(debtor, forKey: .debtor)
        try c.encode(MortgageCoding.JSONMoney(minorUnits: principal.minorUnits, currency: principal.currency.code), forKey: .principal)
        try c.encode(term, forKey: .term)
        try c.encode(mortgageType.rawValue, forKey: .mortgageType)
        try c.encode(contractHash, forKey: .contractHash)
    }
}

/// A mortgagor named in an application and their consent signature (empty until they sign).
/// JSON: `{"commitment": "<64 hex>", "signature": "<hex>"}` (or `"creditCode"` for an organisation). The key is not
/// repeated here: it comes from the property register, so nothing in the body can claim someone else's key.
public struct Mortgagor: Sendable, Equatable, Codable {
    public var id: ChainIdentity
    public var signature: [UInt8]

    public init(id: ChainIdentity, signature: [UInt8]) {
        self.id = id
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey { case signature }
    public init(from decoder: Decoder) throws {
        id = try ChainIdentity(json: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decodeIfPresent(String.self, forKey: .signature) ?? ""
        guard let sig = Hex.decode(text) else {
            throw ValidationError(field: JSONPath.of(decoder.codingPath, "signature"), message: "not hex")
        }
        signature = sig
    }
    public func encode(to encoder: Encoder) throws {
        try id.encodeJSON(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Hex.encode(signature), forKey: .signature)
    }
}

/// The debtor whose debt the mortgage secures; often, but not always, a mortgagor. A person by commitment alone (no
/// name on chain; a debtor who owns nothing gets a salt from the lending bank with the loan contract, and one who
/// is an owner may be named by their owner commitment); an organisation by credit code and name.
///
/// Canonical: `identity ‖ str(name)` for an organisation, `identity` alone for a person.
/// JSON: `{"commitment": "<64 hex>"}` or `{"creditCode": "…", "name": "…"}`.
public struct MortgageDebtor: Sendable, Equatable, Codable {
    public let id: ChainIdentity
    /// The organisation's name; nil for a person.
    public let name: String?

    public init(person commitment: Hash) {
        id = .person(commitment)
        name = nil
    }

    public init(organisation: CreditCode, name: String) {
        id = .organisation(organisation)
        self.name = name
    }

    func validate() throws {
        switch id {
        case .person:
            guard name == nil else { throw ValidationError(field: "debtor.name", message: "a person's name is not on chain: give their commitment only") }
        case .organisation:
            try MortgageCoding.nonEmpty(name ?? "", max: MortgageLimits.maxNameBytes, field: "debtor.name")
        }
    }

    func encode(to w: inout CanonicalWriter) {
        id.encode(to: &w)
        if case .organisation = id { w.string(name ?? "") }
    }

    init(from r: inout CanonicalReader) throws {
        id = try ChainIdentity(from: &r, "debtor")
        if case .organisation = id { name = try r.string("debtor.name", max: MortgageLimits.maxNameBytes) } else { name = nil }
    }

    enum CodingKeys: String, CodingKey { case name }
    public init(from decoder: Decoder) throws {
        id = try ChainIdentity(json: decoder)
        name = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .name)
    }
    public func encode(to encoder: Encoder) throws {
        try id.encodeJSON(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
    }
}
