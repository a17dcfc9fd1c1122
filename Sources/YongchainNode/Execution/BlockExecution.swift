import YongchainCore
import YongchainCrypto

/// What executing a block against committed state gave: what storage commits, and the roots its header must carry.
struct BlockExecution {
    let writes: [(key: [UInt8], value: [UInt8]?)]
    let results: [(hash: Hash, result: TxResult)]
    /// Each transaction's parties (member names), in block order: whom it is served to in full.
    let parties: [[String]]
    /// The state tree after the block: its root is the header's `stateRoot`.
    let tree: TreeUpdate
    let resultsHash: Hash
    var stateRoot: Hash { tree.rootHash }

    /// Why `header` does not carry what executing its block gave here, or nil when it does.
    func mismatch(_ header: BlockHeader) -> String? {
        if header.resultsHash != resultsHash { return "results hash \(header.resultsHash.short) differs from ours \(resultsHash.short)" }
        if header.stateRoot != stateRoot { return "state root \(header.stateRoot.short) differs from ours \(stateRoot.short)" }
        return nil
    }
}

