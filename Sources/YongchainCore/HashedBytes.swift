/// Bytes as a dictionary key, hashed in one call: an `[UInt8]` key is fed to the hasher a byte at a time, which
/// made hashing a member record or a state key most of a look-up's cost.
public struct HashedBytes: Hashable, Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}
