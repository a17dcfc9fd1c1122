import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainNode
import YongchainStorage

/// `yongchain bench --greylist-store`: whether a grey-list check costs the same as the list grows. No cluster:
/// a store in a temporary directory, and the application's own handlers executing real transactions in blocks
/// (signatures are the node's business, not the application's, so they are left unsigned). First the VRF key
/// and parameters pass governance; then a proven check is measured against the empty list; then `entries`
/// subjects are reported and published and `checks` checks recorded (one in ten a hit); then the same check is
/// measured again. Printed for both: executing one `greylist.check` (in a block of its own, the block's tree update
/// and commit included), and answering it with proofs as route 3 does (the question run over committed state, and a
/// state proof of every key it read); then the state the grey-list holds (keys and values) and the database's size.
public enum GreylistStoreBench {
    public static func run(entries: Int, checks: Int, samples: Int = 200, say: (String) -> Void = { print($0) }) throws {
        say("grey-list store bench: \(entries) entries, \(checks) check records; \(samples) measured checks at each size, release build expected")
        let dir = NSTemporaryDirectory() + "yongchain-greylist-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chain = try BenchChain(dir: dir)
        try chain.setUp()
        let empty = try chain.measure(samples: samples)
        say(empty.line("empty list"))
        let t0 = Date()
        try chain.fill(entries: entries, checks: checks, say: say)
        say(String(format: "filled in %.0f s", Date().timeIntervalSince(t0)))
        let full = try chain.measure(samples: samples)
        say(full.line("\(entries) entries"))
        let (keys, bytes) = try chain.greylistState()
        say(String(format: "state: %d grey-list keys, %.1f MiB of keys and values (%.0f bytes each); database %.0f MiB",
                   keys, Double(bytes) / 1_048_576, Double(bytes) / Double(max(keys, 1)), ProcessSampler.databaseMiB(dir)))
    }

    /// What one measured check cost, medians and 99th percentiles over the samples.
    struct Figures {
        var executeMs: [Double] = [], answerMs: [Double] = [], proofBytes = 0

        func line(_ what: String) -> String {
            func pct(_ a: [Double], _ p: Double) -> Double { let s = a.sorted(); return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))] }
            return String(format: "%@: greylist.check in a block of its own ms p50 %.2f p99 %.2f; proven answer ms p50 %.3f p99 %.3f (%d proof bytes)",
                          what, pct(executeMs, 0.5), pct(executeMs, 0.99), pct(answerMs, 0.5), pct(answerMs, 0.99), proofBytes)
        }
    }
}

/// A one-validator chain in a store, driven block by block through `LedgerApplication` (what the node's block
/// executor does, without consensus): the supervisor (the validator) and one bank on a member node.
private final class BenchChain {
    static let chainID = "greylist-bench"
    let app = LedgerApplication()
    let store: ChainStore
    let genesis: Genesis
    let supervisor = try! PrivateKey.fromSeed([UInt8](repeating: 1, count: 32))
    let bank = try! PrivateKey.fromSeed([UInt8](repeating: 2, count: 32))
    let vrf = try! VRFPrivateKey.generate()
    private var nonce: UInt64 = 0
    private var time: Int64 = 1_700_000_000_000
    private var proposals: UInt64 = 0

    init(dir: String) throws {
        genesis = Genesis(chainID: Self.chainID, genesisTime: time, organizations: [
            Organization(name: "central-bank", role: .supervisor, authorities: [.greylist], publicKey: supervisor.publicKey, address: "http://127.0.0.1:1", power: 1),
            Organization(name: "bank-a", role: .bank, publicKey: bank.publicKey, address: "http://127.0.0.1:2", power: 0, node: .member),
        ])
        store = try ChainStore(path: dir + "/chain.sqlite")
        let overlay = StateOverlay(base: EmptyState())
        try app.initialize(genesis: genesis, state: overlay)
        let writes = overlay.blockWrites
        let tree = try StateTree.update(root: nil, version: 0, writes: writes, reader: MemoryTreeStore(), suite: genesis.chain.hashSuite)
        try store.open(genesis: genesis, initialWrites: writes, initialTree: tree)
    }

    func tx<P: Payload>(_ p: P, by key: PrivateKey) -> Transaction {
        nonce += 1
        return Transaction(type: P.type, body: p.canonicalBytes, signer: key.publicKey, nonce: nonce, signature: [UInt8](repeating: 0, count: 64))
    }

    /// Executes and commits `txs` as the next block; throws unless every one is accepted.
    @discardableResult
    func block(_ txs: [Transaction]) throws -> [Hash] {
        let chain = genesis.chain
        let tip = store.tip
        let height = tip.height + 1
        time += 1000
        let hashes = txs.map { $0.hash(on: chain) }
        let (writes, update, results) = try store.committedSnapshot { state, tree in
            let overlay = StateOverlay(base: state)
            var results: [(Hash, TxResult)] = []
            var executed: [ExecutedTransaction] = []
            for (i, t) in txs.enumerated() {
                let r = app.execute(t, context: BlockContext(chain: chain, height: height, time: time, txHash: hashes[i], txIndex: i), state: overlay)
                guard r.isOK else { throw BenchError("block \(height): \(t.type) \(r.code) \(r.message)") }
                overlay.commitTransaction()
                results.append((hashes[i], r))
                executed.append(ExecutedTransaction(transaction: t, hash: hashes[i], result: r))
            }
            let parties = try app.recordParties(executed, chain: chain, height: height, state: overlay)
            try state.checkReads()
            let writes = overlay.blockWrites
            _ = parties
            return (writes, try StateTree.update(root: tip.stateTree, version: height, writes: writes, reader: tree, suite: chain.hashSuite), results)
        }
        let header = BlockHeader(chain: chain, height: height, time: time, previousBlockHash: tip.blockHash,
                                 lastCommitHash: Block.commitHash(nil, suite: chain.hashSuite), txRoot: Block.txRoot(txs, chain: chain),
                                 resultsHash: .zero, stateRoot: update.rootHash, validatorsHash: .zero, nextValidatorsHash: .zero,
                                 proposer: supervisor.publicKey)
        let b = Block(header: header, transactions: txs, lastCommit: nil)
        try store.commit(block: b, certificate: CommitCertificate(height: height, round: 0, blockHash: b.hash, signatures: []),
                         writes: writes, results: results, tree: update)
        return hashes
    }

    func decide(_ action: GovernanceAction) throws {
        proposals += 1
        try block([tx(ProposeGovernance(action: action, description: "bench"), by: supervisor)])
        try block([tx(VoteGovernance(proposal: proposals, approve: true), by: supervisor)])
    }

    /// The VRF key in force, and room for a million checks a day.
    func setUp() throws {
        try decide(try GreylistKeyPossession.action(vrf, chainID: Self.chainID))
        var p = GreylistParameters()
        p.maxChecksPerBankPerDay = 10_000_000
        try decide(.setGreylistParameters(p))
        try block([])
    }

    static func subject(_ n: Int) -> GreylistSubject {
        GreylistSubject(keyVersion: 1, pseudonym: HashSuite.sha256.digest(Array("bench subject \(n)".utf8)))
    }

    /// `entries` subjects reported and published (a report and its review per subject, 1,000 of each a block), then
    /// `checks` checks, 5,000 a block, one in ten of a listed subject.
    func fill(entries: Int, checks: Int, say: (String) -> Void) throws {
        var n = 0
        while n < entries {
            let batch = (n..<min(n + 1_000, entries)).map { i in
                tx(ReportSubject(subject: Self.subject(i), category: .fraudAccountOpening, evidenceHash: .zero), by: bank)
            }
            let reports = try block(batch)
            try block(reports.map { tx(ReviewReport(report: $0, decision: .publish(.fraudAccountOpening), decisionHash: .zero), by: supervisor) })
            n += batch.count
        }
        var c = 0
        while c < checks {
            let batch = (c..<min(c + 5_000, checks)).map { i in
                tx(CheckApplicant(subjects: [Self.subject(i % 10 == 0 ? i % max(entries, 1) : entries + i)], purpose: .accountOpening), by: bank)
            }
            try block(batch)
            c += batch.count
            if c % 200_000 == 0 { say("  \(c) checks recorded") }
        }
    }

    /// `samples` checks, each in a block of its own (half of them hits when the list has entries), each answered
    /// with proofs as route 3 does.
    func measure(samples: Int) throws -> GreylistStoreBench.Figures {
        var f = GreylistStoreBench.Figures()
        for i in 0..<samples {
            let t0 = Date()
            let id = try block([tx(CheckApplicant(subjects: [Self.subject(i % 2 == 0 ? i : 10_000_000 + i)], purpose: .accountOpening), by: bank)])[0]
            f.executeMs.append(Date().timeIntervalSince(t0) * 1000)
            let t1 = Date()
            let bytes = try store.read { v -> Int in
                let tip = try v.tip()
                let recorder = RecordingReader(base: v)
                guard case .result = ProvableQuery.greylistCheck(check: id, bank: bank.publicKey).answer(recorder, time: tip.time, suite: genesis.chain.hashSuite) else {
                    throw BenchError("check \(id.hex) was not answered")
                }
                try recorder.checkReads()
                return try recorder.keys.reduce(0) { $0 + (try v.stateProof(key: $1, tip: tip)).proof.canonicalBytes.count }
            }
            f.answerMs.append(Date().timeIntervalSince(t1) * 1000)
            f.proofBytes = bytes
        }
        return f
    }

    /// The grey-list's keys in state, and their keys' and values' bytes.
    func greylistState() throws -> (keys: Int, bytes: Int) {
        try store.read { v in
            var keys = 0, bytes = 0
            var after: [UInt8]?
            while true {
                let page = v.scan(prefix: Array("greylist/".utf8), after: after, limit: 10_000)
                for (k, value) in page { keys += 1; bytes += k.count + value.count }
                guard page.count == 10_000, let last = page.last else { break }
                after = last.key
            }
            try v.checkReads()
            return (keys, bytes)
        }
    }
}
