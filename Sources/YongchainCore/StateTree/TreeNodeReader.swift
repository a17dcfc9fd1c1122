/// Where the state tree reads its nodes: SQLite in the node, `MemoryTreeStore` in tests and caches.
///
/// Implementations MUST return nil only for a node that is not stored, and MUST throw on a failed read: a read
/// error turned into "absent" would make a sick disk produce a different state root.
public protocol TreeNodeReader {
    func node(_ key: NodeKey) throws -> TreeNode?
}
