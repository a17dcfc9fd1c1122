import Foundation
import Testing
import YongchainCore
import YongchainCrypto
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

/// The envelope written into one buffer is the bytes the interpolated-string version wrote, for every shape it
/// takes: result or error, with or without a proof, heights from 0 to UInt64.max, a hash with every byte value.
@Suite struct AnswerEnvelopeBytesTests {
    /// The writer as it was (session 15), kept as the reference.
    static func reference(height: UInt64, blockHash: Hash, result: [UInt8]?, error: (code: String, message: String)?,
                          proof: AnswerEnvelope.Proof?) -> [UInt8] {
        var body = Array("{\"blockHash\":\"\(blockHash.hex)\",".utf8)
        if let error {
            body += Array("\"error\":".utf8) + ((try? SortedJSON.encode(["code": error.code, "message": error.message])) ?? []) + [UInt8(ascii: ",")]
        }
        body += Array("\"height\":\(height)".utf8)
        if let proof { body += Array(",\"proof\":".utf8) + ((try? SortedJSON.encode(proof)) ?? []) }
        if let result { body += Array(",\"result\":".utf8) + result }
        body.append(UInt8(ascii: "}"))
        return body
    }

    @Test func theEnvelopeIsTheReferenceBytes() {
        let hashes = [Hash.zero, Hash(Array(0..<32))!, Hash(Array(224...255))!, HashSuite.sha256.digest(Array("x".utf8))]
        let results: [[UInt8]?] = [nil, [], Array(#"{"a":"\u00e9 \"q\""}"#.utf8), Array(repeating: UInt8(ascii: "7"), count: 5_000)]
        let errors: [(code: String, message: String)?] = [nil, ("NOT_FOUND", "no unit \"12\"\n\u{1F600}")]
        let proofs: [AnswerEnvelope.Proof?] = [nil, AnswerEnvelope.Proof(query: [1, 2, 3], bundle: Array(0..<200))]
        var cases = 0
        for height: UInt64 in [0, 9, 10, 1_234_567, UInt64.max] {
            for h in hashes {
                for r in results {
                    for e in errors {
                        for p in proofs {
                            let got = AnswerEnvelope.encode(height: height, blockHash: h, result: r, error: e, proof: p)
                            #expect(got == Self.reference(height: height, blockHash: h, result: r, error: e, proof: p),
                                    "height \(height) hash \(h) result \(r?.count ?? -1) error \(e != nil) proof \(p != nil)")
                            cases += 1
                        }
                    }
                }
            }
        }
        #expect(cases == 320)
    }
}
