import Foundation
import YongchainCore
import YongchainHTTP

/// A caller-facing error: HTTP status, a stable machine code, and a sentence a person can act on.
/// Serialised as `{"error":{"code":"...","message":"..."}}`.
struct APIError: Error {
    let status: Int
    let code: String
    let message: String

    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: HTTPResponse {
        let body: [String: [String: String]] = ["error": ["code": code, "message": message]]
        return .json(status, JSON.encode(body))
    }

    static func notFound(_ what: String) -> APIError { APIError(404, "NOT_FOUND", what) }
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(400, code, message) }
}

enum JSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? SortedJSON.encode(value)) ?? Array("{}".utf8)
    }

    /// Decodes a request body, turning every failure into a 400 with a code naming the field where possible.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        guard !body.isEmpty else { throw APIError(400, "MALFORMED_JSON", "the request body is empty; a JSON object is expected") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let e as DecodingError {
            switch e {
            case .dataCorrupted(let c) where c.codingPath.isEmpty:
                throw APIError(400, "MALFORMED_JSON", "the request body is not valid JSON")
            case .keyNotFound(let k, let c):
                throw APIError(400, "MISSING_FIELD", "missing field '\(path(c.codingPath + [k]))'")
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
                if let v = c.underlyingError as? ValidationErrorConvertible {
                    throw APIError(400, "INVALID_FIELD", "\(path(c.codingPath)): \(v.validationMessage)")
                }
                throw APIError(400, "INVALID_FIELD", "field '\(path(c.codingPath))': \(c.debugDescription)")
            @unknown default:
                throw APIError(400, "MALFORMED_JSON", "\(e)")
            }
        } catch let e as APIError {
            throw e
        } catch let e as ValidationErrorConvertible {
            throw APIError(400, "INVALID_FIELD", e.validationMessage)
        } catch {
            throw APIError(400, "MALFORMED_JSON", "\(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

protocol ValidationErrorConvertible: Error { var validationMessage: String { get } }
