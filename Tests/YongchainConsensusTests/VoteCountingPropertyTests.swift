import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

/// etcd raft's quorum/quick_test.go idea: the incremental tallies of VoteSet against a naive recount from the raw
/// message list, on many seeded random vote streams with duplicates and equivocations.
@Suite("Vote counting property")
struct VoteCountingPropertyTests {
    @Test("VoteSet tallies equal a naive recount", arguments: 0..<200)
    func talliesMatchNaiveRecount(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 0xC0FFEE)
        let n = 1 + Int(rng.next(below: 12))
        let powers = (0..<n).map { _ in 1 + rng.next(below: 100) }
        let values: [Hash?] = [nil, block("a"), block("b"), block("c")]
        var set = VoteSet(type: .prevote, height: 1, round: 0)
        var stream: [Vote] = []
        var evidence = 0
        for _ in 0..<Int(rng.next(below: 40)) {
            let v = Vote(type: .prevote, height: 1, round: 0, blockHash: values[Int(rng.next(below: 4))],
                         validator: Int(rng.next(below: UInt64(n))))
            stream.append(v)
            if case .conflict = set.add(v, power: powers[v.validator]), set.noteEquivocation(v.validator) { evidence += 1 }
        }
        // Naive: the first vote of each validator counts; later different ones are equivocations.
        var first: [Int: Vote] = [:]
        var equivocators = Set<Int>()
        for v in stream {
            if let f = first[v.validator] { if f.blockHash != v.blockHash { equivocators.insert(v.validator) } } else { first[v.validator] = v }
        }
        for value in values {
            let naive = first.values.filter { $0.blockHash == value }.reduce(UInt64(0)) { $0 + powers[$1.validator] }
            #expect(set.power(for: value) == naive, "seed \(seed) value \(String(describing: value?.short))")
        }
        #expect(set.totalPower == first.values.reduce(UInt64(0)) { $0 + powers[$1.validator] }, "seed \(seed)")
        #expect(evidence == equivocators.count, "seed \(seed)")
        #expect(set.votes.map(\.validator) == first.keys.sorted(), "seed \(seed)")
        let total = powers.reduce(0, +)
        let quorum = total * 2 / 3 + 1
        let naiveQuorum = values.compactMap { $0 }.filter { v in
            first.values.filter { $0.blockHash == v }.reduce(UInt64(0)) { $0 + powers[$1.validator] } * 3 > total * 2
        }
        #expect(set.blocks(withAtLeast: quorum) == naiveQuorum.sorted(), "seed \(seed)")
    }
}
