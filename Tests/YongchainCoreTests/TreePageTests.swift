import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
import YongchainTestSupport

/// The tree stored as pages of four levels (`TreePage`), as the node's database stores it: over thousands of
/// random writes across many versions, the paged store reads back the same tree (roots, proofs and absences
/// against the plain model), every version stays whole until its stale pages are pruned, and pruning every stale
/// page leaves exactly the pages the last root reaches.
@Suite struct TreePageTests {
    /// Pages in a dictionary, updated as the node's store updates them.
    struct PagedStore {
        var pages: [NodeKey: TreePage] = [:]
        var reader: PagedTreeReader { let p = pages; return PagedTreeReader { p[$0] } }

        mutating func apply(_ u: TreeUpdate, version: UInt64) throws -> PagedTreeUpdate {
            let paged = try PagedTreeUpdate(u, version: version) { pages[$0] }
            for k in paged.stalePages { #expect(pages[k] != nil, "stale page \(k) was not stored") }
            #expect(Set(paged.stalePages).count == paged.stalePages.count, "a page listed stale twice")
            for (k, page) in paged.pages {
                #expect(k.version == version && pages[k] == nil, "page \(k) overwrites a stored one")
                #expect(page.nodes.allSatisfy { TreePage.pagePath($0.path) == k.path }, "page \(k) holds another page's node")
                pages[k] = page
            }
            return paged
        }

        /// The pages the tree at `root` reaches.
        func reachable(_ root: ChildRef?) throws -> Set<NodeKey> {
            var out = Set<NodeKey>()
            func walk(_ ref: ChildRef?, _ path: TreePath) throws {
                guard let ref else { return }
                out.insert(NodeKey(version: ref.version, path: TreePage.pagePath(path)))
                guard let node = try reader.node(NodeKey(version: ref.version, path: path)) else {
                    Issue.record("node \(ref.version):\(path) is missing")
                    return
                }
                #expect(node.hash == ref.hash)
                if case .internal(let l, let r) = node {
                    try walk(l, path.appending(0))
                    try walk(r, path.appending(1))
                }
            }
            try walk(root, .root)
            return out
        }
    }

    @Test func aPagedStoreHoldsEveryVersionUntilPrunedAndLeaksNothing() throws {
        var rng = SplitMix64(seed: 4_011)
        var plain = StateTreeTests.Harness()
        var store = PagedStore()
        var paged: [PagedTreeUpdate] = []
        var roots: [ChildRef?] = [nil]
        let pool = 3_000
        for _ in 0..<40 {
            let writes = StateTreeTests.randomBatch(&rng, pool: pool, size: rng.int(1...400), present: plain.models.last!)
            let version = plain.version + 1
            let u = try StateTree.update(root: roots.last!, version: version, writes: writes, reader: store.reader)
            _ = try plain.apply(writes)
            #expect(u.rootHash == plain.roots.last!?.hash ?? Hash.zero, "the paged store's tree differs at version \(version)")
            paged.append(try store.apply(u, version: version))
            roots.append(u.root)
            let live = try store.reachable(u.root)
            let bad = paged.last!.stalePages.filter { live.contains($0) }
            #expect(bad.isEmpty, "version \(version) lists live pages stale: \(bad)")
        }
        #expect(plain.models.last!.count > 1_000)
        #expect(store.pages.keys.contains { $0.path.depth >= 8 }, "the tree is too shallow to test pages below the root's")
        let sample = (0..<200).map { _ in StateTreeTests.key(rng.int(0...(pool - 1))) }
        func checkVersion(_ v: Int, _ s: PagedStore) throws {
            #expect((roots[v]?.hash ?? Hash.zero) == StateTreeTests.naiveRoot(plain.models[v]))
            for k in sample {
                let proof = try StateTree.prove(root: roots[v], key: k, reader: s.reader)
                try proof.verify(root: roots[v]?.hash ?? Hash.zero, key: k, value: plain.models[v][k])
            }
        }
        for v in stride(from: 0, through: 40, by: 5) { try checkVersion(v, store) }
        // Pages stale at versions before v are pruned: v and every later version still prove.
        for v in [3, 20, 40] {
            var pruned = store
            for p in paged.prefix(v - 1) { for k in p.stalePages { pruned.pages[k] = nil } }
            for later in [v, (v + 40) / 2, 40] { try checkVersion(later, pruned) }
        }
        var all = store
        for p in paged { for k in p.stalePages { all.pages[k] = nil } }
        #expect(Set(all.pages.keys) == (try all.reachable(roots.last!)), "pruning every stale page leaves other pages than the tip reaches")
    }

    @Test func aNodesPageDependsOnItsDepthOnly() {
        let p = TreePath(depth: 24, bits: [0b1011_0110, 0b0101_1100, 0b1110_0001])!
        for d in 0...4 { #expect(TreePage.pagePath(p.prefix(d)) == .root) }
        for d in 5...8 { #expect(TreePage.pagePath(p.prefix(d)) == p.prefix(4)) }
        for d in 9...12 { #expect(TreePage.pagePath(p.prefix(d)) == p.prefix(8)) }
        #expect(TreePage.pagePath(p) == p.prefix(20))
        #expect(p.prefix(12).bits == [0b1011_0110, 0b0101_0000])
        #expect(p.prefix(24) == p && p.prefix(0) == .root)
    }

    @Test func aPageDecodesAsEncodedAndRefusesWhatNoStoreWrites() throws {
        let leaf = TreeNode.leaf(keyHash: Hash.sha256([1]), valueHash: Hash.sha256([2]))
        let a = TreePath(depth: 5, bits: [0b1000_0000])!, b = TreePath(depth: 6, bits: [0b1000_0100])!
        let page = TreePage(nodes: [(b, leaf), (a, .internal(left: nil, right: ChildRef(version: 3, hash: leaf.hash, isLeaf: true)))])
        #expect(page.nodes.map(\.path) == [a, b])
        #expect(try TreePage(canonical: page.canonicalBytes) == page)
        #expect(page.node(at: b) == leaf && page.node(at: TreePath(depth: 6, bits: [0b1000_0000])!) == nil)
        #expect(throws: EncodingError.self) { try TreePage(canonical: [0]) }
        let mixed = TreePage(nodes: [(a, leaf), (TreePath(depth: 9, bits: [0b1000_0000, 0])!, leaf)])
        #expect(throws: EncodingError.self) { try TreePage(canonical: mixed.canonicalBytes) }
    }
}
