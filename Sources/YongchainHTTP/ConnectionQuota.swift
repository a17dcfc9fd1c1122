/// Who may take a connection slot (`HTTPServerLimits`): the cap per client address, the total, and the slots kept
/// for reserved addresses. Pure bookkeeping with no sockets or clock: the server asks `decide` before it registers a
/// connection, and reports every connection that comes (`add`) and goes (`remove`, on close or eviction).
struct ConnectionQuota: Sendable {
    enum Decision: Equatable {
        case admit
        /// The address already holds its cap: refuse (`TOO_MANY_CONNECTIONS_FROM_ADDRESS`).
        case refuseAddress
        /// No slot is free for this address. Close an idle connection to make room — any connection, or, when
        /// `includingReserved` is false, only one from an unreserved address (the only kind whose leaving frees a
        /// slot an unreserved client may take). Refuse (`TOO_MANY_CONNECTIONS`) if there is none.
        case evictIdle(includingReserved: Bool)
    }

    let limits: HTTPServerLimits
    let reserved: Set<ClientAddress>
    /// Live connections: admitted and neither closed nor evicted.
    private(set) var total = 0
    private(set) var fromUnreserved = 0
    private var perAddress: [ClientAddress: Int] = [:]

    init(limits: HTTPServerLimits, reserved: Set<ClientAddress>) {
        self.limits = limits
        self.reserved = reserved
    }

    func isReserved(_ address: ClientAddress) -> Bool { reserved.contains(address) }

    /// Slots unreserved addresses may hold together. No slot is kept for nobody: with no reserved address
    /// resolved, every slot is theirs.
    var unreservedSlots: Int { reserved.isEmpty ? limits.maxConnections : limits.maxConnections - limits.reservedConnections }

    func connections(from address: ClientAddress) -> Int { perAddress[address, default: 0] }

    /// 1. The address's own cap comes first, so a greedy address is told so even when the server is full.
    /// 2. A reserved address may take any free slot. 3. An unreserved one only while unreserved connections hold
    /// fewer than `unreservedSlots`.
    func decide(_ address: ClientAddress) -> Decision {
        let isReserved = isReserved(address)
        let cap = isReserved ? limits.maxConnectionsPerReservedAddress : limits.maxConnectionsPerAddress
        if connections(from: address) >= cap { return .refuseAddress }
        if isReserved { return total < limits.maxConnections ? .admit : .evictIdle(includingReserved: true) }
        if fromUnreserved >= unreservedSlots { return .evictIdle(includingReserved: false) }
        return total < limits.maxConnections ? .admit : .evictIdle(includingReserved: true)
    }

    mutating func add(_ address: ClientAddress) {
        total += 1
        if !isReserved(address) { fromUnreserved += 1 }
        perAddress[address, default: 0] += 1
    }

    /// The caller MUST call this once per `add`, for the same address.
    mutating func remove(_ address: ClientAddress) {
        guard let count = perAddress[address] else { fatalError("ConnectionQuota.remove(\(address)) without add") }
        total -= 1
        if !isReserved(address) { fromUnreserved -= 1 }
        perAddress[address] = count > 1 ? count - 1 : nil
    }
}
