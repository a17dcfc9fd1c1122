import Foundation
import Synchronization
import YongchainCrypto

/// The machine's own limit, measured in the same run: every node verifies every transaction's signature, so
/// verifications per second of the cluster's signature algorithm (Ed25519, or SM2 on the national suite) on all
/// cores, divided by the validators, bounds throughput.
enum SignatureBound {
    /// `suite` verifications per second on all cores: the best of three 1-second rounds, since other work on the
    /// machine can only lower a round (a lower bound would flatter the share of it a run reaches).
    static func measure(_ suite: SignatureSuite) throws -> Double {
        let key = try BenchError.context("making a key to time \(suite) verification") { try PrivateKey.generate(suite: suite) }
        let msg = [UInt8](repeating: 7, count: 300)
        let sig = key.sign(msg)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var best = 0.0
        for _ in 0..<3 {
            let total = Atomic<Int>(0)
            let start = Date()
            onThreads(cores) { _ in
                var n = 0
                while Date().timeIntervalSince(start) < 1 {
                    for _ in 0..<100 { _ = key.publicKey.verify(signature: sig, message: msg) }
                    n += 100
                }
                total.add(n, ordering: .relaxed)
            }
            best = max(best, Double(total.load(ordering: .relaxed)) / Date().timeIntervalSince(start))
        }
        return best
    }
}
