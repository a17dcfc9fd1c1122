/// Why a state tree operation failed. Every case means the store does not hold the tree the caller named:
/// a pruned or lost node, a corrupt store, or a caller passing a version that is not newer than the root's.
public enum StateTreeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A node the tree references is not in the store.
    case missingNode(NodeKey)
    /// The stored node is a leaf where the parent said internal, or the reverse.
    case unexpectedNode(NodeKey, expectedLeaf: Bool)
    /// `update` was asked to write a version not newer than the root's, which would overwrite stored nodes.
    case versionNotAfterRoot(rootVersion: UInt64, version: UInt64)

    /// A stable machine code.
    public var code: String {
        switch self {
        case .missingNode: return "STATE_TREE_MISSING_NODE"
        case .unexpectedNode: return "STATE_TREE_UNEXPECTED_NODE"
        case .versionNotAfterRoot: return "STATE_TREE_VERSION_NOT_AFTER_ROOT"
        }
    }

    public var description: String {
        switch self {
        case .missingNode(let k):
            return "\(code): state tree node \(k) is not in the store (pruned, or the store is incomplete)"
        case .unexpectedNode(let k, let expectedLeaf):
            return "\(code): state tree node \(k) should be \(expectedLeaf ? "a leaf" : "internal") but is not (corrupt store)"
        case .versionNotAfterRoot(let root, let v):
            return "\(code): update version \(v) must be greater than the root's version \(root)"
        }
    }
}
