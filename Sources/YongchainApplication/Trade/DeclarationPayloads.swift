import YongchainCore
import YongchainCrypto

/// The fields of an export declaration that a financing bank holds (from the exporter's copy of the customs
/// declaration) and that the trade authority's published commitment binds.
///
/// `documentDigest` is the chain's hash (SHA-256 or SM3, `Genesis.hashSuite`) of the full declaration document as the authority issued it (its bytes, e.g. the
/// XML/PDF); it is never published, so the commitment reveals nothing about the rest of the document, and a
/// forged or altered document gives a different digest.
public struct DeclarationFields: Sendable, Equatable, Codable, CanonicalCodable {
    /// Prefix of the hashed bytes, so a commitment can never be mistaken for any other hash on the chain.
    public static let commitmentTag = "yongchain/declaration-commitment/v1"

    public var number: DeclarationNumber
    public var exporter: CreditCode
    public var amount: Money
    /// Export date as the integer YYYYMMDD.
    public var exportDate: UInt32
    public var documentDigest: Hash

    public init(number: DeclarationNumber, exporter: CreditCode, amount: Money, exportDate: UInt32, documentDigest: Hash) {
        self.number = number
        self.exporter = exporter
        self.amount = amount
        self.exportDate = exportDate
        self.documentDigest = documentDigest
    }

    /// The commitment the trade authority publishes and the chain compares against, H being the chain's hash
    /// suite (`suite`):
    ///
    ///     H( str(tag) ‖ str(number) ‖ str(exporter) ‖ i64(amount minor units) ‖ str(currency)
    ///              ‖ u32(exportDate) ‖ documentDigest[32] )
    ///
    /// where `str(x)` is a big-endian UInt32 byte length then the UTF-8 bytes, integers are big-endian, and
    /// `tag` is `commitmentTag`. This is exactly `canonicalBytes` prefixed with `str(tag)`.
    public func commitment(_ suite: HashSuite) -> Hash {
        var w = CanonicalWriter(capacity: 160)
        w.string(DeclarationFields.commitmentTag)
        encode(to: &w)
        return suite.digest(w.bytes)
    }

    func validate(_ field: String) throws {
        try TradeWire.checkMoney(amount, "\(field).amount")
        try TradeWire.checkDate(exportDate, "\(field).exportDate")
    }

    public func encode(to w: inout CanonicalWriter) {
        DeclarationWire.encode(&w, number, exporter, amount, exportDate, documentDigest)
    }

    public init(from r: inout CanonicalReader) throws {
        (number, exporter, amount, exportDate, documentDigest) = try DeclarationWire.decode(&r, last: "documentDigest")
    }
}

/// The canonical form both declaration records share: number, exporter, amount, export date, then one hash (the
/// document digest the bank holds, or the commitment the authority publishes).
enum DeclarationWire {
    static func encode(_ w: inout CanonicalWriter, _ number: DeclarationNumber, _ exporter: CreditCode, _ amount: Money,
                       _ exportDate: UInt32, _ hash: Hash) {
        w.string(number.value)
        w.string(exporter.value)
        TradeWire.money(&w, amount)
        w.u32(exportDate)
        w.hash(hash)
    }

    static func decode(_ r: inout CanonicalReader, last: String) throws -> (DeclarationNumber, CreditCode, Money, UInt32, Hash) {
        (try TradeWire.declarationNumber(&r, "number"), try TradeWire.creditCode(&r, "exporter"), try TradeWire.money(&r, "amount"),
         try r.u32("exportDate"), try r.hash(last))
    }
}

/// One declaration as the trade authority publishes it: the clear fields and the commitment to the document.
public struct PublishedDeclaration: Sendable, Equatable, Codable, CanonicalCodable {
    public var number: DeclarationNumber
    public var exporter: CreditCode
    public var amount: Money
    /// Export date as the integer YYYYMMDD.
    public var exportDate: UInt32
    /// `DeclarationFields.commitment` of the full fields.
    public var commitment: Hash

    public init(number: DeclarationNumber, exporter: CreditCode, amount: Money, exportDate: UInt32, commitment: Hash) {
        self.number = number
        self.exporter = exporter
        self.amount = amount
        self.exportDate = exportDate
        self.commitment = commitment
    }

    /// What the authority publishes for `fields` on a chain whose hashes are `suite`'s.
    public init(_ fields: DeclarationFields, suite: HashSuite) {
        self.init(number: fields.number, exporter: fields.exporter, amount: fields.amount, exportDate: fields.exportDate,
                  commitment: fields.commitment(suite))
    }

    func validate(_ field: String) throws {
        try TradeWire.checkMoney(amount, "\(field).amount")
        try TradeWire.checkDate(exportDate, "\(field).exportDate")
    }

    public func encode(to w: inout CanonicalWriter) {
        DeclarationWire.encode(&w, number, exporter, amount, exportDate, commitment)
    }

    public init(from r: inout CanonicalReader) throws {
        (number, exporter, amount, exportDate, commitment) = try DeclarationWire.decode(&r, last: "commitment")
    }
}

/// `declaration.publish`: the trade authority (a registry with the `trade` authority) publishes a batch of
/// declaration commitments. All or nothing: one duplicate or unknown exporter refuses the whole batch.
public struct PublishDeclarations: Payload, Equatable {
    public static let type = "declaration.publish"
    public var declarations: [PublishedDeclaration]

    public init(declarations: [PublishedDeclaration]) { self.declarations = declarations }

    public func validate() throws {
        guard !declarations.isEmpty, declarations.count <= TradeLimits.maxDeclarationsPerBatch else {
            throw ValidationError(field: "declarations", message: "1 to \(TradeLimits.maxDeclarationsPerBatch) declarations")
        }
        for (i, d) in declarations.enumerated() { try d.validate("declarations[\(i)]") }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.list(declarations) { $0.item($1) }
    }

    public init(from r: inout CanonicalReader) throws {
        declarations = try r.list("declarations", max: TradeLimits.maxDeclarationsPerBatch) { try $0.item(PublishedDeclaration.self) }
    }
}
