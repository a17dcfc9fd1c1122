import YongchainCrypto

/// A member's party log (docs/confidentiality.md, "The party log"): the count of transactions it is a party to
/// and a running digest over them, kept in state under `party/<member name>`, so that a member node holding its own
/// transactions proves by one state proof that it holds all of them.
///
///     value   = u64(count) ‖ digest
///     digest' = H( str("yongchain/party-log/v1") ‖ digest ‖ u64(height) ‖ u32(txIndex) ‖ txHash ‖ str(code) )
///
/// starting from count 0 and 32 zero bytes; H is the chain's hash suite.
public struct PartyLog: Sendable, Equatable, CanonicalCodable {
    public static let domain = "yongchain/party-log/v1"
    public static let empty = PartyLog(count: 0, digest: Hash.zero)

    public let count: UInt64
    public let digest: Hash

    public init(count: UInt64, digest: Hash) {
        self.count = count
        self.digest = digest
    }

    /// The state key of `member`'s log.
    public static func stateKey(_ member: String) -> [UInt8] { [UInt8](key: "party/", member) }

    /// The log after one more transaction (`code`: its result code, "OK" or the rejection).
    public func appending(height: UInt64, txIndex: UInt32, txHash: Hash, code: String, suite: HashSuite) -> PartyLog {
        var w = CanonicalWriter(capacity: 128)
        w.string(PartyLog.domain)
        w.hash(digest)
        w.u64(height)
        w.u32(txIndex)
        w.hash(txHash)
        w.string(code)
        return PartyLog(count: count + 1, digest: suite.digest(w.bytes))
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(count)
        w.hash(digest)
    }

    public init(from r: inout CanonicalReader) throws {
        count = try r.u64("partyLog.count")
        digest = try r.hash("partyLog.digest")
    }
}
