import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus
import YongchainTestSupport

/// etcd raft's quorum/quick_test.go idea: the incremental tallies of VoteSet against a naive recount from the raw
/// message list, on many seeded random vote streams with duplicates and equivocations (an equivocator's vote
/// counts for each value it voted for once that value has f+1 power; totals count each validator once).
@Suite("Vote counting property")
struct VoteCountingPropertyTests {
    @Test("VoteSet tallies equal a naive recount", arguments: 0..<200)
    func talliesMatchNaiveRecount(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 0xC0FFEE)
        let n = 1 + Int(rng.next(below: 12))
        let powers = (0..<n).map { _ in 1 + rng.next(below: 100) }
        let values: [Hash?] = [nil, block("a"), block("b"), block("c")]
        let total = powers.reduce(0, +)
        let threshold = total / 3 + 1
        var set = VoteSet(type: .prevote, height: 1, round: 0)
        var stream: [Vote] = []
        var evidence = 0
        for _ in 0..<Int(rng.next(below: 60)) {
            let v = Vote(type: .prevote, height: 1, round: 0, blockHash: values[Int(rng.next(below: 4))],
                         validator: Int(rng.next(below: UInt64(n))))
            stream.append(v)
            if case .conflict = set.add(v, power: powers[v.validator], conflictThreshold: threshold),
               set.noteEquivocation(v.validator) { evidence += 1 }
        }
        // Naive: replay the stream keeping each validator's accepted values, recomputing every sum from scratch.
        var accepted: [Int: [Hash?]] = [:]
        func naivePower(_ value: Hash?) -> UInt64 {
            accepted.filter { $0.value.contains(value) }.keys.reduce(UInt64(0)) { $0 + powers[$1] }
        }
        var equivocators = Set<Int>()
        for v in stream {
            guard let mine = accepted[v.validator] else { accepted[v.validator] = [v.blockHash]; continue }
            if mine.contains(v.blockHash) { continue }
            equivocators.insert(v.validator)
            if naivePower(v.blockHash) >= threshold { accepted[v.validator]!.append(v.blockHash) }
        }
        for value in values {
            #expect(set.power(for: value) == naivePower(value), "seed \(seed) value \(String(describing: value?.short))")
        }
        #expect(set.totalPower == accepted.keys.reduce(UInt64(0)) { $0 + powers[$1] }, "seed \(seed)")
        #expect(evidence == equivocators.count, "seed \(seed)")
        #expect(set.votes.count == accepted.values.reduce(0) { $0 + $1.count }, "seed \(seed)")
        #expect(set.votes.map(\.validator) == set.votes.map(\.validator).sorted(), "seed \(seed)")
        let quorum = total * 2 / 3 + 1
        let naiveQuorum = values.compactMap { $0 }.filter { naivePower($0) * 3 > total * 2 }
        #expect(set.blocks(withAtLeast: quorum) == naiveQuorum.sorted(), "seed \(seed)")
    }
}
