import Testing
@testable import YongchainCore
@testable import YongchainCrypto
import YongchainTestSupport

@Suite struct MerkleTests {
    /// The RFC 6962 definition, recursively: split at the largest power of two below n.
    func naiveRoot(_ leaves: [Hash]) -> Hash {
        if leaves.isEmpty { return HashSuite.sha256.digest([UInt8]()) }
        if leaves.count == 1 { return leaves[0] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return Merkle.nodeHash(naiveRoot(Array(leaves[..<k])), naiveRoot(Array(leaves[k...])), .sha256)
    }

    @Test func rootAndProofsAgreeWithTheNaiveDefinition() {
        var rng = SplitMix64(seed: 7)
        for n in Array(0...40) + (0..<30).map({ _ in Int(rng.next() % 700) + 1 }) {
            let items = (0..<n).map { i in Array("item-\(i)-\(rng.next())".utf8) }
            let leaves = items.map { Merkle.leafHash($0, suite: .sha256) }
            let root = Merkle.root(items, suite: .sha256)
            #expect(root == naiveRoot(leaves), "n=\(n)")
            // Several proofs from one pass are each the proof of its leaf alone (RedactedBatch asks for them so).
            if n > 0 {
                let some = (0..<n).filter { $0 % 3 == 0 || $0 == n - 1 }
                let all = Merkle.proofs(leaves: leaves, indices: some, suite: .sha256)
                #expect(all.allSatisfy { $0.verify(leaf: leaves[$0.index], root: root, suite: .sha256) }, "n=\(n)")
                #expect(all.map(\.path) == some.map { i in Self.pathAlone(leaves, i) }, "n=\(n)")
            }
            for i in 0..<n where n < 50 || i % 37 == 0 || i == n - 1 {
                let p = Merkle.proof(leaves: leaves, index: i, suite: .sha256)
                #expect(p.verify(leaf: leaves[i], root: root, suite: .sha256), "n=\(n) i=\(i)")
                #expect(!p.verify(leaf: Merkle.leafHash([1, 2, 3], suite: .sha256), root: root, suite: .sha256))
                if n > 1 {
                    let wrongIndex = MerkleProof(index: (i + 1) % n, count: n, path: p.path)
                    #expect(!wrongIndex.verify(leaf: leaves[i], root: root, suite: .sha256) || leaves[i] == leaves[(i + 1) % n])
                    var path = p.path
                    path[0] = HashSuite.sha256.digest([0])
                    #expect(!MerkleProof(index: i, count: n, path: path).verify(leaf: leaves[i], root: root, suite: .sha256))
                }
            }
        }
    }

    /// A leaf's path computed on its own, level by level, without `proofs`.
    static func pathAlone(_ leaves: [Hash], _ index: Int) -> [Hash] {
        var path: [Hash] = [], level = leaves, i = index
        while level.count > 1 {
            if i ^ 1 < level.count { path.append(level[i ^ 1]) }
            level = stride(from: 0, to: level.count, by: 2).map { $0 + 1 < level.count ? Merkle.nodeHash(level[$0], level[$0 + 1], .sha256) : level[$0] }
            i /= 2
        }
        return path
    }

    @Test func leafAndNodeHashesAreDomainSeparated() {
        let a = Merkle.leafHash([1], suite: .sha256), b = Merkle.leafHash([2], suite: .sha256)
        let node = Merkle.nodeHash(a, b, .sha256)
        // A leaf whose content is the concatenation of two hashes does not collide with their parent.
        #expect(Merkle.leafHash(a.bytes + b.bytes, suite: .sha256) != node)
    }
}
