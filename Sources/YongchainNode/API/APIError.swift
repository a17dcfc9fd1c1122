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
        for c in [NodeCode.authRequired, NodeCode.authMalformed, NodeCode.authStale, NodeCode.authUnknownKey, NodeCode.authBadSignature, NodeCode.authReplayed,
                  NodeCode.authSeqTooOld, NodeCode.authBadMac, NodeCode.authUnknownSession, NodeCode.authSessionExpired] { t[c] = 401 }
        for c in [Codes.forbiddenRole, Codes.unknownSigner, Codes.keyRevoked, Codes.Trade.notAuthorized, Codes.Trade.authorizationExpired,
                  Codes.Trade.queryExpired, Codes.Greylist.checkExpired, NodeCode.peerNotAuthenticated, NodeCode.syncNotFullNode,
                  NodeCode.greylistFullNodeBank] { t[c] = 403 }
        for c in [NodeCode.notFound, Codes.Trade.unknownQuery, Codes.Trade.unknownEnterprise, Codes.proposalNotFound, Codes.Greylist.unknownCheck] { t[c] = 404 }
        t[NodeCode.methodNotAllowed] = 405
        t[NodeCode.txAlreadyCommitted] = 409
        t[NodeCode.bodyTooLarge] = 413
        for c in [NodeCode.rateLimited, NodeCode.greylistPseudonymLimit, NodeCode.mempoolSignerFull] { t[c] = 429 }
        for c in [NodeCode.internalError, NodeCode.storageCorrupt] { t[c] = 500 }
        for c in [NodeCode.storageFailed, NodeCode.storageUnavailable, NodeCode.proofUnavailable, NodeCode.notCaughtUp, NodeCode.mempoolFull, NodeCode.tooManyWaiters, NodeCode.authBusy,
                  NodeCode.greylistUnavailable] { t[c] = 503 }
        for c in [NodeCode.heightNotReached, NodeCode.commitTimeout] { t[c] = 504 }
        return t
    }()

    var response: HTTPResponse { .json(status, body) }

    /// `{"error":{"code":…,"message":…}}`, written directly: through `SortedJSON`'s tree of values a 404's body cost
    /// about 17,500 instructions. The same bytes (`APIErrorTests`).
    var body: [UInt8] {
        var w = SortedJSONWriter(capacity: 48 + code.utf8.count + message.utf8.count)
        w.object { $0.field("error", Body(code: code, message: message)) }
        return w.bytes
    }

    /// An error's code and message, as every error body and a batch answer's refusals write them.
    struct Body: Encodable, SortedJSONWritable {
        let code: String
        let message: String

        func write(to w: inout SortedJSONWriter) {
            w.object {
                $0.field("code", code)
                $0.field("message", message)
            }
        }
    }

    static func notFound(_ what: String) -> APIError { APIError(NodeCode.notFound, what) }
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(code, message) }
}

enum JSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? SortedJSON.encode(value)) ?? Array("{}".utf8)
    }

    /// Decodes a request body, turning every failure into a 400 with a code naming the field where possible.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        guard !body.isEmpty else { throw APIError(NodeCode.malformedJson, "the request body is empty; a JSON object is expected") }
        // Strict first: integers written as integers, distinct keys, no lone surrogates (docs/http.md, "JSON").
        do { try StrictJSON.check(body) } catch { throw APIError(NodeCode.malformedJson, "the request body is not strict JSON: \(error)") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let e as DecodingError {
            switch e {
            case .dataCorrupted(let c) where c.codingPath.isEmpty:
                throw APIError(NodeCode.malformedJson, "the request body is not valid JSON")
            case .keyNotFound(let k, let c):
                throw APIError(NodeCode.missingField, "missing field '\(path(c.codingPath + [k]))'")
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
                if let v = c.underlyingError as? ValidationErrorConvertible {
                    throw APIError(NodeCode.invalidField, "\(path(c.codingPath)): \(v.validationMessage)")
                }
                throw APIError(NodeCode.invalidField, "field '\(path(c.codingPath))': \(c.debugDescription)")
            @unknown default:
                throw APIError(NodeCode.malformedJson, "\(e)")
            }
        } catch let e as APIError {
            throw e
        } catch let e as ValidationErrorConvertible {
            throw APIError(NodeCode.invalidField, e.validationMessage)
        } catch {
            throw APIError(NodeCode.malformedJson, "\(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

protocol ValidationErrorConvertible: Error { var validationMessage: String { get } }
