import YongchainCore
import YongchainCrypto

/// Trade-finance state layout (a schema: changing a key's form changes every state hash). docs/trade-finance.md
/// draws it. Sequence parts are zero-padded decimal so key order is chronological order.
extension StateKey {
    static func declaration(_ n: DeclarationNumber) -> [UInt8] { Array("declaration/\(n.value)".utf8) }
    static func declarationByExporter(_ c: CreditCode, _ n: DeclarationNumber) -> [UInt8] {
        Array("declaration-by-exporter/\(c.value)/\(n.value)".utf8)
    }
    static func declarationByExporterPrefix(_ c: CreditCode) -> [UInt8] { Array("declaration-by-exporter/\(c.value)/".utf8) }

    static func financing(_ id: Hash) -> [UInt8] { Array("financing/\(id.hex)".utf8) }
    static func financingByExporter(_ c: CreditCode, height: UInt64, index: Int) -> [UInt8] {
        Array("financing-by-exporter/\(c.value)/\(TradeWire.pad(height, 20))/\(TradeWire.pad(UInt64(index), 6))".utf8)
    }
    static func financingByExporterPrefix(_ c: CreditCode) -> [UInt8] { Array("financing-by-exporter/\(c.value)/".utf8) }

    static func pledge(_ n: DeclarationNumber, _ financing: Hash) -> [UInt8] { Array("pledge/\(n.value)/\(financing.hex)".utf8) }
    static func pledgePrefix(_ n: DeclarationNumber) -> [UInt8] { Array("pledge/\(n.value)/".utf8) }

    static func repayment(_ financing: Hash, _ seq: UInt32) -> [UInt8] {
        Array("repayment/\(financing.hex)/\(TradeWire.pad(UInt64(seq), 10))".utf8)
    }
    static func repaymentPrefix(_ financing: Hash) -> [UInt8] { Array("repayment/\(financing.hex)/".utf8) }

    static func exposure(_ c: CreditCode, _ bank: PublicKey, _ currency: Currency) -> [UInt8] {
        Array("credit-exposure/\(c.value)/\(bank.text)/\(currency.code)".utf8)
    }
    static func exposurePrefix(_ c: CreditCode) -> [UInt8] { Array("credit-exposure/\(c.value)/".utf8) }

    static func authorization(_ c: CreditCode, _ bank: PublicKey) -> [UInt8] { Array("authorization/\(c.value)/\(bank.text)".utf8) }
    static func authorizationPrefix(_ c: CreditCode) -> [UInt8] { Array("authorization/\(c.value)/".utf8) }

    static func creditQuery(_ c: CreditCode, height: UInt64, index: Int) -> [UInt8] {
        Array("credit-query/\(c.value)/\(TradeWire.pad(height, 20))/\(TradeWire.pad(UInt64(index), 6))".utf8)
    }
    static func creditQueryPrefix(_ c: CreditCode) -> [UInt8] { Array("credit-query/\(c.value)/".utf8) }
    static func creditQueryID(_ tx: Hash) -> [UInt8] { Array("credit-query-id/\(tx.hex)".utf8) }
}
