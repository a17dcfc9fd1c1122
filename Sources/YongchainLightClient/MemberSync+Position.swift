import YongchainCore
import YongchainCrypto

/// A member node's sync position as it stores it between runs (its own database, no wire format):
///
///     position = u8(version = 1) ‖ validatorSet trusted ‖ u64(since) ‖ u64(height) ‖ hash(blockHash) ‖ partyLog
///
/// Only a proven position is stored (`MemberSync.proven`): a restart resumes from the last batch whose party log
/// was proven, and whatever was stored above it is dropped and asked again.
extension MemberSync.Position {
    public var storedBytes: [UInt8] {
        var w = CanonicalWriter(capacity: 256)
        w.u8(1)
        w.item(sets.trusted)
        w.u64(sets.since)
        w.u64(height)
        w.hash(blockHash)
        w.item(log)
        return w.bytes
    }

    /// Decodes a stored position of `genesis`'s chain; a position of another version or with trailing bytes throws.
    public init(stored bytes: [UInt8], genesis: Genesis) throws {
        var r = CanonicalReader(bytes, hashSuite: genesis.chain.hashSuite)
        guard try r.u8("position.version") == 1 else { throw EncodingError.invalid("position.version", "not 1") }
        let trusted = try r.item(ValidatorSet.self, at: "position.trusted")
        let since = try r.u64("position.since")
        self.init(sets: ValidatorSetChain(chain: genesis.chain, trusted: trusted, since: since))
        height = try r.u64("position.height")
        blockHash = try r.hash("position.blockHash")
        log = try r.item(PartyLog.self, at: "position.log")
        try r.finish("position")
    }
}

extension MemberSync {
    /// Resumes from a stored position (`Position.storedBytes`), taken as proven.
    public init(genesis: Genesis, member: String, resuming position: Position) {
        self.init(genesis: genesis, member: member)
        current = position
        proven = position
    }
}
