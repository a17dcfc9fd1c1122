import Foundation
import Testing
import YongchainCore
import YongchainTestSupport

/// `StrictJSON`: what "the same answer" and "a request body" mean in every language (docs/proofs.md, "Comparing
/// answers"; docs/http.md, "JSON").
@Suite struct StrictJSONTests {
    func parse(_ s: String) -> StrictJSON? { try? StrictJSON.parse(Array(s.utf8)) }

    @Test func keyOrderAndSpacingAreNotTheValue() {
        #expect(parse(#"{"a":1,"b":[true,null,"x"]}"#) == parse(" {\n\"b\" : [ true , null , \"x\" ] , \"a\" : 1 } "))
        #expect(parse(#"{"a":[1,2]}"#) != parse(#"{"a":[2,1]}"#))
        #expect(parse(#"{"a":"\u00e9\/"}"#) == parse(#"{"a":"é/"}"#))
    }

    /// 800000.0 is not 800000: a number with a fraction or an exponent is refused, not rounded or truncated.
    @Test func numbersAreIntegersWrittenAsIntegers() {
        #expect(parse("800000") == .integer("800000"))
        for bad in ["800000.0", "8e5", "8E5", "1000.000000000000000001", "-0", "012", "+1", "18446744073709551616",
                    "-9223372036854775809", ".5", "-"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        #expect(parse("18446744073709551615") == .integer("18446744073709551615"))
        #expect(parse("-9223372036854775808") == .integer("-9223372036854775808"))
    }

    /// Strings are compared by their scalars: NFC and NFD forms of one text are different values.
    @Test func stringsAreNeverNormalised() {
        #expect(parse("\"\u{E9}\"") != parse("\"e\u{301}\""))
        #expect(parse(#""\ud83d\ude00""#) == .string(Array("😀".utf8)))
        for bad in [#""\ud800""#, #""\udc00x""#, #""\ud800\u0041""#, "\"a\u{01}\"", #""\x""#, "\"abc"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        #expect((try? StrictJSON.parse([0x22, 0xff, 0x22])) == nil, "bytes that are not UTF-8")
    }

    @Test func duplicateKeysTrailingTextAndDeepNestingAreRefused() {
        #expect(parse(#"{"free":0,"free":500000}"#) == nil)
        #expect(parse(#"{"a":{"x":1},"b":{"x":1}}"#) != nil)
        #expect(parse("{} {}") == nil)
        #expect(parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) == nil, "65 levels")
        #expect(parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil, "64 levels")
        #expect(parse("[1,]") == nil && parse("{\"a\":1,}") == nil && parse("") == nil && parse("tru") == nil)
    }

    /// `parse(_:maxValues:)` builds what `parse` does up to the bound and gives up (nil) past it, whether or not
    /// the rest is strict; below the bound a refusal is `parse`'s.
    @Test func aBoundedParseBuildsAtMostItsValues() throws {
        let text = Array(#"{"a":[1,2,{"b":null}],"c":"x"}"#.utf8)   // 7 values
        #expect(try StrictJSON.parse(text, maxValues: 7) == StrictJSON.parse(text))
        #expect(try StrictJSON.parse(text, maxValues: 6) == nil)
        #expect(try StrictJSON.parse(Array("[1,2,3,".utf8), maxValues: 2) == nil, "past the bound the rest is not read")
        #expect(throws: StrictJSON.Malformed.self) { try StrictJSON.parse(Array("[1,]".utf8), maxValues: 10) }
    }
}

/// `StrictJSON.check` (a request body's test, which builds nothing) refuses exactly what `parse` refuses, with the
/// same error, on seeded random texts made of the pieces where the rules live.
@Suite struct StrictJSONCheckTests {
    static let pieces: [[UInt8]] = [
        Array(#"{"a":"#.utf8), Array(#""k":"#.utf8), Array(#"[1,"#.utf8), Array("]".utf8), Array("}".utf8), Array(",".utf8),
        Array(#"""#.utf8), Array(#"\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array(#"\ud83d\ude00"#.utf8),
        Array(#"\ud800"#.utf8), Array(#"\x"#.utf8), Array("abc".utf8), Array("é".utf8), [0xC3], [0xA9], [0xFF], [0xED, 0xA0, 0x80],
        [0x01], Array(" ".utf8), Array("0".utf8), Array("-".utf8), Array("12".utf8), Array("1.5".utf8), Array("-0".utf8),
        Array("9223372036854775807".utf8), Array("18446744073709551616".utf8), Array("true".utf8), Array("nul".utf8),
        Array(#"{"a":1,"a":2}"#.utf8), Array(#"{"\u0061":1,"a":2}"#.utf8),
    ]

    func outcome(_ f: () throws -> Void) -> String {
        do { try f(); return "ok" } catch { return "\(error)" }
    }

    @Test func checkRefusesWhatParseRefusesWithTheSameError() {
        var rng = SplitMix64(seed: 29)
        var accepted = 0
        for _ in 0..<20_000 {
            var text: [UInt8] = []
            for _ in 0..<rng.int(1...8) { text += Self.pieces[rng.int(0...Self.pieces.count - 1)] }
            let parsed = outcome { _ = try StrictJSON.parse(text) }
            #expect(outcome { try StrictJSON.check(text) } == parsed, "\(text)")
            if parsed == "ok" { accepted += 1 }
        }
        #expect(accepted > 100, "the cases reach accepted texts too")
    }

    /// The raw bytes between escapes are checked run by run: an escape stands for whole scalars, so a sequence cut
    /// by one is refused, and the error names the last run's first byte, as when the string was checked whole.
    @Test func rawBytesAroundEscapesAreUTF8ExactlyWhenTheWholeStringIs() throws {
        #expect(throws: Never.self) { try StrictJSON.check(Array("\"é\\né\\u00e9é\"".utf8)) }
        let cut: [UInt8] = [0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22]  // "é" with \n between its two bytes
        #expect(outcome { try StrictJSON.check(cut) } == "byte 4: a string that is not UTF-8")
        #expect(outcome { _ = try StrictJSON.parse(cut) } == "byte 4: a string that is not UTF-8")
        let stray: [UInt8] = Array(#""\u00e9"#.utf8) + [0xA9, 0x22]  // a continuation byte after an escaped é
        #expect(outcome { try StrictJSON.check(stray) } == "byte 7: a string that is not UTF-8")
    }
}
