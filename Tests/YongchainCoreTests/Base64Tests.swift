import Foundation
import Testing
import YongchainCore

/// `Base64.encode` writes what Foundation's `base64EncodedString()` writes (the form docs/proofs.md's answers carry),
/// for every length's padding and every byte value.
@Suite struct Base64Tests {
    @Test func writesWhatFoundationWritesForEveryLengthAndByte() {
        var g = SystemRandomNumberGenerator()
        for n in 0...200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "length \(n)")
        }
        let every = (0...255).map { UInt8($0) }
        #expect(Base64.encode(every) == Data(every).base64EncodedString())
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy" && Base64.encode(Array("fooba".utf8)) == "Zm9vYmE="
                && Base64.encode(Array("foob".utf8)) == "Zm9vYg==")  // RFC 4648's own vectors
    }
}
