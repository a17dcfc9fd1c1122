import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

@Suite struct TransactionJSONTests {
    /// A type is 1 to 64 of A–Z a–z 0–9 . _ - (docs/openapi.yaml): every character from U+0000 to U+00FF, and a few
    /// beyond, inside an otherwise good type, is let through exactly when it is one of those.
    @Test func aTypeIsLettersDigitsDotUnderscoreAndHyphen() throws {
        let key = try PrivateKey.fromSeed([UInt8](repeating: 5, count: 32))
        let tx = Transaction.signed(type: "property.register", body: [1], nonce: 1, key: key, chainID: "c")
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)
        let scalars = (0...0xff).compactMap(Unicode.Scalar.init) + ["\u{100}", "\u{2010}", "\u{FF21}", "\u{1F3E0}"]
        for c in scalars {
            for type in ["a\(c)b", "\(c)"] {
                var j = TransactionJSON(tx)
                j.type = type
                let parsed = try? j.transaction()
                #expect((parsed != nil) == allowed.contains(c), "U+\(String(c.value, radix: 16)) in '\(type)'")
                if let parsed { #expect(parsed.type == type && parsed.body == tx.body && parsed.signer == tx.signer) }
            }
        }
        var j = TransactionJSON(tx)
        j.type = String(repeating: "a", count: Transaction.maxTypeLength)
        #expect((try? j.transaction()) != nil)
        j.type += "a"
        #expect((try? j.transaction()) == nil)
        j.type = ""
        #expect((try? j.transaction()) == nil)
    }
}
