/// How storage keeps the binary tree: four levels to a row, as the Jellyfish Merkle Tree keeps a nibble's 16
/// children together. Only the layout changes; the tree, its hashes and its proofs are the binary tree's.
///
/// A stored binary node costs a row to write, to read back and to delete once pruned, and a key touches a node
/// at every level below the cached top. Grouped four levels to a page, a write touches a quarter of the rows.
///
/// - The root page holds the nodes at depths 0 through 4. Page `P`, for a path `P` of depth 4k (k ≥ 1), holds the
///   nodes at depths 4k + 1 through 4k + 4 whose paths start with `P` (the node at `P` itself is in the page
///   above). So which page holds a node depends on its path only, leaf or not (`pagePath`).
/// - A page is written whole, under the version of the update that changed any node in it: every reference to
///   a node in the page (from inside it, or from the node at `P`) carries that version. So a node is found by
///   `NodeKey(version, path)` as before: page `(version, pagePath(path))`, then the node at `path` in it.
/// - A page rewritten supersedes its previous version, which goes stale as a whole; nothing else refers to it.
public struct TreePage: Sendable, Equatable, CanonicalCodable {
    /// The most nodes a page holds: the root page's 1 + 2 + 4 + 8 + 16.
    public static let maxNodes = 31
    /// Levels per page below the root page's own.
    public static let levels = 4

    /// The page's nodes, in canonical path order.
    public let nodes: [(path: TreePath, node: TreeNode)]

    public init(nodes: [(path: TreePath, node: TreeNode)]) {
        self.nodes = nodes.sorted { TreePath.canonicalOrder($0.path, $1.path) }
    }

    /// The path of the page that holds the node at `path`.
    @inline(__always)
    public static func pagePath(_ path: TreePath) -> TreePath {
        path.depth <= levels ? .root : path.prefix((path.depth - 1) / levels * levels)
    }

    /// The node at `path`, if this page holds one.
    public func node(at path: TreePath) -> TreeNode? {
        for n in nodes where n.path == path { return n.node }
        return nil
    }

    public static func == (a: TreePage, b: TreePage) -> Bool {
        a.nodes.count == b.nodes.count && zip(a.nodes, b.nodes).allSatisfy { $0.path == $1.path && $0.node == $1.node }
    }

    /// Canonical form: u8 count (1...31), then each node's path and node, in canonical path order.
    public func encode(to w: inout CanonicalWriter) {
        w.u8(UInt8(nodes.count))
        for n in nodes {
            n.path.encode(to: &w)
            n.node.encode(to: &w)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let count = Int(try r.u8("tree page size"))
        guard (1...Self.maxNodes).contains(count) else { throw EncodingError.invalid("tree page", "\(count) nodes, not 1...\(Self.maxNodes)") }
        var nodes: [(path: TreePath, node: TreeNode)] = []
        nodes.reserveCapacity(count)
        for _ in 0..<count { nodes.append((try TreePath(from: &r), try TreeNode(from: &r))) }
        let page = TreePage.pagePath(nodes[0].path)
        guard nodes.allSatisfy({ TreePage.pagePath($0.path) == page }) else {
            throw EncodingError.invalid("tree page", "nodes of more than one page")
        }
        self.nodes = nodes
    }
}

/// One update's pages: what to store under the update's version, and the stored pages it superseded.
public struct PagedTreeUpdate: Sendable {
    /// Every page the update changed, whole, keyed by (the update's version, page path), in canonical path order.
    public let pages: [(key: NodeKey, page: TreePage)]
    /// Every stored page the new root no longer reaches, in no particular order.
    public let stalePages: [NodeKey]

    /// Groups an update's new nodes (`StateTree.update`, under `version`) into pages. A page that changed is
    /// written whole: its unchanged nodes are copied from the page's stored version (read through `page`), and
    /// every reference into a rewritten page is re-stamped with `version`. A page is rewritten if the update
    /// created or dropped any node in it. The stale pages are the previous versions of the rewritten pages and
    /// the pages left empty.
    public init(_ update: TreeUpdate, version: UInt64, page: (NodeKey) throws -> TreePage?) throws {
        // The assembler holds `page` only inside this call: what it built is taken out before it goes.
        let (built, stale) = try withoutActuallyEscaping(page) { page in
            var a = PageAssembler(version: version, fetch: page)
            try a.run(update)
            return (a.built, a.stale)
        }
        pages = built.map { (NodeKey(version: version, path: $0.key), TreePage(nodes: $0.value)) }
            .sorted { TreePath.canonicalOrder($0.key.path, $1.key.path) }
        stalePages = Array(stale)
    }
}

private struct PageAssembler {
    let version: UInt64
    let fetch: (NodeKey) throws -> TreePage?
    var fresh: [TreePath: TreeNode] = [:]
    var touched = Set<TreePath>()
    var stale = Set<NodeKey>()
    var built: [TreePath: [(path: TreePath, node: TreeNode)]] = [:]
    var old: [NodeKey: TreePage] = [:]

    init(version: UInt64, fetch: @escaping (NodeKey) throws -> TreePage?) {
        self.version = version
        self.fetch = fetch
    }

    mutating func run(_ update: TreeUpdate) throws {
        // A page that lost a node is rewritten too, if any of it is left: it is listed stale, so what is left
        // must move to a page of this version.
        for k in update.staleNodes {
            let page = TreePage.pagePath(k.path)
            stale.insert(NodeKey(version: k.version, path: page))
            touched.insert(page)
        }
        if let root = update.root, !update.newNodes.isEmpty {
            fresh.reserveCapacity(update.newNodes.count)
            for (k, n) in update.newNodes {
                fresh[k.path] = n
                touched.insert(TreePage.pagePath(k.path))
            }
            guard root.version == version else { throw StateTreeError.missingNode(NodeKey(version: version, path: .root)) }
            _ = try place(root, TreePath.root)
        }
    }

    /// Puts the node `ref` names at `path` (new, or copied from its stored page) into its page, with its children
    /// in rewritten pages placed too; returns the reference re-stamped with the update's version.
    mutating func place(_ ref: ChildRef, _ path: TreePath) throws -> ChildRef {
        let pagePath = TreePage.pagePath(path)
        var node: TreeNode
        if ref.version == version {
            guard let n = fresh[path] else { throw StateTreeError.missingNode(NodeKey(version: version, path: path)) }
            node = n
        } else {
            let key = NodeKey(version: ref.version, path: pagePath)
            let page: TreePage
            if let p = old[key] { page = p } else {
                guard let p = try fetch(key) else { throw StateTreeError.missingNode(NodeKey(version: ref.version, path: path)) }
                old[key] = p
                page = p
            }
            guard let n = page.node(at: path) else { throw StateTreeError.missingNode(NodeKey(version: ref.version, path: path)) }
            node = n
            stale.insert(key)
        }
        if case .internal(let l, let r) = node {
            node = .internal(left: try l.map { try child($0, path.appending(0)) }, right: try r.map { try child($0, path.appending(1)) })
        }
        built[pagePath, default: []].append((path, node))
        return ChildRef(version: version, hash: ref.hash, isLeaf: ref.isLeaf)
    }

    private mutating func child(_ c: ChildRef, _ path: TreePath) throws -> ChildRef {
        touched.contains(TreePage.pagePath(path)) ? try place(c, path) : c
    }
}

/// Reads nodes from pages: the node at (version, path) is in page (version, `TreePage.pagePath(path)`).
public struct PagedTreeReader: TreeNodeReader {
    let page: (NodeKey) throws -> TreePage?

    public init(page: @escaping (NodeKey) throws -> TreePage?) { self.page = page }

    public func node(_ key: NodeKey) throws -> TreeNode? {
        try page(NodeKey(version: key.version, path: TreePage.pagePath(key.path)))?.node(at: key.path)
    }
}
