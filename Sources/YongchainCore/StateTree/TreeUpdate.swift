import YongchainCrypto

/// What one block's writes did to the state tree: the new root, the nodes it created and those it left behind.
///
/// A store that keeps nodes MUST keep every node in `newNodes` readable before it records `root` as a block's
/// state root (the node's store keeps those above its buckets and builds the rest from `leaves`). Nodes in
/// `staleNodes` are no longer referenced from `root`; they are still referenced by earlier roots, so they may be
/// dropped only once no earlier version needs to be read.
public struct TreeUpdate: Sendable {
    /// nil = the empty tree.
    public let root: ChildRef?
    /// `root?.hash`, or 32 zero bytes for the empty tree.
    public let rootHash: Hash
    /// Every node this update created, all under the update's version.
    public let newNodes: [(key: NodeKey, node: TreeNode)]
    /// Every existing node the new root no longer references.
    public let staleNodes: [NodeKey]
    /// The leaf of every key written, sorted by key hash (one per key: the last write): its value hash, or nil
    /// when the key was deleted. No default: a store that keeps leaves would silently diverge without them.
    public let leaves: [(keyHash: Hash, valueHash: Hash?)]
    /// The digests of each write given to the update, in the writes' order (a key written twice appears twice):
    /// its key hash, and its value hash or nil for a delete. A store that keeps the digests beside the state
    /// takes them from here instead of hashing every write again (ChainStore, schema 5).
    public let writeDigests: [(keyHash: Hash, valueHash: Hash?)]

    public init(root: ChildRef?, newNodes: [(key: NodeKey, node: TreeNode)], staleNodes: [NodeKey],
                leaves: [(keyHash: Hash, valueHash: Hash?)], writeDigests: [(keyHash: Hash, valueHash: Hash?)]) {
        self.root = root
        self.rootHash = root?.hash ?? Hash.zero
        self.newNodes = newNodes
        self.staleNodes = staleNodes
        self.leaves = leaves
        self.writeDigests = writeDigests
    }
}
