import YongchainCore
import YongchainCrypto

/// A transaction body: canonical bytes on chain, JSON in the API and CLI, validated fields either way.
public protocol Payload: CanonicalCodable, Codable {
    static var type: String { get }
    /// Throws `ValidationError` naming the first bad field.
    func validate() throws
}

extension Payload {
    /// The body's payload, or its refusal: `MALFORMED_BODY` when the bytes are not a canonical encoding of the
    /// type (a length, a tag, trailing bytes), `INVALID_FIELD` when a well-encoded field breaks its rule (a check
    /// character, a range, a currency). Either message starts with the field's JSON path, list indices included
    /// (`pledges[1].declaration.number: …`), as the JSON decoder and `validate()` name fields.
    static func decode(_ body: [UInt8]) -> Result<Self, TxResult> {
        let p: Self
        do {
            var r = CanonicalReader(body)
            p = try Self(from: &r)
            try r.finish("body")
        } catch let e as ValidationError {
            return .failure(.reject(Codes.invalidField, "\(e.field): \(e.message)"))
        } catch let e as EncodingError {
            return .failure(.reject(Codes.malformedBody, "\(e.field.isEmpty ? "body" : e.field): \(e.reason) (not a canonical \(Self.type) body)"))
        } catch {
            return .failure(.reject(Codes.malformedBody, "body: \(error) (not a canonical \(Self.type) body)"))
        }
        do {
            try p.validate()
        } catch let e as ValidationError {
            return .failure(.reject(Codes.invalidField, "\(e.field): \(e.message)"))
        } catch {
            return .failure(.reject(Codes.invalidField, "\(error)"))
        }
        return .success(p)
    }

    /// Signs this payload as a transaction.
    public func transaction(key: PrivateKey, nonce: UInt64, chainID: String) -> Transaction {
        Transaction.signed(type: Self.type, body: canonicalBytes, nonce: nonce, key: key, chainID: chainID)
    }
}
