import Testing
@testable import YongchainCrypto
import YongchainTestSupport

/// Hex text, written and read straight over the bytes, against the plainest way to do each: Foundation-free
/// reference functions that walk a character at a time.
@Suite struct HexTests {
    static func referenceDecode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            if let i = Array("0123456789abcdef".utf8).firstIndex(of: c) { return UInt8(i) }
            if let i = Array("ABCDEF".utf8).firstIndex(of: c) { return UInt8(10 + i) }
            return nil
        }
        var out: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi * 16 + lo)
        }
        return out
    }

    static func referenceEncode(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Random texts of hex digits in both cases, some with one character changed to a non-digit (ASCII neighbours
    /// of the digit ranges, a NUL, a multi-byte character) or an odd length: the same bytes or the same nil.
    @Test func decodeAgreesWithTheReference() {
        var rng = SplitMix64(seed: 16)
        let alphabet = Array("0123456789abcdefABCDEF")
        let bad: [Character] = ["/", ":", "@", "G", "`", "g", " ", "\u{0}", "é", "😀", "x"]
        var refused = 0
        for n in 0..<4_000 {
            var chars = (0..<rng.int(0...70)).map { _ in alphabet[rng.int(0...alphabet.count - 1)] }
            if n % 3 == 1, !chars.isEmpty { chars[rng.int(0...chars.count - 1)] = bad[rng.int(0...bad.count - 1)] }
            let text = String(chars)
            let expected = Self.referenceDecode(text)
            if expected == nil { refused += 1 }
            #expect(Hex.decode(text) == expected, "\(text)")
            #expect(Array(text.utf8).withUnsafeBufferPointer { Hex.decode(utf8: $0) } == expected, "\(text)")
        }
        #expect(refused > 1_000)
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("0") == nil && Hex.decode("zz") == nil && Hex.decode("0g") == nil)
        // A substring's text, which need not start at its storage's beginning.
        #expect(Hex.decode(String("xx00ff".dropFirst(2))) == [0, 255])
    }

    @Test func encodeAndAppendAgreeWithTheReference() {
        var rng = SplitMix64(seed: 17)
        for _ in 0..<500 {
            let bytes = (0..<rng.int(0...80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = Self.referenceEncode(bytes)
            #expect(Hex.encode(bytes) == expected)
            #expect(Hex.utf8(bytes) == Array(expected.utf8))
            #expect(Hex.utf8(bytes, appendingTo: Array("k/".utf8)) == Array(("k/" + expected).utf8))
            var out = Array("pre".utf8)
            Hex.append(bytes, to: &out)
            #expect(out == Array(("pre" + expected).utf8))
            #expect(Hex.decode(expected) == bytes)
        }
        #expect(Hex.encode(Array(0...255)).hasSuffix("fcfdfeff"))
    }

    /// A public key's text and a state key named by it, written in one pass: `<suite>:` and the hex of the key.
    @Test func aKeysTextIsItsSuiteAndHex() throws {
        let keys = try [0, 1, 255].map { try PrivateKey.fromSeed([UInt8](repeating: $0, count: 32)).publicKey }
            + [try PrivateKey.generate(suite: .sm2).publicKey]
        for key in keys {
            let expected = (key.suite == .sm2 ? "sm2:" : "ed25519:") + Self.referenceEncode(key.bytes)
            #expect(key.text == expected)
            #expect(key.textUTF8() == Array(expected.utf8))
            #expect(key.textUTF8(after: Array("member/".utf8)) == Array(("member/" + expected).utf8))
            #expect(PublicKey(text: key.text) == key)
        }
    }
}
