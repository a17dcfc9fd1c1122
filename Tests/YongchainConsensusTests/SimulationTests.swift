import Foundation
import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainConsensus

/// Seeded whole-network runs. Every run checks agreement and validity after every event, that no honest
/// validator is ever caught equivocating (the SignerGuard across crashes), and that once the network heals
/// every honest node decides new heights within a bounded simulated time.
///
/// Environment: `SIM_SEEDS=<k>` runs seeds 1...k of every scenario (default: each scenario's CI count);
/// `SIM_SEED=<s>` runs just that seed; `SIM_SCENARIO=<name>` restricts to one scenario.
///
/// Each scenario's seeds are dealt to `shards` test cases (seed s to shard s mod shards), which swift-testing
/// runs in parallel on every core; a run depends only on its scenario and seed, so this changes no result.
@Suite("Deterministic simulation")
struct SimulationTests {
    static let scenarios: [(Scenario, ciSeeds: Int)] = [
        (Scenario(name: "calm-4", n: 4, maxDelayMs: 10), 40),
        (Scenario(name: "lossy-4", n: 4, dropRate: 0.15, duplicateRate: 0.1, maxDelayMs: 60), 120),
        (Scenario(name: "partitions-4", n: 4, dropRate: 0.05, maxDelayMs: 30, partitions: true), 120),
        (Scenario(name: "crashes-4", n: 4, dropRate: 0.05, duplicateRate: 0.05, maxDelayMs: 30, crashes: true), 120),
        (Scenario(name: "byzantine-4", n: 4, byzantine: 1, dropRate: 0.05, duplicateRate: 0.05, maxDelayMs: 30, invalidRate: 0.1), 150),
        (Scenario(name: "chaos-4", n: 4, byzantine: 1, dropRate: 0.1, duplicateRate: 0.1, maxDelayMs: 50,
                  partitions: true, crashes: true, invalidRate: 0.1), 150),
        (Scenario(name: "byzantine-7", n: 7, byzantine: 2, dropRate: 0.05, duplicateRate: 0.05, maxDelayMs: 30, invalidRate: 0.1), 100),
        (Scenario(name: "chaos-7", n: 7, byzantine: 2, dropRate: 0.1, duplicateRate: 0.1, maxDelayMs: 50,
                  partitions: true, crashes: true, invalidRate: 0.1), 120),
        (Scenario(name: "reconfig-4", n: 4, byzantine: 1, dropRate: 0.1, duplicateRate: 0.1, maxDelayMs: 50,
                  partitions: true, crashes: true, invalidRate: 0.1, heightsAfterHeal: 8, reconfigure: true), 150),
        (Scenario(name: "reconfig-7", n: 7, byzantine: 2, dropRate: 0.05, duplicateRate: 0.05, maxDelayMs: 30,
                  partitions: true, crashes: true, invalidRate: 0.1, heightsAfterHeal: 7, reconfigure: true), 100),
    ]

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Enough for both cores to stay busy to the end, even though scenarios differ several-fold in cost.
    static let shards = 4

    static func seeds(ci: Int, shard: Int) -> [UInt64] {
        let all: [UInt64]
        if let s = environment["SIM_SEED"], let seed = UInt64(s) {
            all = [seed]
        } else {
            all = Array(1...UInt64(max(environment["SIM_SEEDS"].flatMap(Int.init) ?? ci, 1)))
        }
        return all.filter { Int($0 % UInt64(shards)) == shard }
    }

    @Test("scenario", arguments: scenarios.map(\.0.name), 0..<shards)
    func simulate(_ name: String, shard: Int) {
        let (scenario, ci) = Self.scenarios.first { $0.0.name == name }!
        if let only = Self.environment["SIM_SCENARIO"], only != name { return }
        let seeds = Self.seeds(ci: ci, shard: shard)
        guard !seeds.isEmpty else { return }
        var evidence = 0
        var heights = 0
        var changes = 0, joinerSigned = 0
        for seed in seeds {
            let sim = Simulation(scenario: scenario, seed: seed)
            if let failure = sim.run() {
                Issue.record(Comment(rawValue: failure))
                return
            }
            evidence += sim.evidenceSeen
            heights += sim.nodes[0].chain.count
            changes += sim.sets.filter { $0.from > 1 && $0.from <= UInt64(sim.nodes[0].chain.count) }.count
            joinerSigned += sim.joinerSigned
        }
        if scenario.reconfigure {
            // The scenario must actually change sets under the faults, and the node that joined must sign.
            #expect(changes >= 2 * seeds.count, "\(changes) set changes took effect over \(seeds.count) seeds")
            #expect(joinerSigned > 0, "the node that joined never had its precommit in a certificate")
        }
        #expect(heights > 0)
        if scenario.byzantine > 0 {
            #expect(evidence > 0, "byzantine validators in \(name) never got caught equivocating: the adversary is not doing its job")
        }
    }

    @Test("a seed replays exactly")
    func replay() {
        let scenario = Self.scenarios.first { $0.0.name == "chaos-4" }!.0
        let a = Simulation(scenario: scenario, seed: 42), b = Simulation(scenario: scenario, seed: 42)
        #expect(a.run() == nil && b.run() == nil)
        #expect(a.now == b.now && a.deliveries == b.deliveries)
        #expect(a.nodes.map(\.chain) == b.nodes.map(\.chain))
    }
}

/// The simulation checks the carry-out the node ships, not a copy of it: `ReadyRunner` is the node's, and a runner
/// that breaks the contract's order — sends a Ready's messages before it persists their record — is caught. A crash
/// between the two (a crash point, `Scenario.crashPointRate`) leaves a vote out in the network that the restarted
/// node's `SignerGuard` never heard of, and it signs another for the same step: an honest equivocation.
@Suite("The carry-out's order")
struct CarryOutOrderTests {
    static let scenario = Scenario(name: "crash-points-4", n: 4, dropRate: 0.05, maxDelayMs: 30, crashes: true, crashPointRate: 0.05)

    @Test func sendingBeforePersistingIsCaughtByTheSimulation() {
        var caught: String?
        for seed in UInt64(1)...40 where caught == nil {
            caught = Simulation(scenario: Self.scenario, seed: seed, persistsBeforeSending: false).run()
        }
        let failure = try? #require(caught, "40 seeds of a runner that sends before it persists went unnoticed")
        #expect(failure?.contains("(honest) signed two") == true || failure?.contains("equivocated") == true, "\(failure ?? "")")
    }

    @Test func theContractsOrderPassesTheSameSeeds() {
        for seed in UInt64(1)...40 {
            if let failure = Simulation(scenario: Self.scenario, seed: seed).run() {
                Issue.record(Comment(rawValue: failure))
                return
            }
        }
    }
}
