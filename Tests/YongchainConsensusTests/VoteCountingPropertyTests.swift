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
        // Naive: a validator counts once for every value it voted for, and once in the total; a validator with
        // two different votes is an equivocator.
        var first: [Int: Vote] = [:]
        var voted = Set<String>()
        var equivocators = Set<Int>()
        for v in stream {
            if let f = first[v.validator] { if f.blockHash != v.blockHash { equivocators.insert(v.validator) } } else { first[v.validator] = v }
            voted.insert("\(v.validator)/\(v.blockHash?.hex ?? "nil")")
        }
        func naivePower(_ value: Hash?) -> UInt64 {
            (0..<n).filter { voted.contains("\($0)/\(value?.hex ?? "nil")") }.reduce(UInt64(0)) { $0 + powers[$1] }
        }
        for value in values {
            let naive = naivePower(value)
            #expect(set.power(for: value) == naive, "seed \(seed) value \(String(describing: value?.short))")
        }
        #expect(set.totalPower == first.values.reduce(UInt64(0)) { $0 + powers[$1.validator] }, "seed \(seed)")
        #expect(evidence == equivocators.count, "seed \(seed)")
        #expect(Set(set.votes.map { "\($0.validator)/\($0.blockHash?.hex ?? "nil")" }) == voted, "seed \(seed)")
        let total = powers.reduce(0, +)
        let quorum = total * 2 / 3 + 1
        let naiveQuorum = values.compactMap { $0 }.filter { v in
            naivePower(v) * 3 > total * 2
        }
        #expect(set.blocks(withAtLeast: quorum) == naiveQuorum.sorted(), "seed \(seed)")
    }
}
