/// Who may take a connection slot and a TLS handshake slot (`HTTPServerLimits`): the caps per client address, the
/// totals, and the slots kept for reserved addresses. Pure bookkeeping with no sockets or clock: the server asks
/// `decide` before it registers a connection, and reports every connection that comes (`add`), every handshake that
/// starts late (`startWaitingHandshake`) or ends (`endHandshake`), and every connection that goes (`remove`, on close
/// or eviction).
///
/// A connection keeps the class it was admitted with (`Admitted.reserved`) while the reserved set changes under it
/// (`setReserved`: the consortium's members change by vote), so every count stays the sum of what was added.
struct ConnectionQuota: Sendable {
    enum Decision: Equatable {
        case admit
        /// The address already holds its cap: refuse (`TOO_MANY_CONNECTIONS_FROM_ADDRESS`).
        case refuseAddress
        /// No slot is free for this address. Close an idle connection to make room — any connection, or, when
        /// `includingReserved` is false, only one from an unreserved address (the only kind whose leaving frees a
        /// slot an unreserved client may take). Refuse (`TOO_MANY_CONNECTIONS`) if there is none.
        case evictIdle(includingReserved: Bool)
        /// Unreserved handshakes fill `maxHandshakesInProgress`: close the unreserved connection whose handshake has
        /// been in progress longest (which frees a connection slot too). Refuse if there is none.
        case evictHandshake
    }

    /// Where a connection's TLS handshake stands, as far as the quota counts it.
    enum Handshake: Equatable {
        /// Plain HTTP, or the handshake is over.
        case none
        case inProgress
        /// Its address held `maxHandshakesPerAddress` handshakes when it came: it waits, without a byte read,
        /// until one of them ends (`startWaitingHandshake`).
        case waiting
    }

    /// What the quota counted for one connection; the server hands it back when the connection's state changes.
    struct Admitted: Equatable {
        let address: ClientAddress
        let reserved: Bool
    }

    let limits: HTTPServerLimits
    private(set) var reserved: Set<ClientAddress>
    /// Live connections: admitted and neither closed nor evicted.
    private(set) var total = 0
    private(set) var fromUnreserved = 0
    /// Handshakes in progress on connections admitted as unreserved (reserved ones are bounded by their slots).
    private(set) var unreservedHandshakes = 0
    private var perAddress: [ClientAddress: Int] = [:]
    private var handshakesPerAddress: [ClientAddress: Int] = [:]

    init(limits: HTTPServerLimits, reserved: Set<ClientAddress>) {
        self.limits = limits
        self.reserved = reserved
    }

    func isReserved(_ address: ClientAddress) -> Bool { reserved.contains(address) }

    /// Replaces the reserved addresses. Connections already admitted keep their class.
    mutating func setReserved(_ addresses: Set<ClientAddress>) { reserved = addresses }

    /// Slots unreserved addresses may hold together. No slot is kept for nobody: with no reserved address
    /// resolved, every slot is theirs.
    var unreservedSlots: Int { reserved.isEmpty ? limits.maxConnections : limits.maxConnections - limits.reservedConnections }

    func connections(from address: ClientAddress) -> Int { perAddress[address, default: 0] }

    /// Unreserved handshakes in progress from `address`.
    func handshakes(from address: ClientAddress) -> Int { handshakesPerAddress[address, default: 0] }

    /// 1. The address's own connection cap comes first, so a greedy address is told so even when the server is
    /// full; a handshake, waiting or not, counts inside it. 2. An unreserved handshake that would start now (its
    /// address holds fewer than `maxHandshakesPerAddress`) needs a slot of `maxHandshakesInProgress`. 3. A reserved
    /// address may take any free slot. 4. An unreserved one only while unreserved connections hold fewer than
    /// `unreservedSlots`.
    func decide(_ address: ClientAddress, handshake: Bool = false) -> Decision {
        let isReserved = isReserved(address)
        let cap = isReserved ? limits.maxConnectionsPerReservedAddress : limits.maxConnectionsPerAddress
        if connections(from: address) >= cap { return .refuseAddress }
        if isReserved { return total < limits.maxConnections ? .admit : .evictIdle(includingReserved: true) }
        if handshake && handshakes(from: address) < limits.maxHandshakesPerAddress
            && unreservedHandshakes >= limits.maxHandshakesInProgress {
            return .evictHandshake
        }
        if fromUnreserved >= unreservedSlots { return .evictIdle(includingReserved: false) }
        return total < limits.maxConnections ? .admit : .evictIdle(includingReserved: true)
    }

    /// Counts a connection `decide` admitted (after any eviction it asked for). With `handshake`, says whether its
    /// handshake starts now or waits for one of its address's to end.
    @discardableResult
    mutating func add(_ address: ClientAddress, handshake: Bool = false) -> (Admitted, Handshake) {
        let admitted = Admitted(address: address, reserved: isReserved(address))
        total += 1
        if !admitted.reserved { fromUnreserved += 1 }
        perAddress[address, default: 0] += 1
        guard handshake else { return (admitted, .none) }
        if admitted.reserved { return (admitted, .inProgress) }
        guard handshakes(from: address) < limits.maxHandshakesPerAddress else { return (admitted, .waiting) }
        startHandshake(address)
        return (admitted, .inProgress)
    }

    /// Starts the handshake of a connection that was `.waiting`, if its address has a free handshake slot and the
    /// unreserved handshakes leave one: true if it started (and is now counted in progress).
    mutating func startWaitingHandshake(_ admitted: Admitted) -> Bool {
        guard handshakes(from: admitted.address) < limits.maxHandshakesPerAddress,
              unreservedHandshakes < limits.maxHandshakesInProgress else { return false }
        startHandshake(admitted.address)
        return true
    }

    /// The handshake of a connection counted `.inProgress` is over (completed or failed); the connection stays.
    mutating func endHandshake(_ admitted: Admitted) {
        guard !admitted.reserved else { return }
        guard let count = handshakesPerAddress[admitted.address] else {
            fatalError("ConnectionQuota.endHandshake(\(admitted.address)) without a handshake")
        }
        unreservedHandshakes -= 1
        handshakesPerAddress[admitted.address] = count > 1 ? count - 1 : nil
    }

    /// The caller MUST call this once per `add`, with what `add` returned and where the handshake stands now.
    mutating func remove(_ admitted: Admitted, handshake: Handshake) {
        guard let count = perAddress[admitted.address] else { fatalError("ConnectionQuota.remove(\(admitted.address)) without add") }
        if handshake == .inProgress { endHandshake(admitted) }
        total -= 1
        if !admitted.reserved { fromUnreserved -= 1 }
        perAddress[admitted.address] = count > 1 ? count - 1 : nil
    }

    private mutating func startHandshake(_ address: ClientAddress) {
        unreservedHandshakes += 1
        handshakesPerAddress[address, default: 0] += 1
    }
}
