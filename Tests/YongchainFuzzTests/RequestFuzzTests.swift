import Foundation
import Testing
import YongchainCore
import YongchainTestSupport
@testable import YongchainNode

extension FuzzHarness {
    /// Mutated requests through the whole request path of a running node in this process (parser → router →
    /// handlers), for every route, with and without valid authentication; and mutated gossip through
    /// `POST /v1/gossip`. docs/fuzzing.md says how to run longer, one family at a time, and replay a seed.
    @Suite(.serialized) struct RequestFuzzTests {
        /// Every route, its parameters and path components given edge values; authenticated routes mostly with a valid
        /// signature or session over the mutated request, so the handler behind authentication is reached.
        @Test func routes() throws {
            let run = FuzzRun("routes")
            guard run.enabled else { return }
            let seeds = RouteCatalog.selected(run.settings.routes)
            try #require(!seeds.isEmpty, "FUZZ_ROUTES matches no route")
            let f = try NodeFixture(name: "routes")
            let driver = RequestDriver(f, run)
            let bodies = bodies(f)
            run.run({ i, rng in
                let seed = rng.pick(seeds)
                var r = seed.make(context(f), &rng)
                if let callers = seed.callers {
                    switch rng.int(0...9) {
                    case 0...4: r.auth = .signed(caller: rng.pick(callers), timestamp: nil, nonce: RequestMutator.nonce(&rng))
                    case 5...7 where seed.sessions: r.auth = .session(caller: rng.pick(callers), seq: nil)
                    case 8: r.auth = .none
                    default: r.auth = .signed(caller: rng.int(0...FuzzWorld.callers.count - 1), timestamp: nil, nonce: RequestMutator.nonce(&rng))
                    }
                } else if rng.chance(0.1) {
                    r.auth = .signed(caller: rng.int(0...FuzzWorld.callers.count - 1), timestamp: nil, nonce: RequestMutator.nonce(&rng))
                }
                // One input in ten is the valid seed itself; the others get up to four structural mutations.
                if !rng.chance(0.1) { RequestMutator.mutate(&r, &rng, tip: f.height, steps: rng.int(1...4), bodies: bodies) }
                if rng.chance(0.1) { r.rawSteps = rng.int(1...4) }
                driver.execute(r, &rng, index: i)
            }, afterBatch: { Oracles.checkState(f, run, "the inputs up to #\(run.current)") })
            driver.drain()
            Oracles.checkState(f, run, "all inputs")
            FuzzRun.log("fuzz[routes] \(driver.skipped) waiting requests skipped (pool full)")
            run.recordIssues()
        }

        /// The authenticated routes, with edge values in the authentication headers: timestamps (each still signed
        /// as the node will read it), keys, nonces, signatures, session ids, sequence numbers and MACs.
        @Test func auth() throws {
            let run = FuzzRun("auth")
            guard run.enabled else { return }
            let seeds = RouteCatalog.selected(run.settings.routes, authenticatedOnly: true)
            try #require(!seeds.isEmpty, "FUZZ_ROUTES matches no authenticated route")
            let f = try NodeFixture(name: "auth")
            let driver = RequestDriver(f, run)
            run.run({ i, rng in
                let seed = rng.pick(seeds)
                var r = seed.make(context(f), &rng)
                let caller = rng.chance(0.8) ? rng.pick(seed.callers ?? [0]) : rng.int(0...FuzzWorld.callers.count - 1)
                r.auth = seed.sessions && rng.chance(0.35) ? .session(caller: min(caller, 3), seq: nil)
                    : .signed(caller: caller, timestamp: nil, nonce: RequestMutator.nonce(&rng))
                for _ in 0..<rng.int(1...3) { RequestMutator.mutateAuth(&r, &rng) }
                if rng.chance(0.3) { RequestMutator.mutate(&r, &rng, tip: f.height, steps: 1, bodies: []) }
                driver.execute(r, &rng, index: i)
            }, afterBatch: { Oracles.checkState(f, run, "the inputs up to #\(run.current)") })
            driver.drain()
            Oracles.checkState(f, run, "all inputs")
            run.recordIssues()
        }

        /// Unsigned and forged gossip envelopes: after each one the node must report no peer above its own height,
        /// and it must never say it is catching up.
        @Test func gossip() throws {
            let run = FuzzRun("gossip")
            guard run.enabled else { return }
            let f = try NodeFixture(name: "gossip")
            let driver = RequestDriver(f, run)
            let stored = (1...8).compactMap { h -> (block: Block, certificate: CommitCertificate)? in
                guard let b = try? f.node.store.block(at: UInt64(h)), let c = try? f.node.store.certificate(at: UInt64(h)) else { return nil }
                return (b, c)
            }
            var pool: [[UInt8]] = []
            run.run({ i, rng in
                let env = GossipSeeds.envelope(&rng, committed: f.height, stored: stored)
                var body = env.canonicalBytes
                if pool.count < 64 { pool.append(body) } else { pool[rng.int(0...63)] = body }
                if rng.chance(0.5) { body = ByteMutator.mutate(body, &rng, others: pool, maxSteps: 6) }
                var r = FuzzRequest(method: "POST", path: ["v1", "gossip"], query: [], headers: [("Content-Type", "application/octet-stream")], body: body)
                if rng.chance(0.05) { RequestMutator.mutate(&r, &rng, tip: f.height, steps: 1, bodies: []) }
                driver.execute(r, &rng, index: i)
                // /v1/peers after every envelope; /v1/status (catch-up) every 50, as the sync loop looks 4 times a second.
            Oracles.checkState(f, run, peersOnly: i % 50 != 49, "the envelopes up to #\(i), the last: sender=\(env.sender.debugDescription) senderHeight=\(env.senderHeight) chain=\(env.chainID.debugDescription) \(env.messages.count) messages, \(body.count) bytes")
            }, afterBatch: { Oracles.checkState(f, run, "the envelopes up to #\(run.current)") })
            driver.drain()
            // The catch-up loop looks at the peers about four times a second: give it time to act on the last input.
            Thread.sleep(forTimeInterval: 0.6)
            Oracles.checkState(f, run, "all envelopes")
            run.recordIssues()
        }

        func context(_ f: NodeFixture) -> RouteContext {
            RouteContext(tip: f.height, committedTxs: f.committedTxs, creditQueryID: f.creditQueryID)
        }

        /// Bodies of every route's seeds, to splice and swap between routes.
        func bodies(_ f: NodeFixture) -> [[UInt8]] {
            var rng = SplitMix64(seed: 1)
            return RouteCatalog.all.map { $0.make(context(f), &rng).body }.filter { !$0.isEmpty }
        }
    }
}
