/// State tree nodes in a dictionary: the store tests and genesis use.
///
/// `apply` adds an update's new nodes and keeps everything else, so every earlier root stays readable;
/// `remove` drops nodes an update listed as stale.
public struct MemoryTreeStore: TreeNodeReader, Sendable {
    public private(set) var nodes: [NodeKey: TreeNode] = [:]

    public init() {}

    public var count: Int { nodes.count }

    public func node(_ key: NodeKey) throws -> TreeNode? { nodes[key] }

    public mutating func apply(_ update: TreeUpdate) {
        for (key, node) in update.newNodes { nodes[key] = node }
    }

    public mutating func remove<S: Sequence>(_ keys: S) where S.Element == NodeKey {
        for k in keys { nodes[k] = nil }
    }
}
