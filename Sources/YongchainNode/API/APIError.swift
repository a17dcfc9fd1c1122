import Foundation
import YongchainApplication
import YongchainCore
import YongchainHTTP

/// A caller-facing error: a stable machine code and a sentence a person can act on. Serialised as
/// `{"error":{"code":"...","message":"..."}}`. Whoever refuses (a route, authentication, admission, an application)
/// speaks only the code; the HTTP status is decided here, at the API's edge, in one table (`status(for:)`).
struct APIError: Error {
    let code: String
    let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    var status: Int { APIError.status(for: code) }

    /// The one place a code becomes an HTTP status; a code not listed (every validation and application
    /// rejection) is 400.
    static func status(for code: String) -> Int { statuses[code] ?? 400 }

    static let statuses: [String: Int] = {
        var t: [String: Int] = [:]
        for c in ["AUTH_REQUIRED", "AUTH_MALFORMED", "AUTH_STALE", "AUTH_UNKNOWN_KEY", "AUTH_BAD_SIGNATURE", "AUTH_REPLAYED",
                  "AUTH_BAD_MAC", "AUTH_UNKNOWN_SESSION", "AUTH_SESSION_EXPIRED"] { t[c] = 401 }
        for c in [Codes.forbiddenRole, Codes.unknownSigner, Codes.Trade.notAuthorized, Codes.Trade.authorizationExpired,
                  Codes.Trade.queryExpired] { t[c] = 403 }
        for c in ["NOT_FOUND", Codes.Trade.unknownQuery, Codes.Trade.unknownEnterprise] { t[c] = 404 }
        t["METHOD_NOT_ALLOWED"] = 405
        t["TX_ALREADY_COMMITTED"] = 409
        for c in ["INTERNAL", "STORAGE_CORRUPT"] { t[c] = 500 }
        for c in ["STORAGE_FAILED", "STORAGE_UNAVAILABLE", "MEMPOOL_FULL", "TOO_MANY_WAITERS", "AUTH_BUSY"] { t[c] = 503 }
        for c in ["HEIGHT_NOT_REACHED", "COMMIT_TIMEOUT"] { t[c] = 504 }
        return t
    }()

    var response: HTTPResponse {
        let body: [String: [String: String]] = ["error": ["code": code, "message": message]]
        return .json(status, JSON.encode(body))
    }

    static func notFound(_ what: String) -> APIError { APIError("NOT_FOUND", what) }
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(code, message) }
}

enum JSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? SortedJSON.encode(value)) ?? Array("{}".utf8)
    }

    /// Decodes a request body, turning every failure into a 400 with a code naming the field where possible.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        guard !body.isEmpty else { throw APIError("MALFORMED_JSON", "the request body is empty; a JSON object is expected") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let e as DecodingError {
            switch e {
            case .dataCorrupted(let c) where c.codingPath.isEmpty:
                throw APIError("MALFORMED_JSON", "the request body is not valid JSON")
            case .keyNotFound(let k, let c):
                throw APIError("MISSING_FIELD", "missing field '\(path(c.codingPath + [k]))'")
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
                if let v = c.underlyingError as? ValidationErrorConvertible {
                    throw APIError("INVALID_FIELD", "\(path(c.codingPath)): \(v.validationMessage)")
                }
                throw APIError("INVALID_FIELD", "field '\(path(c.codingPath))': \(c.debugDescription)")
            @unknown default:
                throw APIError("MALFORMED_JSON", "\(e)")
            }
        } catch let e as APIError {
            throw e
        } catch let e as ValidationErrorConvertible {
            throw APIError("INVALID_FIELD", e.validationMessage)
        } catch {
            throw APIError("MALFORMED_JSON", "\(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

protocol ValidationErrorConvertible: Error { var validationMessage: String { get } }
