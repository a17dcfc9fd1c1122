import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainLightClient
@testable import YongchainNode
import YongchainTestSupport

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

    /// A bundle's text made from its height's part, encoded once (`Parts.bundleBase64`: the head's whole groups of
    /// three bytes kept as base64, the rest and the entries encoded per answer), is the base64 of the whole bundle's
    /// bytes: for heads of every length modulo three, with and without the set's change, and 0 to 3 entries.
    @Test func aBundlesTextFromItsHeightsPartIsTheWholeBundlesBase64() throws {
        let c = try VectorChain()
        let real = try c.node.store.read { v in try ProofBase().parts(at: try v.tip(), v) }
        var rng = SplitMix64(seed: 31)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        var remainders = Set<Int>()
        for round in 0..<60 {
            var header = real.header
            header.chainID = String(repeating: "c", count: 1 + round)
            let certificate = CommitCertificate(height: real.height, round: 0, blockHash: real.blockHash,
                                                signatures: (0..<Int(rng.next() % 5)).map { .init(validator: $0, signature: bytes(64)) })
            let parts = ProofBase.Parts(height: real.height, blockHash: real.blockHash, header: header, certificate: certificate,
                                        changes: round % 2 == 0 ? real.changes : [])
            let entries = (0..<Int(rng.next() % 4)).map { _ in
                let siblings = (0..<Int(rng.next() % 20)).map { _ in rng.next() % 3 == 0 ? Hash.zero : Hash(bytes(32))! }
                let terminal: StateProof.Terminal = rng.next() % 2 == 0 ? .empty : .leaf(keyHash: Hash(bytes(32))!, valueHash: Hash(bytes(32))!)
                return ProofBundle.Entry(key: bytes(1 + Int(rng.next() % 60)), value: rng.next() % 3 == 0 ? nil : bytes(Int(rng.next() % 300)),
                                         proof: StateProof(siblings: siblings, terminal: terminal))
            }
            let whole = ProofBundle(changes: parts.changes, header: header, certificate: certificate, entries: entries)
            #expect(parts.bundleBase64(entries) == Data(whole.canonicalBytes).base64EncodedString(), "round \(round)")
            remainders.insert(parts.head.count % 3)
        }
        #expect(remainders == [0, 1, 2])
    }
}
