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

    /// The path parameter `name` of the route's template.
    subscript(_ name: String) -> String { parameters[name] ?? "" }

    /// The request body, within the route's limit.
    func body() throws -> [UInt8] {
        if let maxBody, request.body.count > maxBody { throw APIError(NodeCode.invalidField, "body: at most \(maxBody) bytes") }
        return request.body
    }
}

/// The node's routes, in one table (RouteTable+Node.swift lists them). A path matches the template whose
/// segments it fits, a literal segment before a parameter; a template asked with a method it has no route for
/// answers 405 with `Allow`; any other path 404.
struct RouteTable: Sendable {
    let routes: [Route]
    /// Each template's segments, in table order.
    private let templates: [(template: String, segments: [Substring])]

    init(_ routes: [Route]) {
        self.routes = routes
        var seen = Set<String>()
        var templates: [(String, [Substring])] = []
        var pairs = Set<String>()
        for r in routes {
            precondition(pairs.insert(r.method + " " + r.template).inserted, "\(r.method) \(r.template) is in the route table twice")
            if seen.insert(r.template).inserted { templates.append((r.template, r.segments)) }
        }
        self.templates = templates
    }

    /// The template `parts` fits best (most literal segments matching), with the parameters it binds; nil when
    /// none fits.
    func match(_ parts: [String]) -> (template: String, parameters: [String: String])? {
        var best: (template: String, segments: [Substring], literals: Int)?
        for (template, segments) in templates where segments.count == parts.count {
            var literals = 0
            var fits = true
            for (s, p) in zip(segments, parts) {
                if s.first == "{" { continue }
                if s == p { literals += 1 } else { fits = false; break }
            }
            if fits, literals > best?.literals ?? -1 { best = (template, segments, literals) }
        }
        guard let best else { return nil }
        var parameters: [String: String] = [:]
        for (s, p) in zip(best.segments, parts) where s.first == "{" { parameters[String(s.dropFirst().dropLast())] = p }
        return (best.template, parameters)
    }

    /// The route for `method` on `template`.
    func route(_ method: String, _ template: String) -> Route? {
        routes.first { $0.template == template && $0.method == method }
    }

    /// The methods `template` answers, in table order: the `Allow` of its 405.
    func methods(_ template: String) -> [String] {
        routes.filter { $0.template == template }.map(\.method)
    }
}
