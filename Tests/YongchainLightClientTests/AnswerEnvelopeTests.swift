import Foundation
import Testing
import YongchainCore
import YongchainLightClient

/// A proven answer's `proof` object, written by its own writer, is byte for byte what `JSONEncoder` writes with
/// sorted keys, and its base64 decodes back to the bytes it carries.
@Suite struct AnswerEnvelopeTests {
    @Test func theProofWritesWhatJSONEncoderWrites() throws {
        let query: [UInt8] = [1, 0xfb, 0xff, 0x3e, 0x3f], bundle = (0..<1000).map { UInt8($0 % 251) }
        let proof = AnswerEnvelope.Proof(query: query, bundle: bundle)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try SortedJSON.encode(proof), as: UTF8.self) == String(decoding: try e.encode(proof), as: UTF8.self))
        #expect(Data(base64Encoded: proof.query).map(Array.init) == query)
        #expect(Data(base64Encoded: proof.bundle).map(Array.init) == bundle)
    }
}
