import YongchainHTTP

extension Metrics {
    /// The API server's connection limits at work (docs/operations.md, "Connection limits"), in the format of
    /// `render`, whose output it follows.
    static func render(connections s: HTTPServerConnectionStats) -> String {
        """
        # HELP yongchain_http_connections Connections the API server is serving.
        # TYPE yongchain_http_connections gauge
        yongchain_http_connections \(s.open)
        # HELP yongchain_http_connections_evicted_total Connections closed to admit a new one at the limit: idle, or with a request slower than the minimum rate.
        # TYPE yongchain_http_connections_evicted_total counter
        yongchain_http_connections_evicted_total{reason="idle"} \(s.evicted)
        yongchain_http_connections_evicted_total{reason="slow_request"} \(s.evictedSlow)
        # HELP yongchain_http_connections_refused_total New connections answered 503, by code.
        # TYPE yongchain_http_connections_refused_total counter
        yongchain_http_connections_refused_total{code="TOO_MANY_CONNECTIONS"} \(s.refusedAtLimit)
        yongchain_http_connections_refused_total{code="TOO_MANY_CONNECTIONS_FROM_ADDRESS"} \(s.refusedFromAddress)

        """
    }
}

extension Metrics {
    /// The TLS handshakes of the API server (by result) and of this node's own gossip client.
    static func render(tls s: TLSHandshakeStats, client: (completed: Int, failed: Int)) -> String {
        """
        # HELP yongchain_tls_handshakes_total TLS handshakes on the API/gossip port, by result.
        # TYPE yongchain_tls_handshakes_total counter
        yongchain_tls_handshakes_total{result="full"} \(s.completed)
        yongchain_tls_handshakes_total{result="resumed"} \(s.resumed)
        yongchain_tls_handshakes_total{result="refused_peer"} \(s.refusedPeer)
        yongchain_tls_handshakes_total{result="plain_http"} \(s.plainHTTP)
        yongchain_tls_handshakes_total{result="failed"} \(s.failed)
        yongchain_tls_handshakes_total{result="timeout"} \(s.timedOut)
        yongchain_tls_handshakes_total{result="refused_at_limit"} \(s.refusedAtLimit)
        # HELP yongchain_tls_handshakes_in_progress TLS handshakes the server is in the middle of.
        # TYPE yongchain_tls_handshakes_in_progress gauge
        yongchain_tls_handshakes_in_progress \(s.inProgress)
        # HELP yongchain_tls_client_handshakes_total TLS handshakes this node made to its peers, by result.
        # TYPE yongchain_tls_client_handshakes_total counter
        yongchain_tls_client_handshakes_total{result="ok"} \(client.completed)
        yongchain_tls_client_handshakes_total{result="failed"} \(client.failed)

        """
    }
}
