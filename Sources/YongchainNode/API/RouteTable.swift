import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// Who may call a route; the dispatcher checks it before the route runs (`Authenticator`).
enum RouteAuth: Sendable, Equatable {
    /// Anyone.
    case open
    /// Over TLS, a member's node by its certificate (gossip); anyone when the node speaks plain HTTP.
    case peer
    /// A signed request, or (where `sessions`) one in an API session, of a member organisation — or, where
    /// `enterprises`, of a registered enterprise — found in the committed snapshot the route answers from.
    case caller(enterprises: Bool, sessions: Bool)
    /// Anyone; a request that carries a signature or a session is authenticated as `caller(enterprises: false,
    /// sessions: true)` (and refused when that fails), so the route can answer per caller (docs/confidentiality.md).
    case optionalCaller
}

/// One route: what the dispatcher, the 405/`Allow` answers, the metrics labels, the fuzzer's route list and the
/// check against docs/openapi.yaml all read (cometbft `rpc/core/routes.go`).
struct Route: Sendable {
    let method: String
    /// The path as docs/openapi.yaml writes it; `{name}` segments are parameters.
    let template: String
    let auth: RouteAuth
    /// The largest body the route reads (`Call.body()`: 400 INVALID_FIELD `body` beyond it); nil: the
    /// transport's limit only.
    let maxBody: Int?
    /// Listed in docs/openapi.yaml; the status page and the peers' routes are not.
    let documented: Bool
    /// A snapshot route whose answer is a few keys of state (a verification answer): tried first against the state
    /// cache alone (`ChainStore.readCacheFirst`), so its handler MUST be safe to run twice.
    let cacheFirst: Bool
    let handler: Handler

    enum Handler: Sendable {
        /// Reads what it needs itself.
        case plain(@Sendable (Call) throws -> HTTPResponse)
        /// Answers from one committed snapshot: the one its caller was authenticated in (`RouteAuth.caller`).
        case snapshot(@Sendable (Call, ReadView) throws -> HTTPResponse)
    }

    init(_ method: String, _ template: String, auth: RouteAuth = .open, maxBody: Int? = nil, documented: Bool = true,
         cacheFirst: Bool = false, _ handler: Handler) {
        self.method = method
        self.template = template
        self.auth = auth
        self.maxBody = maxBody
        self.documented = documented
        self.cacheFirst = cacheFirst
        self.handler = handler
    }

    var segments: [Substring] { template.split(separator: "/") }
}

/// A request as its route gets it: the path's parameters by name, and who the route's `auth` found calling.
struct Call {
    let request: HTTPRequest
    let parameters: [String: String]
    /// The caller, on a `RouteAuth.caller` route.
    let caller: Authenticator.Caller?
    /// The key that authenticated the caller.
    let key: PublicKey?
    let maxBody: Int?
    /// Whether the request's proof was charged to its caller's proof quota (`QueryService.proves`): shared by every
    /// run of the request's route, so a route read again is charged once.
    let proofCharge: ProofCharge

    /// The path parameter `name` of the route's template.
    subscript(_ name: String) -> String { parameters[name] ?? "" }

    /// The request body, within the route's limit.
    func body() throws -> [UInt8] {
        if let maxBody, request.body.count > maxBody { throw APIError(NodeCode.invalidField, "body: at most \(maxBody) bytes") }
        return request.body
    }
}

/// Whether one request's proof was charged (`Call.proofCharge`). One request's runs follow each other on one thread.
final class ProofCharge: @unchecked Sendable {
    var taken = false
}

/// The node's routes, in one table (RouteTable+Node.swift lists them). A path matches the template whose
/// segments it fits, a literal segment before a parameter; a template asked with a method it has no route for
/// answers 405 with `Allow`; any other path 404.
struct RouteTable: Sendable {
    let routes: [Route]
    /// Each template once, in table order.
    private let templates: [Template]
    /// Each template's number of segments, in `templates`' order.
    private let segmentCounts: [Int]
    /// The most segments any template has: a longer path fits none.
    private let maxSegments: Int

    /// A template as the matcher reads it: literal segments as their UTF-8 bytes, parameters by name.
    private struct Template: Sendable {
        enum Segment: Sendable {
            case literal([UInt8])
            case parameter(String)
        }
        let template: String
        let segments: [Segment]
        /// The routes on this template, in table order.
        var routes: [Route]
    }

    /// A matched path: its template, the parameters it binds, and the routes on that template.
    struct Match {
        let template: String
        let parameters: [String: String]
        let routes: [Route]

        /// The route for `method`, if the template has one.
        func route(_ method: String) -> Route? { routes.first { $0.method == method } }
        /// The methods the template answers, in table order: the `Allow` of its 405.
        var methods: [String] { routes.map(\.method) }
    }

    init(_ routes: [Route]) {
        self.routes = routes
        var templates: [Template] = []
        var index: [String: Int] = [:]
        var pairs = Set<String>()
        for r in routes {
            precondition(pairs.insert(r.method + " " + r.template).inserted, "\(r.method) \(r.template) is in the route table twice")
            if let i = index[r.template] { templates[i].routes.append(r); continue }
            index[r.template] = templates.count
            let segments = r.segments.map { s -> Template.Segment in
                s.first == "{" ? .parameter(String(s.dropFirst().dropLast())) : .literal(Array(s.utf8))
            }
            templates.append(Template(template: r.template, segments: segments, routes: [r]))
        }
        self.templates = templates
        segmentCounts = templates.map(\.segments.count)
        maxSegments = segmentCounts.max() ?? 0
    }

    /// The template `path` fits best (most literal segments matching; the first in table order among equals), with
    /// the parameters it binds; nil when none fits. The path is split at its "/" bytes, empty segments dropped ("/" is
    /// one byte in UTF-8 and never inside another character's); a literal segment is compared byte for byte, and only
    /// the best template's parameters become Strings.
    func match(_ path: String) -> Match? {
        var path = path
        return path.withUTF8 { match($0) }
    }

    private func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        // The segments' ranges on the stack, and each template's segment count read before the template itself: a
        // template copied out of the array for its count alone cost its three references' retain and release.
        withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: maxSegments + 1) { parts -> Match? in
            var n = 0, start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                if i > start {
                    guard n < maxSegments else { return nil }
                    parts[n] = start..<i
                    n += 1
                }
                start = i + 1
            }
            var best: (index: Int, literals: Int)?
            for t in segmentCounts.indices where segmentCounts[t] == n {
                var literals = 0
                var fits = true
                for (k, s) in templates[t].segments.enumerated() {
                    guard case .literal(let literal) = s else { continue }
                    if Self.equal(literal, bytes, parts[k]) { literals += 1 } else { fits = false; break }
                }
                if fits, literals > best?.literals ?? -1 { best = (t, literals) }
            }
            guard let best else { return nil }
            let template = templates[best.index]
            var parameters: [String: String] = [:]
            for (k, s) in template.segments.enumerated() {
                if case .parameter(let name) = s { parameters[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[parts[k]]), as: UTF8.self) }
            }
            return Match(template: template.template, parameters: parameters, routes: template.routes)
        }
    }

    private static func equal(_ literal: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard literal.count == range.count else { return false }
        for (i, b) in zip(range, literal) where bytes[i] != b { return false }
        return true
    }

    /// The methods `template` answers, in table order: the `Allow` of its 405.
    func methods(_ template: String) -> [String] {
        routes.filter { $0.template == template }.map(\.method)
    }
}
