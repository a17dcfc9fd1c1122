import YongchainCore
import YongchainCrypto

/// The mortgage registry's state layout. Every key is `/`-separated text whose first segment is its table, so
/// each query is one `get` or one prefix scan. Changing a key's form changes every state hash: this is a schema.
///
/// | key | value |
/// |---|---|
/// | `property/<unit>` | `Property` (the registered facts) |
/// | `property-status/<unit>` | `PropertyStatus` (lien counter, seizure counter, active seizure) |
/// | `property-title/<title certificate no>` | unit number, UTF-8 |
/// | `seizure/<unit>/<seq:6>` | `Seizure` |
/// | `mortgage/<application id hex>` | `MortgageRecord` (the whole application and its decisions: its parties' business) |
/// | `mortgage-consent/<consent digest hex>` | application id, 32 bytes |
/// | `lien/<unit>/<priority:6>` | `Lien` (the public part of a registered mortgage: what any bank may be shown) |
/// | `certificate/<registration certificate no>` | its lien's unit and priority (`Lien.reference`) |
/// | `certificate-seq/<year>` | u64: the last sequence number issued that year |
/// | `bank-filings/<bank key text>/<height:20>.<tx index:6>` | application id, 32 bytes |
///
/// `<n:k>` is a zero-padded decimal of k digits so that key order is numeric order.
extension StateKey {
    static func property(_ unit: UnitNumber) -> [UInt8] { [UInt8](key: "property/", unit.value) }
    static func propertyStatus(_ unit: UnitNumber) -> [UInt8] { [UInt8](key: "property-status/", unit.value) }
    static func propertyTitle(_ titleCertificate: String) -> [UInt8] { [UInt8](key: "property-title/", titleCertificate) }

    static func seizurePrefix(_ unit: UnitNumber) -> [UInt8] { Array("seizure/\(unit.value)/".utf8) }
    static func seizure(_ unit: UnitNumber, _ seq: UInt32) -> [UInt8] { seizurePrefix(unit) + Array(MortgageKeys.pad(UInt64(seq), 6).utf8) }

    static func mortgage(_ id: Hash) -> [UInt8] { [UInt8](key: "mortgage/", id.hex) }
    static func mortgageConsent(_ digest: Hash) -> [UInt8] { [UInt8](key: "mortgage-consent/", digest.hex) }

    static func lienPrefix(_ unit: UnitNumber) -> [UInt8] { Array("lien/\(unit.value)/".utf8) }
    static func lien(_ unit: UnitNumber, _ priority: UInt32) -> [UInt8] { lienPrefix(unit) + Array(MortgageKeys.pad(UInt64(priority), 6).utf8) }

    static func certificate(_ number: String) -> [UInt8] { [UInt8](key: "certificate/", number) }
    static func certificateSequence(_ year: Int) -> [UInt8] { Array("certificate-seq/\(year)".utf8) }

    static func bankFilingsPrefix(_ bank: PublicKey) -> [UInt8] { Array("bank-filings/\(bank.text)/".utf8) }
    static func bankFiling(_ bank: PublicKey, height: UInt64, txIndex: Int) -> [UInt8] {
        bankFilingsPrefix(bank) + Array(MortgageKeys.filingCursor(height: height, txIndex: txIndex).utf8)
    }
}

enum MortgageKeys {
    /// `n` in decimal, zero-padded to at least `width` digits.
    static func pad(_ n: UInt64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// The last key segment of a bank filing, also the page cursor of `MortgageQueries.filings`.
    static func filingCursor(height: UInt64, txIndex: Int) -> String { "\(pad(height, 20)).\(pad(UInt64(txIndex), 6))" }
}
