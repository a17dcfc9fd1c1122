/// Where the state tree reads its nodes: the node's store (a tree in memory, built from the state table),
/// `MemoryTreeStore` in tests and at genesis.
///
/// Implementations MUST return nil only for a node that is not stored, and MUST throw on a failed read: a read
/// error turned into "absent" would make a sick disk produce a different state root.
public protocol TreeNodeReader {
    func node(_ key: NodeKey) throws -> TreeNode?
}
