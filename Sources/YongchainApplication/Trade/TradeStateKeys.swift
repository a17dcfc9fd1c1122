import YongchainCore
import YongchainCrypto

/// Trade-finance state layout (a schema: changing a key's form changes every state hash). docs/trade-finance.md
/// draws it.
///
/// Every list a credit record or query log reads is numbered 1...count with no gaps, its count in a record
/// (`trade-lists/<enterprise>`, a declaration, a financing), so a query reads it with one `get` per entry and
/// never scans: the state tree proves single keys, not ranges. Sequence parts are zero-padded decimal.
extension StateKey {
    static func declaration(_ n: DeclarationNumber) -> [UInt8] { [UInt8](key: "declaration/", n.value) }

    /// The counts of an enterprise's lists (`TradeListCounts`).
    static func tradeLists(_ c: CreditCode) -> [UInt8] { [UInt8](key: "trade-lists/", c.value) }

    /// An exporter's declarations in publication order: the declaration number, UTF-8.
    static func declarationByExporter(_ c: CreditCode, _ seq: UInt64) -> [UInt8] {
        Array("declaration-by-exporter/\(c.value)/\(TradeWire.seq(seq))".utf8)
    }

    static func financing(_ id: Hash) -> [UInt8] { [UInt8](key: "financing/", id.hex) }
    /// An exporter's financings in execution order: the financing id, 32 bytes.
    static func financingByExporter(_ c: CreditCode, _ seq: UInt64) -> [UInt8] {
        Array("financing-by-exporter/\(c.value)/\(TradeWire.seq(seq))".utf8)
    }

    static func pledge(_ n: DeclarationNumber, _ financing: Hash) -> [UInt8] { Array("pledge/\(n.value)/\(financing.hex)".utf8) }
    /// Every financing that ever pledged declaration `n`, in pledge order: the financing id, 32 bytes. Released
    /// pledges keep their entry; their `pledge/<number>/<id>` is gone.
    static func declarationPledge(_ n: DeclarationNumber, _ seq: UInt64) -> [UInt8] {
        Array("declaration-pledge/\(n.value)/\(TradeWire.seq(seq))".utf8)
    }

    /// Repayment `seq` (1...`FinancingRecord.repayments`) of a financing.
    static func repayment(_ financing: Hash, _ seq: UInt32) -> [UInt8] {
        Array("repayment/\(financing.hex)/\(TradeWire.pad(UInt64(seq), 10))".utf8)
    }

    static func exposure(_ c: CreditCode, _ bank: PublicKey, _ currency: Currency) -> [UInt8] {
        Array("credit-exposure/\(c.value)/\(bank.text)/\(currency.code)".utf8)
    }
    /// An enterprise's exposure rows in order of first financing: `<bank>/<currency>`, UTF-8.
    static func exposureByEnterprise(_ c: CreditCode, _ seq: UInt64) -> [UInt8] {
        Array("exposure-by-enterprise/\(c.value)/\(TradeWire.seq(seq))".utf8)
    }

    static func authorization(_ c: CreditCode, _ bank: PublicKey) -> [UInt8] { Array("authorization/\(c.value)/\(bank.text)".utf8) }
    /// Every bank an enterprise ever authorised, in order of first grant: the bank's key text, UTF-8.
    static func authorizationByEnterprise(_ c: CreditCode, _ seq: UInt64) -> [UInt8] {
        Array("authorization-by-enterprise/\(c.value)/\(TradeWire.seq(seq))".utf8)
    }

    /// Logged credit query `seq` about an enterprise: the `CreditQueryRecord` itself (a log entry never changes).
    static func creditQuery(_ c: CreditCode, _ seq: UInt64) -> [UInt8] {
        Array("credit-query/\(c.value)/\(TradeWire.seq(seq))".utf8)
    }
    static func creditQueryID(_ tx: Hash) -> [UInt8] { [UInt8](key: "credit-query-id/", tx.hex) }
}
