import Testing
import YongchainCore
import YongchainTestSupport

@Suite struct StateKeyBytesTests {
    /// `[UInt8](key:_:)` is the interpolated string's UTF-8: names empty, short enough to be held inline (up to 15
    /// bytes), long, and with scalars of every UTF-8 length; prefixes empty and not.
    @Test func aKeyIsThePrefixThenTheNamesUTF8() {
        var rng = SplitMix64(seed: 0x57A7E)
        let scalars: [Character] = ["a", "Z", "0", "/", "-", "é", "中", "\u{1F3E0}", "\u{0}"]
        for _ in 0..<5_000 {
            let name = String((0..<rng.int(0...40)).map { _ in scalars[rng.int(0...scalars.count - 1)] })
            #expect([UInt8](key: "property/", name) == Array("property/\(name)".utf8), "\(name)")
            #expect([UInt8](key: "", name) == Array(name.utf8), "\(name)")
        }
        #expect([UInt8](key: "party/", "") == Array("party/".utf8))
        let sub = "xx-title-xx".split(separator: "-")[1]
        #expect([UInt8](key: "t/", String(sub)) == Array("t/title".utf8))
    }
}
