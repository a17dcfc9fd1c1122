import Foundation
import Testing
import YongchainCore

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
}
