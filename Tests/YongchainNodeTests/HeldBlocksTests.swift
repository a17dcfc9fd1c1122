import Testing
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
}
