import Glibc

/// A client's IP address as the server saw it at accept, the key of the per-address connection limits.
///
/// Stored as the 16 bytes of an IPv6 address with IPv4 mapped to `::ffff:a.b.c.d`, so an IPv4 client compares equal
/// whether a plain IPv4 or a dual-stack IPv6 listener accepted it. The port is not part of it.
struct ClientAddress: Hashable, Sendable, CustomStringConvertible {
    private let high: UInt64
    private let low: UInt64

    /// Where an address family other than IPv4 or IPv6 is counted (never seen on a TCP listener).
    static let unspecified = ClientAddress(high: 0, low: 0)

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    private init(ipv6 bytes: UnsafeRawBufferPointer) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        self.init(high: high, low: low)
    }

    private init(ipv4 bytes: UnsafeRawBufferPointer) {
        var low: UInt64 = 0xFFFF
        for i in 0..<4 { low = low << 8 | UInt64(bytes[i]) }
        self.init(high: 0, low: low)
    }

    /// The address in a `sockaddr_in` or `sockaddr_in6` (as `accept` or `getaddrinfo` fill them in); nil for any
    /// other family or a buffer too short for its family.
    init?(sockaddr raw: UnsafeRawBufferPointer) {
        guard raw.count >= MemoryLayout<sa_family_t>.size else { return nil }
        switch Int32(raw.loadUnaligned(as: sa_family_t.self)) {
        case AF_INET where raw.count >= MemoryLayout<sockaddr_in>.size:
            var address = raw.loadUnaligned(as: sockaddr_in.self).sin_addr
            self = withUnsafeBytes(of: &address) { ClientAddress(ipv4: $0) }
        case AF_INET6 where raw.count >= MemoryLayout<sockaddr_in6>.size:
            var address = raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            self = withUnsafeBytes(of: &address) { ClientAddress(ipv6: $0) }
        default:
            return nil
        }
    }

    /// Every address `host` resolves to: a numeric address is parsed without touching DNS; a name is looked up
    /// once, now. Empty if it does not resolve.
    static func resolving(_ host: String) -> [ClientAddress] {
        var seen = Set<ClientAddress>()
        return Socket.resolve(host, 0, passive: false).0.compactMap { resolved in
            let address = resolved.addr.withUnsafeBytes { ClientAddress(sockaddr: $0) }
            guard let address, seen.insert(address).inserted else { return nil }
            return address
        }
    }

    private var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if isIPv4 {
            var address = in_addr(s_addr: UInt32(truncatingIfNeeded: low).bigEndian)
            _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        } else {
            var bytes = (high.bigEndian, low.bigEndian)
            _ = inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
