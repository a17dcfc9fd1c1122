import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// Offline audit of a node's whole chain: every block's links, transaction root and previous-block certificate,
/// its own commit certificate, and re-execution from genesis reproducing every recorded state root. It reads a
/// consistent copy (SQLite's backup API), so the node's data is never touched, even while the node runs.
public enum ChainAudit {
    public struct Failure: Error, CustomStringConvertible {
        public let height: UInt64
        public let reason: String
        public var description: String { "CHAIN_INVALID at height \(height): \(reason)" }
    }

    /// Verifies the chain in `home`; returns the verified height. `progress` is called every 1,000 blocks.
    public static func verify(home: NodeHome, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws -> UInt64 {
        let genesis = try GenesisFile.load(path: home.genesisPath)
        let work = NSTemporaryDirectory() + "yongchain-audit-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        guard FileManager.default.fileExists(atPath: home.databasePath) else {
            throw NodeError(code: NodeCode.noDatabase, message: "no database at \(home.databasePath)")
        }
        try ChainStore(path: home.databasePath).backup(to: work + "/copy.sqlite")
        let source = try ChainStore(path: work + "/copy.sqlite")
        guard try source.genesisHash() == genesis.hash else {
            throw Failure(height: 0, reason: "the database belongs to another genesis")
        }
        let tip = try source.read { try $0.tip() }

        let application = LedgerApplication()
        let replay = try ChainStore(path: work + "/replay.sqlite")
        // The node's own executor, every signature verified anew (no cache): the audit checks what the node did by
        // doing it again the same way.
        let executor = BlockExecutor(chain: genesis.chain, application: application, store: replay, signatures: nil)
        let g = try executor.genesisState(genesis)
        try replay.open(genesis: genesis, initialWrites: g.writes, initialTree: g.tree)
        guard try source.read({ try $0.stateRoot(at: 0) }) == g.tree.rootHash else {
            throw Failure(height: 0, reason: "the recorded genesis state differs from the state genesis.json implies")
        }

        var h: UInt64 = 1
        while h <= tip.height {
            let (block, certificate, recorded): (Block?, CommitCertificate?, Hash?)
            do {
                (block, certificate, recorded) = try source.read { v in (try v.block(at: h), try v.certificate(at: h), try v.stateRoot(at: h)) }
            } catch let e as StoredBlockCorrupt {
                throw Failure(height: e.height, reason: e.reason)
            }
            guard let block, let certificate, let recorded else { throw Failure(height: h, reason: "block, certificate or state root missing") }
            let exec: BlockExecution
            do {
                exec = try executor.apply(block, certificate: certificate, checks: .full)
            } catch let e as BlockInvalid {
                throw Failure(height: h, reason: "\(e)")
            } catch let e as StateDiverged {
                throw Failure(height: h, reason: "\(e)")
            } catch let e as CommitError {
                throw Failure(height: h, reason: "\(e)")
            }
            guard exec.stateRoot == recorded else {
                throw Failure(height: h, reason: "re-execution gives state root \(exec.stateRoot.short), the node recorded \(recorded.short)")
            }
            if h % 1000 == 0 { progress(h, tip.height) }
            h += 1
        }
        let last = tip.height == 0 ? nil : try source.read { try $0.block(at: tip.height) }
        guard tip.height == 0 || last?.hash == tip.blockHash else {
            throw Failure(height: tip.height, reason: "the recorded tip does not match the last block")
        }
        return tip.height
    }
}
