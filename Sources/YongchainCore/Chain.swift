import YongchainCrypto

/// Which chain a value belongs to: its id (in every signature's domain) and its hash suite (every hash it
/// defines), both from its genesis (`Genesis.chain`). A value that names its chain hashes with this suite: a
/// block header holds it; a value that does not (a transaction, a validator set, a state-tree node) is given it
/// by whoever holds the chain.
public struct Chain: Sendable, Hashable, CustomStringConvertible {
    public let id: String
    public let hashSuite: HashSuite

    public init(id: String, hashSuite: HashSuite) {
        self.id = id
        self.hashSuite = hashSuite
    }

    public var description: String { hashSuite == .sha256 ? id : "\(id) (\(hashSuite))" }
}
