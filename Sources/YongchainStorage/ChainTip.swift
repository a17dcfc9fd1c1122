import YongchainCore
import YongchainCrypto

/// The committed chain as the node sees it.
public struct ChainTip: Sendable, Equatable {
    public let height: UInt64
    public let blockHash: Hash
    /// Root of the application state after block `height` (block `height`'s header carries it).
    public let stateRoot: Hash
    public let time: Int64
    /// Where that root's node is stored (nil: the empty tree), for updating and proving from it.
    public let stateTree: ChildRef?

    public init(height: UInt64, blockHash: Hash, stateRoot: Hash, time: Int64, stateTree: ChildRef? = nil) {
        self.height = height
        self.blockHash = blockHash
        self.stateRoot = stateRoot
        self.time = time
        self.stateTree = stateTree
    }
}

/// Where a committed transaction is and what became of it.
public struct TxRecord: Sendable, Equatable {
    public let hash: Hash
    public let height: UInt64
    public let index: Int
    public let result: TxResult

    public init(hash: Hash, height: UInt64, index: Int, result: TxResult) {
        self.hash = hash
        self.height = height
        self.index = index
        self.result = result
    }
}
