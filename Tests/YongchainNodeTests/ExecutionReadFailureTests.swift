import Foundation
import Testing
import YongchainApplication
import YongchainCore
@testable import YongchainNode
@testable import YongchainStorage

/// A read that fails answers "absent" and is recorded (`StateReader.checkReads`); a handler may take that absence for
/// damage (a lien missing below its unit's count, exposure totals too small for a repayment). The executor checks the
/// reads before it believes a STORAGE_CORRUPT, so a busy or moved snapshot is reported as what it is, a storage
/// failure to retry, and never halts the node for good.
@Suite(.serialized) struct ExecutionReadFailureTests {
    /// The committed state, except that every read of a key under `failing` fails when `fails` (it answers nil and
    /// records STORAGE_FAILED) or finds nothing there when not (a key truly absent: damage).
    final class FailingReader: StateReader {
        let base: StateReader
        let failing: [UInt8]
        let fails: Bool
        private(set) var failure: StorageError?
        init(_ base: StateReader, failing: String, fails: Bool) {
            self.base = base
            self.failing = Array(failing.utf8)
            self.fails = fails
        }
        func get(_ key: [UInt8]) -> [UInt8]? {
            guard key.starts(with: failing) else { return base.get(key) }
            if fails, failure == nil { failure = StorageError(code: "STORAGE_FAILED", message: "database is locked (test)") }
            return nil
        }
        func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
            base.scan(prefix: prefix, after: after, limit: limit).filter { !$0.key.starts(with: failing) }
        }
        func checkReads() throws {
            try base.checkReads()
            if let failure { throw failure }
        }
    }

    /// The error executing one block of `tx` on VectorChain's tip throws, reading through `FailingReader`; nil when
    /// it executed (every result is then OK).
    static func executing(_ tx: Transaction, on chain: VectorChain, failing prefix: String, fails: Bool?) throws -> StorageError? {
        let store = chain.node.store, tip = store.tip
        let header = BlockHeader(chain: VectorChain.chain, height: tip.height + 1, time: tip.time + 1000, previousBlockHash: tip.blockHash,
                                 lastCommitHash: .zero, txRoot: Block.txRoot([tx], chain: VectorChain.chain), resultsHash: .zero,
                                 stateRoot: tip.stateRoot, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: VectorChain.registry.publicKey)
        let block = Block(header: header, transactions: [tx], lastCommit: nil)
        do {
            let execution = try store.committedSnapshot { v, tree in
                let state: StateReader = fails.map { FailingReader(v, failing: prefix, fails: $0) } ?? v
                return try chain.node.executor.execute(block, on: state, tree: tree, tip: tip)
            }
            #expect(execution.results.allSatisfy { $0.result.isOK }, "\(execution.results.map { "\($0.result.code) \($0.result.message)" })")
            return nil
        } catch let e as StorageError {
            return e
        }
    }

    /// Site 1, a transaction's result: a repayment whose exposure totals read as absent (zero) cannot fit them.
    @Test func aRepaymentOverAFailedReadOfItsExposureThrowsTheReadFailureNotStorageCorrupt() throws {
        let chain = try VectorChain()
        let repay = RepayFinancing(financingId: chain.financingID, amount: VectorChain.money(10_000, "USD"))
            .transaction(key: VectorChain.bankA, nonce: 9_001, chainID: VectorChain.chainID)
        let exposure = "credit-exposure/"
        #expect(try Self.executing(repay, on: chain, failing: exposure, fails: nil) == nil, "the repayment fits")
        #expect(try Self.executing(repay, on: chain, failing: exposure, fails: false)?.code == "STORAGE_CORRUPT", "totals truly absent are damage")
        let e = try Self.executing(repay, on: chain, failing: exposure, fails: true)
        #expect(e?.code == "STORAGE_FAILED" && e?.message.contains("database is locked") == true, "\(String(describing: e))")
    }

    /// Site 2, the parties: a release's parties are the unit's lien holders, and its lien reads as absent below the
    /// unit's lien count.
    @Test func aReleaseOverAFailedReadOfItsLienThrowsTheReadFailureNotStorageCorrupt() throws {
        let chain = try VectorChain()
        let release = ReleaseProperty(unitNumber: try UnitNumber(VectorChain.unit), courtOrder: "(2021)苏05执9号")
            .transaction(key: VectorChain.registry, nonce: 9_002, chainID: VectorChain.chainID)
        let lien = "lien/\(VectorChain.unit)/"
        #expect(try Self.executing(release, on: chain, failing: lien, fails: nil) == nil, "the release executes")
        #expect(try Self.executing(release, on: chain, failing: lien, fails: false)?.code == "STORAGE_CORRUPT", "a lien truly missing is damage")
        let e = try Self.executing(release, on: chain, failing: lien, fails: true)
        #expect(e?.code == "STORAGE_FAILED" && e?.message.contains("database is locked") == true, "\(String(describing: e))")
    }
}
