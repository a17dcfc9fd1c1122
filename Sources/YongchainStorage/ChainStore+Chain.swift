import YongchainCore
import YongchainCrypto

/// Which chain a database belongs to: its id and hash suite, recorded in `meta` when it is first opened (`chain_id`,
/// `hash_suite`), so blocks read back are decoded and checked with the chain's own hash.
extension ChainStore {
    /// The chain from its `meta` rows; a database made before hash suites existed has no `hash_suite`: SHA-256.
    static func chain(_ id: [UInt8]?, suite: [UInt8]?) throws -> Chain {
        guard let id else { throw StorageError(code: "STORAGE_UNINITIALISED", message: "the database has no genesis yet") }
        let name = suite.map { String(decoding: $0, as: UTF8.self) } ?? HashSuite.sha256.rawValue
        guard let s = HashSuite(rawValue: name) else { throw StorageError(code: "STORAGE_CORRUPT", message: "unknown hash suite \(name)") }
        return Chain(id: String(decoding: id, as: UTF8.self), hashSuite: s)
    }
}

extension ReadView {
    /// The chain this database belongs to: its id and hash suite.
    public func chain() throws -> Chain {
        if let knownChain { return knownChain }
        var id: [UInt8]?, suite: [UInt8]?
        try connection.query("SELECT key, value FROM meta WHERE key IN ('chain_id', 'hash_suite')") {
            if $0.text(0) == "chain_id" { id = $0.blob(1) } else { suite = $0.blob(1) }
        }
        return try ChainStore.chain(id, suite: suite)
    }
}
