import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainNode

/// What the consensus shell holds between commits.
@Suite struct HeldBlocksTests {
    /// A block found valid is not checked again at the same tip, and never at the next: the verdict goes with the
    /// commit, as the executions do.
    @Test func aValidVerdictLastsUntilTheNextCommit() {
        var held = HeldBlocks()
        let hash = HashSuite.sha256.digest([1, 2, 3])
        held.rememberValid(hash)
        #expect(held.valid.contains(hash))
        held.committed(7)
        #expect(!held.valid.contains(hash))
    }

    /// A header's hash covers the transaction root, not the transactions: a copy of a signed proposal whose body was
    /// altered on the way carries the same hash. Once the held body was found valid (or built here), such a copy does
    /// not replace it; before a verdict, the later copy is held (as before), and judged.
    @Test func aBodyFoundValidIsNotReplacedByAnotherUnderItsHash() throws {
        let key = try PrivateKey.generate()
        let chain = Chain(id: "c", hashSuite: .sha256)
        let txs = [Transaction.signed(type: "t", body: [1], nonce: 1, key: key, chainID: "c")]
        let header = BlockHeader(chain: chain, height: 8, time: 1, previousBlockHash: .zero, lastCommitHash: Block.commitHash(nil, suite: .sha256), txRoot: Block.txRoot(txs, chain: chain),
                                 resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: key.publicKey)
        let good = Block(header: header, transactions: txs, lastCommit: nil)
        let altered = Block(header: header, transactions: [Transaction.signed(type: "t", body: [2], nonce: 2, key: key, chainID: "c")], lastCommit: nil)
        #expect(altered.hash == good.hash && good.integrityProblem(chain: chain) == nil && altered.integrityProblem(chain: chain) != nil)

        var held = HeldBlocks()
        held.hold(altered)
        held.hold(good)
        #expect(held[good.hash] == good, "before a verdict the later copy is held")
        held.rememberValid(good.hash)
        let taken = held.hold(altered)
        #expect(taken)
        #expect(held[good.hash] == good, "a body found valid stays")

        // Before a verdict, as the shell holds a received proposal's block (with the chain): the body that matches
        // its header stays, whichever came first.
        var fresh = HeldBlocks()
        fresh.hold(good, chain: chain)
        let kept = fresh.hold(altered, chain: chain)
        #expect(kept)
        #expect(fresh[good.hash] == good, "an altered copy does not displace the proposer's body")
        var late = HeldBlocks()
        late.hold(altered, chain: chain)
        late.hold(good, chain: chain)
        #expect(late[good.hash] == good, "the proposer's body replaces an altered copy that came first")
    }
}
