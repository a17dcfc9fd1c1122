import Foundation
import Testing
import YongchainCrypto

/// `Hash` and `PublicKey` in JSON are the API's text forms, and a malformed one is refused at its field.
@Suite struct HashKeyCodableTests {
    struct Body: Codable, Equatable {
        var id: Hash
        var keys: [PublicKey]
    }

    let key = try! PrivateKey.fromSeed([UInt8](repeating: 5, count: 32)).publicKey
    let hash = HashSuite.sha256.digest(Array("x".utf8))

    @Test func encodeAsLowerCaseHexAndKeyText() throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let json = String(decoding: try e.encode(Body(id: hash, keys: [key])), as: UTF8.self)
        #expect(json == #"{"id":"\#(hash.hex)","keys":["\#(key.text)"]}"#)
        #expect(hash.hex == hash.hex.lowercased() && key.text.hasPrefix("ed25519:"))
        // A key's text built as bytes (state keys) is its text exactly.
        #expect(key.text == "ed25519:" + key.bytes.map { String(format: "%02x", $0) }.joined())
        #expect(key.textUTF8(after: Array("member/".utf8)) == Array("member/\(key.text)".utf8))
        #expect(try JSONDecoder().decode(Body.self, from: Data(json.utf8)) == Body(id: hash, keys: [key]))
    }

    @Test func decodeWhatTheTextInitialisersAccept() throws {
        // Upper-case hex, and a bare 64-hex key, were accepted before `Codable` and still are.
        let json = #"{"id":"\#(hash.hex.uppercased())","keys":["\#(Hex.encode(key.bytes))"]}"#
        #expect(try JSONDecoder().decode(Body.self, from: Data(json.utf8)) == Body(id: hash, keys: [key]))
    }

    @Test func malformedValuesFailAtTheirCodingPath() {
        func failure(_ json: String) -> (path: [String], message: String)? {
            do {
                _ = try JSONDecoder().decode(Body.self, from: Data(json.utf8))
                return nil
            } catch let DecodingError.dataCorrupted(c) {
                return (c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, c.debugDescription)
            } catch {
                return (["unexpected"], "\(error)")
            }
        }
        let short = failure(#"{"id":"abcd","keys":[]}"#)
        #expect(short?.path == ["id"] && short?.message == Hash.textFormError)
        let badKey = failure(#"{"id":"\#(hash.hex)","keys":["\#(key.text)","rsa:00"]}"#)
        #expect(badKey?.path == ["keys", "1"] && badKey?.message == PublicKey.textFormError)
        let shortKey = failure(#"{"id":"\#(hash.hex)","keys":["ed25519:00"]}"#)
        #expect(shortKey?.path == ["keys", "0"])
        #expect(Hash.textFormError == "not a hash (expected 64 hex digits)")
        #expect(PublicKey.textFormError == "not a public key (expected ed25519:<64 hex> or sm2:<130 hex>)")
    }
}
