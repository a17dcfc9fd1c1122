import YongchainHTTP

extension NodeConfig {
    /// Most connections `httpMaxConnections` may allow: each is a descriptor and may hold a worker thread.
    static let httpMaxConnectionsCeiling = 65_536
    /// Highest `httpMinRequestBytesPerSecond`: 1 MiB a second, beyond what a slow honest link should be asked for.
    static let httpMinRequestRateCeiling = 1 << 20

    /// The API server's limits: `HTTPServerLimits`' defaults, overridden by whichever `http…` and `tls…` keys are
    /// set. The peers' hosts may use the reserved slots (`reservedHosts`).
    func httpServerLimits(peerHosts: [String]) -> HTTPServerLimits {
        var limits = HTTPServerLimits()
        if let n = httpMaxConnections { limits.maxConnections = n }
        if let n = httpMaxConnectionsPerAddress { limits.maxConnectionsPerAddress = n }
        if let n = httpReservedPeerConnections { limits.reservedConnections = n }
        if let n = httpMaxConnectionsPerPeerAddress { limits.maxConnectionsPerReservedAddress = n }
        if let s = httpRequestHeadTimeoutSeconds { limits.requestHeadTimeout = Double(s) }
        if let n = httpMinRequestBytesPerSecond { limits.minRequestBytesPerSecond = n }
        if let n = tlsMaxHandshakesInProgress { limits.maxHandshakesInProgress = n }
        if let n = tlsMaxHandshakesPerAddress { limits.maxHandshakesPerAddress = n }
        if let s = tlsHandshakeTimeoutSeconds { limits.handshakeTimeout = Double(s) }
        limits.reservedAddresses = reservedHosts(peerHosts: peerHosts)
        return limits
    }

    /// Who may use the reserved slots: the peers' hosts (the members' nodes, and `peers`) and
    /// `httpReservedAddresses`, each once.
    func reservedHosts(peerHosts: [String]) -> [String] {
        var seen = Set<String>()
        return (peerHosts + (httpReservedAddresses ?? [])).filter { seen.insert($0).inserted }
    }

    /// Throws `CONFIG_INVALID` naming the key, its allowed range and the value found, for a connection limit the
    /// server could not work with. Checked when the config is loaded, so a bad value stops the node at start.
    func validateConnectionLimits(path: String) throws {
        func invalid(_ key: String, _ range: String, _ value: Any) -> NodeError {
            NodeError(code: NodeCode.configInvalid, message: "\(path): \(key) must be \(range), got \(value)")
        }
        let defaults = HTTPServerLimits()
        let total = httpMaxConnections ?? defaults.maxConnections
        if let n = httpMaxConnections, !(1...Self.httpMaxConnectionsCeiling).contains(n) {
            throw invalid("httpMaxConnections", "1 to \(Self.httpMaxConnectionsCeiling)", n)
        }
        if let n = httpMaxConnectionsPerAddress, !(1...total).contains(n) {
            throw invalid("httpMaxConnectionsPerAddress", "1 to httpMaxConnections (\(total))", n)
        }
        let reserved = httpReservedPeerConnections ?? defaults.reservedConnections
        if !(0..<total).contains(reserved) {
            throw invalid("httpReservedPeerConnections", "0 to httpMaxConnections - 1 (\(total - 1))"
                          + (httpReservedPeerConnections == nil ? " (it defaults to \(reserved); set it when lowering httpMaxConnections)" : ""),
                          reserved)
        }
        if let n = httpMaxConnectionsPerPeerAddress, !(1...total).contains(n) {
            throw invalid("httpMaxConnectionsPerPeerAddress", "1 to httpMaxConnections (\(total))", n)
        }
        if let n = tlsMaxHandshakesInProgress, !(1...total).contains(n) {
            throw invalid("tlsMaxHandshakesInProgress", "1 to httpMaxConnections (\(total))", n)
        }
        if let n = tlsMaxHandshakesPerAddress, !(1...total).contains(n) {
            throw invalid("tlsMaxHandshakesPerAddress", "1 to httpMaxConnections (\(total))", n)
        }
        let readTimeout = Int(defaults.readTimeout)
        if let s = httpRequestHeadTimeoutSeconds, !(1...readTimeout).contains(s) {
            throw invalid("httpRequestHeadTimeoutSeconds", "1 to \(readTimeout) (the whole request's time)", s)
        }
        if let n = httpMinRequestBytesPerSecond, !(1...Self.httpMinRequestRateCeiling).contains(n) {
            throw invalid("httpMinRequestBytesPerSecond", "1 to \(Self.httpMinRequestRateCeiling)", n)
        }
        if let s = tlsHandshakeTimeoutSeconds, !(1...300).contains(s) {
            throw invalid("tlsHandshakeTimeoutSeconds", "1 to 300", s)
        }
        for address in httpReservedAddresses ?? [] where address.isEmpty || address.contains(where: \.isWhitespace) || address.contains("/") {
            throw invalid("httpReservedAddresses", "IP addresses or host names (no scheme, port or path)", "\"\(address)\"")
        }
    }
}
