/// Where a state tree node is stored: the version (block height) that created it and its path.
///
/// Nodes are never modified once written, so every root keeps its whole tree readable as long as a reader keeps
/// the nodes that `TreeUpdate.staleNodes` listed. Canonical form: u64 version, then the path.
public struct NodeKey: Hashable, Sendable, CanonicalCodable, CustomStringConvertible {
    public let version: UInt64
    public let path: TreePath

    public init(version: UInt64, path: TreePath) {
        self.version = version
        self.path = path
    }

    public var description: String { "v\(version):\(path)" }

    public func encode(to w: inout CanonicalWriter) {
        w.u64(version)
        path.encode(to: &w)
    }

    public init(from r: inout CanonicalReader) throws {
        version = try r.u64("node key version")
        path = try TreePath(from: &r)
    }
}
