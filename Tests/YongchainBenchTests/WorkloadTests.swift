import Foundation
import Testing
@testable import YongchainBench
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainNode

@Suite struct WorkloadTests {
    let chain = "bench-test"
    let registry = try! PrivateKey.fromSeed([UInt8](repeating: 1, count: 32))
    let banks = [try! PrivateKey.fromSeed([UInt8](repeating: 2, count: 32)), try! PrivateKey.fromSeed([UInt8](repeating: 3, count: 32))]

    @Test func mortgageYearIsRegisterThenApplyThenApprovePerUnit() throws {
        let phases = try Workload.presign(.mortgageYear, units: 5, chain: Chain(id: chain, hashSuite: .sha256), registry: registry, banks: banks)
        #expect(phases.map { $0.map(\.tx.type) } == [RegisterProperty.type, MortgageApplication.type, ApproveMortgage.type].map { Array(repeating: $0, count: 5) })
        for phase in phases {
            for p in phase {
                #expect(p.tx.verifySignature(chainID: chain))
                #expect(p.hash == p.tx.hash(on: Chain(id: chain, hashSuite: .sha256)))
                #expect(LedgerApplication.jsonBody(type: p.tx.type, body: p.tx.body) != nil)
                let json = try JSONSerialization.jsonObject(with: Data(p.json)) as? [String: Any]
                #expect(json?["type"] as? String == p.tx.type)
            }
        }
        // Each approval names its unit's application; applications alternate between the banks.
        for i in 0..<5 {
            let approve = try ApproveMortgage(canonical: phases[2][i].tx.body)
            #expect(approve.applicationId == phases[1][i].hash)
            #expect(phases[1][i].tx.signer == banks[i % 2].publicKey)
        }
    }

    /// On the national suite every signature of the load is SM2 (the owners' consents too) and every hash SM3.
    @Test func theNationalSuiteWorkloadSignsWithSM2AndHashesWithSM3() throws {
        let sm = Chain(id: chain, hashSuite: .sm3)
        let registry = try PrivateKey.generate(suite: .sm2), banks = [try PrivateKey.generate(suite: .sm2)]
        let phases = try Workload.presign(.mortgageYear, units: 2, chain: sm, registry: registry, banks: banks)
        for p in phases.joined() {
            #expect(p.tx.signer.suite == .sm2 && p.tx.verifySignature(chainID: chain))
            #expect(p.hash == p.tx.hash(on: sm) && p.hash != p.tx.hash(on: Chain(id: chain, hashSuite: .sha256)))
        }
        for p in phases[1] {
            let app = try MortgageApplication(canonical: p.tx.body)
            #expect(app.mortgagors.allSatisfy { $0.signature.count == 64 })
            let owner = try RegisterProperty(canonical: phases[0][phases[1].firstIndex { $0.hash == p.hash }!].tx.body).owners[0]
            #expect(owner.publicKey.suite == .sm2)
            #expect(owner.publicKey.verify(signature: app.mortgagors[0].signature, message: app.consentBytes(chainID: chain)))
        }
    }

    @Test func registerWorkloadIsOnePhase() throws {
        let phases = try Workload.presign(.register, units: 3, chain: Chain(id: chain, hashSuite: .sha256), registry: registry, banks: banks)
        #expect(phases.count == 1 && phases[0].count == 3)
        #expect(Set(phases[0].map(\.hash)).count == 3)
    }

    @Test func parallelMapKeepsOrderAndReportsTheFirstFailure() throws {
        #expect(try parallelMap(0..<100) { $0 * 2 } == (0..<100).map { $0 * 2 })
        #expect(throws: BenchError("item 7 failed")) {
            _ = try parallelMap(0..<100) { i -> Int in
                if i == 7 || i == 60 { throw BenchError("item \(i) failed") }
                return i
            }
        }
    }

    @Test func processSamplerReadsThisProcess() throws {
        let s = try #require(ProcessSampler.sample(getpid()))
        #expect(s.cpu >= 0 && s.peakMiB > 0)
        #expect(ProcessSampler.residentMiB(getpid()) > 0)
        #expect(ProcessSampler.statusKiB("Name:\tx\nVmRSS:\t  35840 kB\n", "VmRSS:") == 35840)
        #expect(ProcessSampler.statusKiB("Name:\tx\n", "VmRSS:") == nil)
    }
}

extension BenchError: Equatable {
    public static func == (a: BenchError, b: BenchError) -> Bool { a.message == b.message }
}
