import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainTestSupport
@testable import YongchainNode

extension TransactionJSON {
    /// The transaction the node reads from this envelope, as `POST /v1/txs` does.
    func transaction() throws -> Transaction {
        try TransactionEnvelope.transaction(body: Array(JSONEncoder().encode(self)))
    }
}

@Suite struct TransactionJSONTests {
    /// A type is 1 to 64 of A–Z a–z 0–9 . _ - (docs/openapi.yaml): every character from U+0000 to U+00FF, and a few
    /// beyond, inside an otherwise good type, is let through exactly when it is one of those.
    @Test func aTypeIsLettersDigitsDotUnderscoreAndHyphen() throws {
        let key = try PrivateKey.fromSeed([UInt8](repeating: 5, count: 32))
        let tx = Transaction.signed(type: "property.register", body: [1], nonce: 1, key: key, chainID: "c")
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)
        let scalars = (0...0xff).compactMap(Unicode.Scalar.init) + ["\u{100}", "\u{2010}", "\u{FF21}", "\u{1F3E0}"]
        for c in scalars {
            for type in ["a\(c)b", "\(c)"] {
                var j = TransactionJSON(tx)
                j.type = type
                let parsed = try? j.transaction()
                #expect((parsed != nil) == allowed.contains(c), "U+\(String(c.value, radix: 16)) in '\(type)'")
                if let parsed { #expect(parsed.type == type && parsed.body == tx.body && parsed.signer == tx.signer) }
            }
        }
        var j = TransactionJSON(tx)
        j.type = String(repeating: "a", count: Transaction.maxTypeLength)
        #expect((try? j.transaction()) != nil)
        j.type += "a"
        #expect((try? j.transaction()) == nil)
        j.type = ""
        #expect((try? j.transaction()) == nil)
    }

    // MARK: - The envelope reader against JSONDecoder's

    /// What the node did before `TransactionEnvelope`: `JSON.decode` (strict check, then `JSONDecoder`) of the
    /// envelope, or of `{"transactions": [...]}` with its count checked first, then each envelope's fields checked
    /// on their strings.
    private enum Reference {
        struct Batch: Decodable {
            let transactions: [TransactionJSON]
            private enum CodingKeys: String, CodingKey { case transactions }
            init(from decoder: Decoder) throws {
                var items = try decoder.container(keyedBy: CodingKeys.self).nestedUnkeyedContainer(forKey: .transactions)
                let n = items.count ?? 0
                guard n >= 1, n <= TransactionJSONTests.most else {
                    throw APIError(NodeCode.invalidBatch, "a batch carries 1 to \(TransactionJSONTests.most) transactions, not \(n)")
                }
                var out: [TransactionJSON] = []
                while !items.isAtEnd { out.append(try items.decode(TransactionJSON.self)) }
                transactions = out
            }
        }

        static func transaction(_ j: TransactionJSON) throws -> Transaction {
            guard (1...Transaction.maxTypeLength).contains(j.type.utf8.count),
                  j.type.unicodeScalars.allSatisfy({ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars.contains($0) }) else {
                throw APIError(NodeCode.invalidField, "type: 1 to \(Transaction.maxTypeLength) of the characters A-Z a-z 0-9 . _ -")
            }
            guard let b = Hex.decode(j.body), b.count <= Transaction.maxBodyBytes else {
                throw APIError(NodeCode.invalidField, "body: hex of the canonical body, at most \(Transaction.maxBodyBytes) bytes")
            }
            guard let k = PublicKey(text: j.signer), k.text == j.signer else {
                throw APIError(NodeCode.invalidField, "signer: a public key like \(SignatureSuite.keyTextForms), hex in lower case")
            }
            guard !j.nonce.isEmpty, j.nonce.utf8.count <= 20, j.nonce.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt64(j.nonce) else {
                throw APIError(NodeCode.invalidField, "nonce: a decimal string of a 64-bit unsigned integer, 0 to 18446744073709551615")
            }
            guard let s = Hex.decode(j.signature), s.count == 64 else { throw APIError(NodeCode.invalidField, "signature: 128 hex digits") }
            return Transaction(type: j.type, body: b, signer: k, nonce: n, signature: s)
        }

        static func single(_ body: [UInt8]) throws -> Transaction { try transaction(try JSON.decode(TransactionJSON.self, body)) }

        static func batch(_ body: [UInt8]) throws -> [Transaction] {
            try JSON.decode(Batch.self, body).transactions.enumerated().map { i, j in
                do { return try transaction(j) } catch let e as APIError { throw APIError(e.code, "transactions[\(i)].\(e.message)") }
            }
        }
    }

    static let most = 4

    /// Either reader's answer: the transactions, or the refusal's code and message.
    private enum Answer: Equatable {
        case ok([Transaction])
        case refused(String, String)

        init(_ read: () throws -> [Transaction]) {
            do { self = .ok(try read()) } catch let e as APIError { self = .refused(e.code, e.message) } catch { self = .refused("?", "\(error)") }
        }
    }

    /// Seeded random envelopes and batches, good ones mutated at the JSON level (fields dropped, doubled, set to
    /// other kinds of value, escaped, truncated; hex in upper case, bad digits, keys of the wrong length or suite;
    /// nonces out of range; bodies that are not objects): `TransactionEnvelope` gives every transaction
    /// `JSONDecoder` did and refuses with the same code, and with the same message except where `JSONDecoder`'s own
    /// sentence for a value of the wrong kind is replaced (`field 'nonce': a string is expected, not a number`).
    @Test func theEnvelopeReaderAnswersAsJSONDecoderDid() throws {
        let ed = try PrivateKey.fromSeed([UInt8](repeating: 9, count: 32))
        let sm = try PrivateKey.fromSeed([UInt8](repeating: 11, count: 32), suite: .sm2)
        var rng = SplitMix64(seed: 29)
        var differences: [String] = []
        var refusals = Set<String>(), accepted = 0
        for round in 0..<3_000 {
            let count = rng.int(1...3)
            var items: [String] = []
            for i in 0..<count {
                let key = rng.chance(0.2) ? sm : ed
                let tx = Transaction.signed(type: ["property.register", "a", "x-y_z.9"][rng.int(0...2)], body: (0..<rng.int(0...40)).map { _ in UInt8(rng.int(0...255)) },
                                            nonce: [0, 1, UInt64(i), UInt64.max, UInt64(rng.next())][rng.int(0...4)], key: key, chainID: "c")
                var fields = [("type", quoted(tx.type)), ("body", quoted(Hex.encode(tx.body))), ("signer", quoted(tx.signer.text)),
                              ("nonce", quoted(String(tx.nonce))), ("signature", quoted(Hex.encode(tx.signature)))]
                fields.shuffle(using: &rng)
                for _ in 0..<[0, 0, 1, 1, 1, 2, 3][rng.int(0...6)] { mutate(&fields, &rng) }
                items.append(object(fields))
            }
            var single = items[0], batch = #"{"transactions":[\#(items.joined(separator: ","))]}"#
            if rng.chance(0.1) { batch = #"{"transactions":[\#(Array(repeating: items[0], count: rng.int(0...6)).joined(separator: ","))]}"# }
            if rng.chance(0.05) { batch = [#"{"transactions":5}"#, #"{"transactions":null}"#, #"{}"#, #"[]"#, #"{"transactions":[1]}"#, #""x""#, "",
                                          #"{"transactions":{"a":1}}"#, #"{"transactions":[{}], "transactions":[]}"#][rng.int(0...8)] }
            if rng.chance(0.05) { single = [#"[]"#, #"5"#, #"null"#, #""x""#, "", " ", "{", #"{"type":"a"} x"#, String(repeating: "[", count: 70)][rng.int(0...8)] }
            if rng.chance(0.05), !single.isEmpty { single = String(single.prefix(rng.int(0...single.count - 1))) }
            for (body, isBatch) in [(single, false), (batch, true)] {
                let b = Array(body.utf8)
                let now = Answer { isBatch ? try TransactionEnvelope.batch(body: b, most: Self.most) : [try TransactionEnvelope.transaction(body: b)] }
                let before = Answer { isBatch ? try Reference.batch(b) : [try Reference.single(b)] }
                switch (now, before) {
                case (.ok, .ok): if now == before { accepted += 1 } else { differences.append("round \(round): \(body)") }
                case (.refused(let c, let m), .refused(let c0, let m0)):
                    refusals.insert(c)
                    // JSONDecoder's sentence for a value of the wrong kind is its own; the code and the field it names
                    // are kept ("field 'transactions[0].nonce': …", "field '': …" for the body itself).
                    let wrongKind = c0 == NodeCode.invalidField && m0.hasPrefix("field '") && Self.field(m0) == Self.field(m)
                    if c != c0 || (!wrongKind && m != m0) { differences.append("round \(round): \(body)\n  now \(c) \(m)\n  was \(c0) \(m0)") }
                default: differences.append("round \(round): \(body)\n  now \(now)\n  was \(before)")
                }
            }
        }
        #expect(differences.isEmpty, "\(differences.count) differences, the first: \(differences.prefix(3).joined(separator: "\n"))")
        // The cases were varied enough to mean something: accepted envelopes and every kind of refusal.
        #expect(accepted > 500 && refusals == [NodeCode.malformedJson, NodeCode.missingField, NodeCode.invalidField, NodeCode.invalidBatch], "\(accepted) \(refusals)")
    }

    private func quoted(_ s: String) -> String { "\"\(s)\"" }

    /// The field a wrong-kind message names: `x` in "field 'x': …"; "" for "the request body: …".
    private static func field(_ message: String) -> String? {
        if message.hasPrefix("the request body: ") { return "" }
        guard message.hasPrefix("field '"), let end = message.dropFirst(7).firstIndex(of: "'") else { return nil }
        return String(message[message.index(message.startIndex, offsetBy: 7)..<end])
    }

    private func object(_ fields: [(String, String)]) -> String { "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}" }

    /// One change to one field: the value replaced, the field dropped or doubled, an extra field.
    private func mutate(_ fields: inout [(String, String)], _ rng: inout SplitMix64) {
        guard !fields.isEmpty else { return }
        let i = rng.int(0...fields.count - 1)
        let text = String(fields[i].1.dropFirst().dropLast())
        switch rng.int(0...15) {
        case 0: fields.remove(at: i)
        case 1: fields.append(fields[i])
        case 2: fields[i].1 = ["5", "null", "true", "[]", "{}", "-1", "18446744073709551616", "1.5", #"["a"]"#][rng.int(0...8)]
        case 3: fields[i].1 = quoted(text.uppercased())
        case 4: fields[i].1 = quoted(String(text.dropLast()))
        case 5: fields[i].1 = quoted(text + ["0", "00", "g", " ", "é"][rng.int(0...4)])
        case 6: fields[i].1 = quoted(String(text.prefix(rng.int(0...text.count))))
        case 7: fields[i].1 = quoted(text.unicodeScalars.map { $0.isASCII && rng.chance(0.3) ? String(format: "\\u%04x", $0.value) : String($0) }.joined())
        case 8: fields[i].1 = quoted(["ed25519:" + String(repeating: "a", count: 64), "sm2:" + String(repeating: "0", count: 130), String(repeating: "a", count: 64),
                                      "ED25519:" + String(repeating: "a", count: 64), "ed25519:", ":", "", "00000000000000000000", "18446744073709551615",
                                      "18446744073709551616", "99999999999999999999", "+1", "0x10", String(repeating: "A", count: 128)][rng.int(0...13)])
        case 9: fields.append(([ "extra", "Type", "types", "" ][rng.int(0...3)], ["1", "null", quoted("x"), "{}"][rng.int(0...3)]))
        case 10: fields[i].1 = quoted(text.replacingOccurrences(of: ":", with: rng.chance(0.5) ? "::" : "\\u003a"))
        case 11: fields[i].1 = quoted(String(repeating: "ab", count: rng.int(0...3)) + text)
        case 12: fields[i].1 = quoted(String(text.reversed()))
        case 13: fields[i].0 = fields[i].0.uppercased()
        case 14: fields[i].1 = quoted(["sm2:" + String(repeating: "1", count: 130), "ed25519:" + String(repeating: "f", count: 62), "\\ud800"][rng.int(0...2)])
        default: fields.swapAt(i, rng.int(0...fields.count - 1))
        }
    }

    /// `PublicKey(exactText:)` is `PublicKey(text:)` then `text ==`: on every key text with one character changed,
    /// dropped or added, for both suites.
    @Test func aKeysExactTextIsTheOneItsTextWrites() throws {
        var rng = SplitMix64(seed: 17)
        let alphabet = Array("0123456789abcdefABCDEFg:sm2ed25519 ".utf8)
        var kept = 0
        for round in 0..<4_000 {
            let key = try PrivateKey.fromSeed((0..<32).map { _ in UInt8(rng.int(0...255)) }).publicKey
            let sm = round % 8 == 0 ? try PrivateKey.fromSeed((0..<32).map { _ in UInt8(rng.int(1...255)) }, suite: .sm2).publicKey : key
            var text = Array(sm.text.utf8)
            switch rng.int(0...4) {
            case 0: break
            case 1: text[rng.int(0...text.count - 1)] = alphabet[rng.int(0...alphabet.count - 1)]
            case 2: text.remove(at: rng.int(0...text.count - 1))
            case 3: text.insert(alphabet[rng.int(0...alphabet.count - 1)], at: rng.int(0...text.count))
            default: text = Array(text.suffix(rng.int(0...text.count)))
            }
            let s = String(decoding: text, as: UTF8.self)
            let reference = PublicKey(text: s).flatMap { $0.text == s ? $0 : nil }
            #expect(PublicKey(exactText: text[...]) == reference, "\(s)")
            if reference != nil { kept += 1 }
        }
        #expect(kept > 1_000)
    }

    /// `decimal` is `UInt64(String)` on 1 to 20 digits: every length around the bounds and random digit strings.
/// An envelope may carry fields the schema does not name (read and ignored), but a body builds at most
    /// `valuesPerEnvelope` JSON values an envelope: a strict body of more is 413 `BODY_TOO_LARGE`, so a hostile one
    /// cannot build a tree hundreds of times its size. Malformed text is still `MALFORMED_JSON`.
    @Test func aBodyBuildsAtMostItsEnvelopesValues() throws {
        let key = try PrivateKey.fromSeed([UInt8](repeating: 9, count: 32))
        let tx = Transaction.signed(type: "a", body: [1], nonce: 1, key: key, chainID: "c")
        func envelope(extra: Int) -> String {
            let fields = [("type", quoted(tx.type)), ("body", quoted(Hex.encode(tx.body))), ("signer", quoted(tx.signer.text)),
                          ("nonce", quoted(String(tx.nonce))), ("signature", quoted(Hex.encode(tx.signature)))]
                + (0..<extra).map { ("x\($0)", "1") }
            return object(fields)
        }
        func code(_ f: () throws -> Any) -> String? {
            do { _ = try f(); return nil } catch let e as APIError { return e.code } catch { return "\(error)" }
        }
        let most = TransactionEnvelope.valuesPerEnvelope - 6
        #expect(try TransactionEnvelope.transaction(body: Array(envelope(extra: most).utf8)) == tx)
        #expect(code { try TransactionEnvelope.transaction(body: Array(envelope(extra: most + 1).utf8)) } == NodeCode.bodyTooLarge)
        #expect(code { try TransactionEnvelope.transaction(body: Array((envelope(extra: most + 1) + ",").utf8)) } == NodeCode.malformedJson)
        let full = Array(repeating: envelope(extra: 0), count: Self.most).joined(separator: ",")
        #expect(try TransactionEnvelope.batch(body: Array(#"{"transactions":[\#(full)]}"#.utf8), most: Self.most).count == Self.most)
        let heavy = Array(repeating: envelope(extra: most + 1), count: Self.most + 1).joined(separator: ",")
        #expect(code { try TransactionEnvelope.batch(body: Array(#"{"transactions":[\#(heavy)]}"#.utf8), most: Self.most) } == NodeCode.bodyTooLarge)
    }

    @Test func aNonceIsOneToTwentyDigitsOfAUInt64() {
        var rng = SplitMix64(seed: 3)
        var cases = ["", "0", "00000000000000000000", "000000000000000000000", "18446744073709551615", "18446744073709551616",
                     "99999999999999999999", "-1", "+1", " 1", "1 ", "1a", "\u{0660}"]
        for _ in 0..<5_000 { cases.append(String((0..<rng.int(1...21)).map { _ in "0123456789"[rng.int(0...9)] })) }
        for c in cases {
            let reference = c.utf8.count <= 20 && c.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? UInt64(c) : nil
            #expect(TransactionEnvelope.decimal(Array(c.utf8)) == reference, "'\(c)'")
        }
    }
}

extension TransactionJSONTests {
    /// A batch's answer written directly is `JSONEncoder`'s (sorted keys, slashes unescaped) byte for byte: seeded
    /// outcomes, pending and refused, with messages holding quotes, slashes, control characters and non-ASCII.
    @Test func aBatchAnswerIsWhatJSONEncoderWrites() throws {
        var rng = SplitMix64(seed: 0xBA7C)
        let pieces = ["a", "\"", "\\", "/", "\n", "\u{1}", "\u{7f}", "é", "中", "\u{1F3E0}", " ", "transactions[3].nonce: "]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for _ in 0..<500 {
            let results = (0..<rng.int(0...6)).map { _ in
                BatchAnswer.Outcome(hash: Hex.encode((0..<32).map { _ in UInt8(rng.int(0...255)) }), status: rng.chance(0.5) ? "pending" : "refused",
                                    error: rng.chance(0.5) ? nil : BatchAnswer.Refusal(code: "MEMPOOL_FULL",
                                                                                         message: (0..<rng.int(0...8)).map { _ in pieces[rng.int(0...pieces.count - 1)] }.joined()))
            }
            let answer = BatchAnswer(accepted: rng.int(0...1_000), refused: rng.int(0...1_000), results: results)
            var w = SortedJSONWriter()
            answer.write(to: &w)
            #expect(w.bytes == Array(try encoder.encode(answer)))
            #expect(JSON.encode(answer) == w.bytes)
        }
    }
}

private extension String {
    subscript(_ i: Int) -> Character { self[index(startIndex, offsetBy: i)] }
}
