import Testing
import YongchainLightClient
@testable import YongchainNode

/// Proven answers at one height share what that height carries (`ProofBase`: header, certificate, set changes).
@Suite struct ProofBaseTests {
    /// After the next block (an empty one: the state root, and so every state proof, is the same as before), an
    /// answer is proven at that block, not with the header kept from the one before.
    @Test func aProvenAnswerAfterTheNextBlockIsProvenAtThatBlock() throws {
        let c = try VectorChain()
        let target = "/v1/mortgage/units/\(VectorChain.unit)/encumbrances?prove=true"
        let first = try AnswerVerifier.verify(response: c.ask("GET", target, as: VectorChain.bankB).body, genesis: VectorChain.genesis)
        try c.emptyBlock()
        let second = try AnswerVerifier.verify(response: c.ask("GET", target, as: VectorChain.bankB).body, genesis: VectorChain.genesis)
        #expect(first.height == c.node.store.tip.height - 1)
        #expect(second.height == c.node.store.tip.height && second.validatorSetChanges == 1)
    }
}
