import YongchainCore
import YongchainCrypto

/// A submitted transaction's JSON envelope (`TransactionJSON`'s five strings), read from the request body's strict
/// JSON value rather than through `JSONDecoder`: 26,600 instructions a `register` envelope went to `JSONDecoder`
/// alone, after the strict check had already read every byte (docs/performance.md, session 17). The answers are
/// `JSON.decode`'s and `TransactionJSON`'s schema's, in the same order: the body's strict JSON (`MALFORMED_JSON`),
/// then every envelope's fields present and strings (`MISSING_FIELD`, `INVALID_FIELD`, the first field of the
/// first envelope in the schema's order), then each envelope's fields checked (`INVALID_FIELD`).
struct TransactionEnvelope {
    /// Each field's UTF-8 (JSON escapes undone), in `TransactionJSON`'s order.
    let type: [UInt8]
    let body: [UInt8]
    let signer: [UInt8]
    let nonce: [UInt8]
    let signature: [UInt8]
    /// Where the envelope is in the request body: "" for `POST /v1/txs`, `transactions[3]` in a batch.
    let path: String

    /// `POST /v1/txs`'s body: one envelope.
    static func transaction(body: [UInt8]) throws -> Transaction {
        try TransactionEnvelope(try parse(body, maxValues: valuesPerEnvelope), at: "").transaction()
    }

    /// `POST /v1/txs/batch`'s body, `{"transactions": [...]}` with 1 to `most` envelopes; the count is checked
    /// before any envelope is read (`INVALID_BATCH`).
    static func batch(body: [UInt8], most: Int) throws -> [Transaction] {
        let items = try member(.transactions, of: try parse(body, maxValues: most * valuesPerEnvelope + valuesPerEnvelope), at: "")
        guard case .array(let list) = items else { throw notA("a list", "transactions", items) }
        guard list.count >= 1, list.count <= most else {
            throw APIError(NodeCode.invalidBatch, "a batch carries 1 to \(most) transactions, not \(list.count)")
        }
        var envelopes: [TransactionEnvelope] = []
        envelopes.reserveCapacity(list.count)
        for (i, item) in list.enumerated() { envelopes.append(try TransactionEnvelope(item, at: "transactions[\(i)]")) }
        return try envelopes.map { try $0.transaction() }
    }

    /// JSON values an envelope may hold (its five strings are six with the object; the rest are fields the schema
    /// does not name, read and ignored): what bounds the tree a body builds, about 20 MB for a batch of 1,000.
    static let valuesPerEnvelope = 64

    /// The body as strict JSON (docs/http.md, "JSON"): the refusals and messages of `JSON.decode`; a strict body
    /// of more than `maxValues` values is 413 `BODY_TOO_LARGE` (it was read, and ignored, before).
    private static func parse(_ body: [UInt8], maxValues: Int) throws -> StrictJSON {
        guard !body.isEmpty else { throw APIError(NodeCode.malformedJson, "the request body is empty; a JSON object is expected") }
        do {
            if let value = try StrictJSON.parse(body, maxValues: maxValues) { return value }
            try StrictJSON.check(body)
        } catch {
            throw APIError(NodeCode.malformedJson, "the request body is not strict JSON: \(error)")
        }
        throw APIError(NodeCode.bodyTooLarge, "the request body holds more than \(maxValues) JSON values (\(valuesPerEnvelope) an envelope)")
    }

    /// An envelope's five fields at `path`: present (`MISSING_FIELD`) and strings (`INVALID_FIELD`), checked in the
    /// schema's order.
    private init(_ value: StrictJSON, at path: String) throws {
        func field(_ name: Name) throws -> [UInt8] {
            let v = try TransactionEnvelope.member(name, of: value, at: path)
            guard case .string(let s) = v else { throw TransactionEnvelope.notA("a string", Self.joined(path, name.text), v) }
            return s
        }
        type = try field(.type)
        body = try field(.body)
        signer = try field(.signer)
        nonce = try field(.nonce)
        signature = try field(.signature)
        self.path = path
    }

    /// A member's name, and its UTF-8 as the parsed object's keys hold it (made once).
    private struct Name {
        let text: String
        let utf8: [UInt8]
        init(_ text: String) { self.text = text; utf8 = Array(text.utf8) }

        static let type = Name("type"), body = Name("body"), signer = Name("signer"), nonce = Name("nonce"), signature = Name("signature")
        static let transactions = Name("transactions")
    }

    private static func member(_ name: Name, of value: StrictJSON, at path: String) throws -> StrictJSON {
        guard case .object(let members) = value else { throw notA("an object", path, value) }
        guard let v = members[name.utf8] else { throw APIError(NodeCode.missingField, "missing field '\(joined(path, name.text))'") }
        return v
    }

    private static func joined(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    private static func notA(_ expected: String, _ path: String, _ found: StrictJSON) -> APIError {
        let kind: String
        switch found {
        case .object: kind = "an object"
        case .array: kind = "a list"
        case .string: kind = "a string"
        case .integer: kind = "a number"
        case .bool: kind = "a boolean"
        case .null: kind = "null"
        }
        return APIError(NodeCode.invalidField, path.isEmpty ? "the request body: \(expected) is expected, not \(kind)" : "field '\(path)': \(expected) is expected, not \(kind)")
    }

    /// The fields checked exactly as docs/openapi.yaml's `Transaction` schema says (a request that passes the
    /// schema passes here): 400 `INVALID_FIELD` naming the field otherwise.
    func transaction() throws -> Transaction {
        guard (1...Transaction.maxTypeLength).contains(type.count), type.allSatisfy(Self.isTypeCharacter) else {
            throw invalid("type: 1 to \(Transaction.maxTypeLength) of the characters A-Z a-z 0-9 . _ -")
        }
        guard let b = body.withUnsafeBufferPointer(Hex.decode(utf8:)), b.count <= Transaction.maxBodyBytes else {
            throw invalid("body: hex of the canonical body, at most \(Transaction.maxBodyBytes) bytes")
        }
        // Exactly the form keys are written in (`ed25519:` and lower-case hex), so one key has one spelling.
        guard let k = PublicKey(exactText: signer[...]) else {
            throw invalid("signer: a public key like \(SignatureSuite.keyTextForms), hex in lower case")
        }
        guard let n = Self.decimal(nonce) else {
            throw invalid("nonce: a decimal string of a 64-bit unsigned integer, 0 to 18446744073709551615")
        }
        guard let s = signature.withUnsafeBufferPointer(Hex.decode(utf8:)), s.count == 64 else { throw invalid("signature: 128 hex digits") }
        return Transaction(type: String(decoding: type, as: UTF8.self), body: b, signer: k, nonce: n, signature: s)
    }

    private func invalid(_ message: String) -> APIError {
        APIError(NodeCode.invalidField, path.isEmpty ? message : "\(path).\(message)")
    }

    /// 1 to 20 decimal digits (no sign, no space) of a value up to 2^64−1; nil otherwise.
    static func decimal(_ digits: [UInt8]) -> UInt64? {
        guard (1...20).contains(digits.count) else { return nil }
        var v: UInt64 = 0
        for c in digits {
            guard (0x30...0x39).contains(c) else { return nil }
            let (times10, o1) = v.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c - 0x30))
            guard !o1, !o2 else { return nil }
            v = sum
        }
        return v
    }

    /// A–Z a–z 0–9 . _ - by ranges (a `Set`'s look-up hashed every byte of the type: 2,900 instructions a
    /// `property.register` envelope).
    static func isTypeCharacter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
