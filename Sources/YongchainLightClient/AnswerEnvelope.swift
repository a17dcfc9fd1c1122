import Foundation
import YongchainCore
import YongchainCrypto

/// A verification endpoint's answer as the node writes it and a light client reads it (docs/proofs.md, docs/openapi.yaml):
/// `{"blockHash", "error"?, "height", "proof"?, "result"?}` — keys in sorted order, as every answer of the API;
/// `result` is the query's own sorted JSON; `proof` is present with `?prove=true`, its `query` and `bundle` the
/// base64 of their canonical encodings.
public enum AnswerEnvelope {
    /// `proof.format` of every proven answer.
    public static let format = "yongchain/proof/v1"

    public struct Proof: Codable, Sendable, SortedJSONWritable {
        public let format: String
        public let query: String
        public let bundle: String

        public init(query: [UInt8], bundle: [UInt8]) {
            format = AnswerEnvelope.format
            self.query = Data(query).base64EncodedString()
            self.bundle = Data(bundle).base64EncodedString()
        }

        /// The same, with the bundle's base64 already made (a node makes its height's part of it once).
        public init(query: [UInt8], bundleBase64: String) {
            format = AnswerEnvelope.format
            self.query = Data(query).base64EncodedString()
            bundle = bundleBase64
        }

        public func write(to w: inout SortedJSONWriter) {
            w.object {
                $0.field("bundle", bundle)
                $0.field("format", format)
                $0.field("query", query)
            }
        }
    }

    /// The answer's bytes: the snapshot it was read from (`height`, `blockHash`), and its `result` (sorted JSON) or
    /// its `error`, with `proof` when there is one.
    public static func encode(height: UInt64, blockHash: Hash, result: [UInt8]?, error: (code: String, message: String)? = nil,
                              proof: Proof? = nil) -> [UInt8] {
        // Into one buffer of about the right size: built from interpolated Strings and concatenated arrays, a
        // 200-byte answer cost about 7,700 instructions on every query.
        var body: [UInt8] = []
        let proofSize = proof.map { $0.bundle.utf8.count + $0.query.utf8.count + 64 } ?? 0
        body.reserveCapacity(128 + (result?.count ?? 0) + proofSize)
        body.append(contentsOf: #"{"blockHash":""#.utf8)
        Hex.append(blockHash.bytes, to: &body)
        body.append(contentsOf: #"","#.utf8)
        if let error {
            body.append(contentsOf: #""error":"#.utf8)
            body.append(contentsOf: (try? SortedJSON.encode(["code": error.code, "message": error.message])) ?? [])
            body.append(UInt8(ascii: ","))
        }
        body.append(contentsOf: #""height":"#.utf8)
        body.append(contentsOf: String(height).utf8)
        if let proof {
            body.append(contentsOf: #","proof":"#.utf8)
            // Into a writer of its size: a bundle's 5 KB of base64 outgrew the default 512 bytes four times.
            var w = SortedJSONWriter(capacity: proofSize)
            proof.write(to: &w)
            body.append(contentsOf: w.bytes)
        }
        if let result {
            body.append(contentsOf: #","result":"#.utf8)
            body.append(contentsOf: result)
        }
        body.append(UInt8(ascii: "}"))
        return body
    }
}
