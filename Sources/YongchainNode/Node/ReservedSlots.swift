import Dispatch
import Synchronization
import YongchainHTTP

/// Keeps the API server's reserved slots (and its handshakes free of the per-address caps) on the current members'
/// nodes: the consortium admits and removes members by vote, and a restarted container may come back at another
/// address. The node hands it the members' hosts after every commit that changes them; host names are looked up
/// here, on a queue of its own (a lookup may take seconds, and must never hold up consensus), again whenever the
/// hosts change and every `refreshSeconds`.
final class ReservedSlots: Sendable {
    static let refreshSeconds = 60.0

    private struct State {
        var server: HTTPServer?
        /// The members' hosts, then the ones the config adds (`peers`, `httpReservedAddresses`).
        var hosts: [String]
        var applied: [String] = []
    }

    private let queue = DispatchQueue(label: "yongchain.reserved-slots")
    private let state: Mutex<State>
    private let logger: Logger

    init(hosts: [String], logger: Logger) {
        state = Mutex(State(hosts: hosts))
        self.logger = logger
    }

    /// The hosts the server starts with (it resolves them itself, at once).
    var hosts: [String] { state.withLock { $0.hosts } }

    /// From now on the server's reserved addresses follow `setHosts`, and are looked up again every
    /// `refreshSeconds` until `stop`.
    func attach(_ server: HTTPServer) {
        state.withLock {
            $0.server = server
            $0.applied = server.reservedAddresses
        }
        scheduleRefresh()
    }

    /// New hosts (the member list changed): looked up and applied on this object's queue, soon.
    func setHosts(_ hosts: [String]) {
        let changed = state.withLock { s -> Bool in
            defer { s.hosts = hosts }
            return s.hosts != hosts
        }
        if changed { queue.async { self.apply() } }
    }

    func stop() { state.withLock { $0.server = nil } }

    private func scheduleRefresh() {
        queue.asyncAfter(deadline: .now() + Self.refreshSeconds) { [self] in
            guard state.withLock({ $0.server != nil }) else { return }
            apply()
            scheduleRefresh()
        }
    }

    private func apply() {
        let (server, hosts) = state.withLock { ($0.server, $0.hosts) }
        guard let server else { return }
        let addresses = server.setReservedAddresses(hosts)
        let before = state.withLock { s in defer { s.applied = addresses }; return s.applied }
        if addresses != before {
            logger.info("http", "reserved slots for \(addresses.count) member address(es): \(addresses.joined(separator: ", "))")
        }
    }
}
