import Foundation
import YongchainCore

/// Bounds on what a proposal may carry.
public enum GovernanceLimits {
    /// A member's name, in bytes (as genesis allows).
    public static let maxNameBytes = 64
    /// A member's address, in bytes.
    public static let maxAddressBytes = 256
    /// A proposal's description, in bytes.
    public static let maxDescriptionBytes = 1_000
    /// Most proposals one list answer holds, and the default.
    public static let maxPageSize = 200
    public static let defaultPageSize = 50
    /// Most members `Governance.members` reads: far above any consortium (the city's has 40), and a bound a
    /// scan's arithmetic can add to without overflowing.
    public static let maxMembersListed = 1_000_000

    /// 1 to 64 bytes, no control characters (names appear in state keys, logs and the status page).
    static func checkName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.utf8.count <= maxNameBytes else { throw ValidationError(field: field, message: "1 to \(maxNameBytes) bytes") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: field, message: "no control characters")
        }
    }

    /// An absolute http:// or https:// URL naming a host (and optionally a port), nothing else: the other members'
    /// nodes connect to it.
    static func checkAddress(_ address: String, field: String) throws {
        let why = "an http:// or https:// URL of the member's node, like https://node.bank-e.example:26601"
        guard address.utf8.count <= maxAddressBytes, !address.contains(where: { $0.isWhitespace }),
              let c = URLComponents(string: address), let scheme = c.scheme, scheme == "http" || scheme == "https",
              let host = c.host, !host.isEmpty, c.user == nil, c.password == nil, c.query == nil, c.fragment == nil,
              c.path.isEmpty || c.path == "/" else {
            throw ValidationError(field: field, message: why)
        }
        if let port = c.port, !(1...65535).contains(port) { throw ValidationError(field: field, message: why) }
    }
}
