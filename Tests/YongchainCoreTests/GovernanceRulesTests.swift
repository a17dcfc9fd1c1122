import Foundation
import Testing
@testable import YongchainCore
import YongchainTestSupport

/// Genesis's optional `governance` object and the rules' arithmetic.
@Suite struct GovernanceRulesTests {
    typealias G = GenesisIdentityTests

    @Test func genesisWithoutGovernanceKeepsItsGoldenIdentity() throws {
        #expect(G.small.governance == nil)
        #expect(G.small.hash.hex == G.smallHash)
        #expect(try Genesis(canonical: G.small.canonicalBytes) == G.small)
        let json = try JSONEncoder().encode(G.small)
        #expect(!String(decoding: json, as: UTF8.self).contains("governance"), "an absent object stays absent in the file")
        #expect(try JSONDecoder().decode(Genesis.self, from: json).hash.hex == G.smallHash)
    }

    @Test func genesisWithGovernanceAppendsItsRules() throws {
        var g = G.small
        g.governance = GovernanceRules()
        var tail = CanonicalWriter()
        tail.u8(1)
        tail.item(GovernanceRules())
        #expect(g.canonicalBytes == G.small.canonicalBytes + tail.bytes)
        #expect(tail.bytes == [1] + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 3] + [0, 0, 0, 0, 0x24, 0x0c, 0x84, 0x00]
                + [0, 0, 0, 7] + Array("members".utf8))
        #expect(g.hash != G.small.hash, "even default rules, written down, are part of the identity")
        #expect(try Genesis(canonical: g.canonicalBytes) == g)
        // A bad tag or trailing bytes are refused.
        var bad = g.canonicalBytes
        bad[G.small.canonicalBytes.count] = 2
        #expect(throws: EncodingError.self) { try Genesis(canonical: bad) }
        #expect(throws: EncodingError.self) { try Genesis(canonical: g.canonicalBytes + [0]) }
    }

    @Test func genesisFileMayGiveSomeRulesAndTheRestDefault() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(G.small)) as? [String: Any])
        json["governance"] = ["votingPeriodMs": 86_400_000, "proposers": "voters"]
        let g = try JSONDecoder().decode(Genesis.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(g.governance == GovernanceRules(thresholdNumerator: 2, thresholdDenominator: 3, votingPeriodMs: 86_400_000, proposers: .voters))
        try g.validate()
        json["governance"] = ["thresholdNumerator": 1, "thresholdDenominator": 3]
        let weak = try JSONDecoder().decode(Genesis.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(throws: GenesisError.self) { try weak.validate() }
    }

    @Test func rulesRangesAreChecked() {
        func valid(_ n: UInt64, _ d: UInt64, _ period: Int64 = 86_400_000) -> Bool {
            (try? GovernanceRules(thresholdNumerator: n, thresholdDenominator: d, votingPeriodMs: period, proposers: .members).validate()) != nil
        }
        #expect(valid(2, 3) && valid(1, 2) && valid(99, 100) && valid(51, 100))
        #expect(!valid(1, 3) && !valid(3, 3) && !valid(0, 2) && !valid(2, 1) && !valid(60, 101) && !valid(0, 0))
        #expect(valid(2, 3, 1000) && valid(2, 3, 365 * 86_400_000))
        #expect(!valid(2, 3, 999) && !valid(2, 3, 365 * 86_400_000 + 1) && !valid(2, 3, -1))
        // Decoding from state or a genesis checks the same ranges.
        var w = CanonicalWriter()
        w.u64(1); w.u64(3); w.i64(1000); w.string("members")
        #expect(throws: EncodingError.self) { try GovernanceRules(canonical: w.bytes) }
    }

    /// `passes` and `blocks` against exact rational arithmetic on many seeded cases.
    @Test func thresholdArithmeticMatchesTheFractions() {
        var rng = SplitMix64(seed: 13)
        for _ in 0..<20_000 {
            let d = UInt64.random(in: 2...100, using: &rng)
            let n = UInt64.random(in: (d + 1) / 2...(d - 1), using: &rng)
            let rules = GovernanceRules(thresholdNumerator: n, thresholdDenominator: d, votingPeriodMs: 1000, proposers: .members)
            let total = UInt64.random(in: 1...(rng.next() % 2 == 0 ? 20 : 1_000_000_000_000), using: &rng)
            let yes = UInt64.random(in: 0...total, using: &rng)
            let no = UInt64.random(in: 0...(total - yes), using: &rng)
            let pass = Double(yes) / Double(total) > Double(n) / Double(d)
            if abs(Double(yes) / Double(total) - Double(n) / Double(d)) > 1e-9 { #expect(rules.passes(yes: yes, total: total) == pass) }
            // Blocked exactly when even all the remaining power voting yes would not pass.
            #expect(rules.blocks(no: no, total: total) == !rules.passes(yes: total - no, total: total))
        }
    }
}
