import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

extension ValidationError: ValidationErrorConvertible {
    var validationMessage: String { "\(field): \(message)" }
}

/// The node's HTTP API (docs/openapi.yaml) and the peers' endpoints: one dispatch over one route table. For each
/// request: wait for `?minHeight`, match the path to a template (404 when none fits, 405 with `Allow` when the
/// template has no route for the method), check who is calling (`RouteAuth`), run the route — a snapshot route in
/// the one committed snapshot its caller was found in — and turn what it throws into the error answer; count the
/// request in /metrics under its template.
///
/// Thread rule: HTTP worker threads, any number at once; it has no state of its own.
struct API: Sendable {
    let table: RouteTable
    let authenticator: Authenticator
    let query: QueryService

    var store: ChainStore { query.store }

    func handle(_ req: HTTPRequest) -> HTTPResponse {
        let started = DispatchTime.now()
        let (label, resp) = route(req)
        let secs = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        query.metrics.observeHTTP(route: label, status: resp.status, seconds: secs)
        return resp
    }

    /// The metrics label (the template, or "unmatched") and the answer.
    private func route(_ req: HTTPRequest) -> (String, HTTPResponse) {
        // Matched on the path's bytes (RouteTable.match): split as Characters, walking grapheme breaks, an answer's
        // path cost about 26,000 instructions, and its segments compared as Strings 10,000 more.
        let matched = table.match(req.path)
        let label = matched?.template ?? "unmatched"
        do {
            if req.method == "GET", let text = req.query["minHeight"] { try query.waitForHeight(req, text) }
            guard let matched else {
                throw APIError(NodeCode.notFound, "no route for \(req.method) \(req.path)")
            }
            guard let route = matched.route(req.method) else {
                // A route that exists, asked with a method it does not have: 405 and what it does have (RFC 9110 15.5.6).
                let allowed = matched.methods
                var r = APIError(NodeCode.methodNotAllowed, "\(matched.template) answers \(allowed.joined(separator: ", ")), not \(req.method)").response
                r.headers.set("Allow", allowed.joined(separator: ", "))
                return (label, r)
            }
            return (label, try run(route, req, matched.parameters))
        } catch let e as APIError {
            return (label, e.response)
        } catch let e as StoredBlockCorrupt {
            storageError(e, "answering \(label)")
            return (label, APIError(e.code, "\(e); this node stopped and needs its operator").response)
        } catch let e as DamagedRecord {
            // A value that does not decode. (Absence taken for damage, which a failed read can cause, arises only in
            // `ProvableQuery` answers, and `ProvenAnswer` checks the reads before it believes one.)
            storageError(e, "answering \(label)")
            return (label, APIError(e.code, "\(e); this node stopped and needs its operator").response)
        } catch let e as StorageError where e.code == ChainStore.snapshotGone {
            // Not the disk's fault: the chain moved on while a proof was read, three times over.
            return (label, APIError(NodeCode.storageUnavailable, "the chain moved on while this answer was read; retry").response)
        } catch let e as StorageError {
            storageError(e, "answering \(label)")
            return (label, APIError(e.code == NodeCode.storageCorrupt ? e.code : NodeCode.storageFailed, "this node could not read its database (\(e.code)); retry shortly or ask another node").response)
        } catch {
            return (label, APIError(NodeCode.internalError, "\(error)").response)
        }
    }

    /// Checks who is calling and runs the route. A snapshot route is read again from a new snapshot (at most three
    /// times) when the chain left its snapshot behind while a proof was read, and a `cacheFirst` one when the state
    /// cache alone could not answer it; its caller, verified once, is found again in each, and its proof is charged
    /// to the caller's quota once.
    private func run(_ route: Route, _ req: HTTPRequest, _ parameters: [String: String]) throws -> HTTPResponse {
        switch route.handler {
        case .plain(let handler):
            if route.auth == .peer { try authenticator.checkPeer(req) }
            return try handler(Call(request: req, parameters: parameters, caller: nil, key: nil, maxBody: route.maxBody, proofCharge: ProofCharge()))
        case .snapshot(let handler):
            var verified: PublicKey?
            let charge = ProofCharge()
            var attempt = 1
            while true {
                do {
                    return try (route.cacheFirst ? store.readCacheFirst : store.read) { state in
                        var call = Call(request: req, parameters: parameters, caller: nil, key: nil, maxBody: route.maxBody, proofCharge: charge)
                        switch route.auth {
                        case .caller(let enterprises, let sessions):
                            call = try authenticated(call, enterprises: enterprises, sessions: sessions, verified: &verified, state)
                        case .optionalCaller where Authenticator.carriesCredentials(req):
                            // A key that is no member's (an observer's, a removed member's) is answered as anonymous.
                            do { call = try authenticated(call, enterprises: false, sessions: true, verified: &verified, state) } catch let e as APIError
                                where e.code == NodeCode.authUnknownKey || e.code == Codes.keyRevoked {}
                        default: break
                        }
                        return try handler(call, state)
                    }
                } catch let e as StorageError where e.code == ChainStore.snapshotGone && attempt < 3 {
                    attempt += 1
                }
            }
        }
    }

    /// `call` by its authenticated caller in `state`: verified once (`verified` keeps the key), found again in each
    /// newer snapshot.
    private func authenticated(_ call: Call, enterprises: Bool, sessions: Bool, verified: inout PublicKey?, _ state: ReadView) throws -> Call {
        if let key = verified { return call.by(try authenticator.resolve(key, enterprises: enterprises, state: state), key) }
        let (caller, key) = try authenticator.authenticate(call.request, enterprises: enterprises, sessions: sessions, state: state,
                                                           verified: &verified)
        return call.by(caller, key)
    }

    private func storageError(_ e: Error, _ doing: String) {
        query.report.health.storageError(e, doing, logger: authenticator.logger)
    }
}

extension Call {
    /// The same call, by `caller` with `key`.
    func by(_ caller: Authenticator.Caller, _ key: PublicKey) -> Call {
        Call(request: request, parameters: parameters, caller: caller, key: key, maxBody: maxBody, proofCharge: proofCharge)
    }
}
