import YongchainHTTP

/// Every route the node serves. docs/openapi.yaml documents each `documented` one, method for method
/// (`RouteTableTests`); the request fuzzer has a seed for each (Tests/YongchainFuzzTests/RouteCatalog.swift).
extension RouteTable {
    static func node(query q: QueryService, admission a: Admission, peers p: PeerProtocol, memberSync m: MemberSyncService,
                     pseudonyms g: PseudonymService, limits: APILimits) -> RouteTable {
        let member = RouteAuth.caller(enterprises: false, sessions: true)
        return RouteTable([
            Route("GET", "/", documented: false, .plain { _ in StatusPage.response }),
            Route("GET", "/healthz", .plain(q.healthz)),
            Route("HEAD", "/healthz", .plain(q.healthz)),
            Route("GET", "/v1/status", .plain(q.status)),
            Route("GET", "/metrics", .plain(q.metrics)),
            Route("GET", "/v1/blocks", .plain(q.blocks)),
            Route("GET", "/v1/blocks/latest", auth: .optionalCaller, .snapshot(q.latestBlock)),
            Route("GET", "/v1/blocks/{height}", auth: .optionalCaller, .snapshot(q.block)),
            Route("POST", "/v1/txs", .plain(a.submit)),
            Route("POST", "/v1/txs/batch", .plain(a.submitBatch)),
            Route("GET", "/v1/txs/{hash}", auth: .optionalCaller, .snapshot(q.transaction)),
            Route("GET", "/v1/validators", .plain(q.validators)),
            Route("GET", "/v1/peers", .plain(q.peers)),
            Route("GET", "/v1/evidence", .plain(q.evidence)),
            Route("POST", "/v1/gossip", auth: .peer, documented: false, .plain(p.gossipRequest)),
            Route("GET", "/v1/sync/blocks", auth: .optionalCaller, documented: false, .snapshot(p.syncRequest)),
            Route("GET", "/v1/sync/redacted", auth: member, documented: false, .snapshot(m.request)),
            Route("POST", SessionAuth.path, auth: .caller(enterprises: true, sessions: false), maxBody: limits.maxSessionBodyBytes,
                  .snapshot(q.openSession)),
            Route("GET", "/v1/mortgage/titles/verify", auth: member, cacheFirst: true, .snapshot(q.verifyTitle)),
            Route("GET", "/v1/mortgage/units/{unit}/encumbrances", auth: member, cacheFirst: true, .snapshot(q.encumbrances)),
            Route("GET", "/v1/mortgage/certificates/{no}", auth: member, cacheFirst: true, .snapshot(q.certificate)),
            Route("GET", "/v1/mortgage/applications/{id}", auth: member, cacheFirst: true, .snapshot(q.application)),
            Route("GET", "/v1/mortgage/banks/{key}/filings", auth: member, .snapshot(q.filings)),
            Route("POST", "/v1/trade/precheck", auth: member, maxBody: limits.maxAppBodyBytes, cacheFirst: true, .snapshot(q.precheck)),
            Route("GET", "/v1/trade/enterprises/{code}/credit-record", auth: member, cacheFirst: true, .snapshot(q.creditRecord)),
            Route("GET", "/v1/trade/enterprises/{code}/queries", auth: .caller(enterprises: true, sessions: true), cacheFirst: true, .snapshot(q.creditQueries)),
            Route("GET", "/v1/governance/members", .snapshot(q.members)),
            Route("GET", "/v1/governance/members/{key}", auth: .optionalCaller, .snapshot(q.member)),
            Route("GET", "/v1/governance/proposals", auth: member, .snapshot(q.proposals)),
            Route("GET", "/v1/governance/proposals/{id}", auth: member, .snapshot(q.proposal)),
            Route("POST", "/v1/greylist/pseudonyms", auth: member, maxBody: PseudonymService.maxBodyBytes, .snapshot(g.pseudonyms)),
            Route("GET", "/v1/greylist/checks/{checkId}", auth: member, cacheFirst: true, .snapshot(q.greylistCheck)),
            Route("GET", "/v1/greylist/stats", .snapshot(q.greylistStats)),
        ])
    }
}
