import Testing
import YongchainBench

/// The grey-list store bench runs its transactions through the application (any refusal stops it with an error)
/// and counts what the grey-list holds: a small run, so the figures' command keeps working.
@Suite struct GreylistStoreBenchTests {
    @Test func aSmallRunAcceptsEveryTransactionAndCountsTheGreylistsKeys() throws {
        var lines: [String] = []
        try GreylistStoreBench.run(entries: 20, checks: 50, samples: 2) { lines.append($0) }
        #expect(lines.contains { $0.hasPrefix("empty list: greylist.check") } && lines.contains { $0.hasPrefix("20 entries: greylist.check") }, "\(lines)")
        // keys, the admitted key's used-key record, parameters, stats; an entry and a report per subject; every check
        // record (the measured ones too); the bank's one day of counts.
        let keys = 4 + 2 * 20 + 50 + 2 * 2 + 1
        #expect(lines.contains { $0.hasPrefix("state: \(keys) grey-list keys") }, "\(lines)")
    }
}
