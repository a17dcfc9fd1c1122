import Foundation
import Testing
import YongchainTestSupport

extension FuzzHarness {
    /// Mutated bytes into every decoder of untrusted input (DecoderTargets). Inputs that decode join that decoder's
    /// corpus, so later mutations start from values that get further than the seeds did.
    @Suite(.serialized) struct DecoderFuzzTests {
        @Test func decoders() {
            let run = FuzzRun("decoders", batch: 20_000)
            run.replaysFromStart = true
            guard run.enabled else { return }
            // The records the application reads back, as a node with real transactions committed them.
            let state = (try? NodeFixture(name: "decoders"))?.stateValues ?? []
            let targets = DecoderTargets.all(state: state)
            var corpus = targets.map(\.seeds)
            let everything = targets.flatMap(\.seeds)
            run.run { i, rng in
                let t = rng.int(0...targets.count - 1)
                let input: [UInt8]
                switch rng.int(0...9) {
                case 0: input = DecoderTargets.grammar(&rng)
                case 1: input = ByteMutator.mutate(rng.pick(corpus[t]), &rng, others: everything, maxSteps: 2)
                default: input = ByteMutator.mutate(rng.pick(corpus[t]), &rng, others: corpus[t], maxSteps: 8)
                }
                run.trace(i, "\(targets[t].name) \(input.count) bytes: \(Self.hex(input))")
                switch targets[t].decode(input) {
                case .refused: break
                case .decoded:
                    if corpus[t].count < 512 { corpus[t].append(input) } else { corpus[t][rng.int(0...511)] = input }
                case .failed(let why):
                    run.report("decoder", key: targets[t].name, why, input: "\(targets[t].name) \(input.count) bytes: \(Self.hex(input))")
                }
            }
            FuzzRun.log("fuzz[decoders] corpus sizes: " + zip(targets, corpus).map { "\($0.name)=\($1.count)" }.joined(separator: ", "))
            run.recordIssues()
        }

        static func hex(_ b: [UInt8]) -> String {
            let h = b.prefix(256).map { String(format: "%02x", $0) }.joined()
            return b.count > 256 ? h + "…" : h
        }
    }
}
