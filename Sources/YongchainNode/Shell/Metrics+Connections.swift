import YongchainHTTP

extension Metrics {
    /// The API server's connection limits at work (docs/operations.md, "Connection limits"), in the format of
    /// `render`, whose output it follows.
    static func render(connections s: HTTPServerConnectionStats) -> String {
        """
        # HELP yongchain_http_connections Connections the API server is serving.
        # TYPE yongchain_http_connections gauge
        yongchain_http_connections \(s.open)
        # HELP yongchain_http_connections_evicted_total Idle connections closed to admit a new one at the limit.
        # TYPE yongchain_http_connections_evicted_total counter
        yongchain_http_connections_evicted_total \(s.evicted)
        # HELP yongchain_http_connections_refused_total New connections answered 503, by code.
        # TYPE yongchain_http_connections_refused_total counter
        yongchain_http_connections_refused_total{code="TOO_MANY_CONNECTIONS"} \(s.refusedAtLimit)
        yongchain_http_connections_refused_total{code="TOO_MANY_CONNECTIONS_FROM_ADDRESS"} \(s.refusedFromAddress)

        """
    }
}
