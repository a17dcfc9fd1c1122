import Foundation
import Testing
@testable import YongchainHTTP

/// Header names compare case-insensitively in ASCII only, whatever storage the strings have.
@Suite struct HTTPHeadersTests {
    @Test func namesMatchIgnoringASCIICaseOnly() {
        let h = HTTPHeaders([("X-Yongchain-Session", "s1"), ("content-TYPE", "application/json"), ("Straße", "x")])
        #expect(h["x-yongchain-session"] == "s1" && h["CONTENT-type"] == "application/json")
        #expect(h["X-Yongchain-Sessio"] == nil && h["X-Yongchain-Sessions"] == nil && h["Content_Type"] == nil)
        // Non-ASCII letters are not folded; bridged and substring-made names compare the same as native ones.
        #expect(h["STRASSE"] == nil && h["straße"] == "x" && h["STRAßE"] == "x")
        let bridged = NSString(string: "CONTENT-TYPE") as String
        let sliced = String("xxcontent-type".dropFirst(2))
        #expect(h[bridged] == "application/json" && h[sliced] == "application/json")
        // One byte apart, at the start and at the end.
        #expect(!asciiCaseInsensitiveEquals("aBc", "xbc") && !asciiCaseInsensitiveEquals("abC", "abD") && asciiCaseInsensitiveEquals("", ""))
        // Characters whose codes differ by 32 but are not letters do not match.
        #expect(!asciiCaseInsensitiveEquals("@", "`") && !asciiCaseInsensitiveEquals("[", "{"))
    }
}
