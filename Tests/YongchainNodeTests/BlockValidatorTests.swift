import Foundation
import Testing
import YongchainApplication
@testable import YongchainCore
@testable import YongchainCrypto
@testable import YongchainNode
@testable import YongchainStorage

@Suite struct BlockValidatorTests {
    let chain = "validator-test"
    let keys = (1...4).map { try! PrivateKey.fromSeed([UInt8](repeating: UInt8($0), count: 32)) }
    var set: ValidatorSet { ValidatorSet(keys.enumerated().map { Validator(name: "v\($0.offset)", publicKey: $0.element.publicKey, power: 1) }) }
    /// The executor whose `validate` is under test; its store is never read by `validate`.
    static let store = try! ChainStore(path: NSTemporaryDirectory() + "yongchain-validator-test-\(getpid()).sqlite")
    var validator: BlockExecutor {
        BlockExecutor(chain: Chain(id: chain, hashSuite: .sha256), application: LedgerApplication(), store: Self.store, signatures: nil)
    }
    var rules: ChainRules {
        var p = ConsensusParameters()
        p.maxBlockTransactions = 10
        return ChainRules(tip: 4, schedule: ValidatorSchedule(genesis: set), parameters: p)
    }

    let tip = ChainTip(height: 4, blockHash: HashSuite.sha256.digest([4]), stateRoot: HashSuite.sha256.digest([44]), time: 1000)

    func certificate(for hash: Hash, height: UInt64, signers: [Int]) -> CommitCertificate {
        CommitCertificate(height: height, round: 0, blockHash: hash, signatures: signers.map { i in
            let v = Vote(type: .precommit, height: height, round: 0, blockHash: hash, validator: i)
            return .init(validator: i, signature: keys[i].sign(v.signingBytes(chainID: chain)))
        })
    }

    func block(_ edit: (inout BlockHeader, inout [Transaction], inout CommitCertificate?) -> Void = { _, _, _ in }) -> Block {
        var txs = [Transaction.signed(type: "t", body: [1], nonce: 1, key: keys[0], chainID: chain)]
        var cert: CommitCertificate? = certificate(for: tip.blockHash, height: tip.height, signers: [0, 1, 2])
        var h = BlockHeader(chain: Chain(id: chain, hashSuite: .sha256), height: 5, time: 2000, previousBlockHash: tip.blockHash, lastCommitHash: .zero, txRoot: .zero,
                            resultsHash: .zero, stateRoot: .zero, validatorsHash: set.hash(.sha256), nextValidatorsHash: set.hash(.sha256),
                            proposer: keys[1].publicKey)
        edit(&h, &txs, &cert)
        if h.txRoot == .zero { h.txRoot = Block.txRoot(txs, chain: Chain(id: chain, hashSuite: .sha256)) }
        if h.lastCommitHash == .zero { h.lastCommitHash = Block.commitHash(cert, suite: .sha256) }
        return Block(header: h, transactions: txs, lastCommit: cert)
    }

    func check(_ b: Block, committed: Set<Hash> = [], rules: ChainRules? = nil) throws {
        try validator.validate(b, tip: tip, rules: rules ?? self.rules, isCommitted: { committed.contains($0) }, isVerified: { _ in false }, maxTime: 10_000)
    }

    /// A fifth validator joins by a change decided at `decidedAt`: which sets the block after the tip (height 5)
    /// must name, and which set must have certified the tip.
    @Test func aValidatorSetChangeIsFollowedHeightByHeight() throws {
        let fifth = try PrivateKey.fromSeed([UInt8](repeating: 5, count: 32))
        let bigger = ValidatorSet(set.validators + [Validator(name: "v4", publicKey: fifth.publicKey, power: 1)])
        func rules(decidedAt: UInt64) -> ChainRules {
            ChainRules(tip: 4, schedule: ValidatorSchedule(genesis: set).changed(to: bigger, decidedAt: decidedAt), parameters: self.rules.parameters)
        }
        // Decided in block 4: height 5 is still signed by the four, and names the five as the next set.
        try check(block { h, _, _ in h.nextValidatorsHash = bigger.hash(.sha256) }, rules: rules(decidedAt: 4))
        #expect(throws: BlockInvalid.self, "the next set must be named") { try check(block(), rules: rules(decidedAt: 4)) }
        // Decided in block 3: the five sign height 5 (and the next); the tip's certificate is still the four's.
        try check(block { h, _, _ in h.validatorsHash = bigger.hash(.sha256); h.nextValidatorsHash = bigger.hash(.sha256) }, rules: rules(decidedAt: 3))
        #expect(throws: BlockInvalid.self, "the old set no longer signs height 5") {
            try check(block { h, _, _ in h.nextValidatorsHash = bigger.hash(.sha256) }, rules: rules(decidedAt: 3))
        }
        // The joiner may propose once it signs, not before.
        #expect(throws: BlockInvalid.self, "not yet a validator") {
            try check(block { h, _, _ in h.nextValidatorsHash = bigger.hash(.sha256); h.proposer = fifth.publicKey }, rules: rules(decidedAt: 4))
        }
        // Rules read at another height than the tip say nothing about height 5.
        #expect(throws: BlockInvalid.self, "stale rules") {
            try check(block(), rules: ChainRules(tip: 3, schedule: ValidatorSchedule(genesis: set), parameters: self.rules.parameters))
        }
    }

    @Test func aGoodBlockPasses() throws { try check(block()) }

    @Test func everyKindOfBadBlockIsRefused() {
        let bad: [(String, Block)] = [
            ("chain id", block { h, _, _ in h.chainID = "other" }),
            ("height", block { h, _, _ in h.height = 6 }),
            ("previous hash", block { h, _, _ in h.previousBlockHash = .zero }),
            ("validator set", block { h, _, _ in h.validatorsHash = HashSuite.sha256.digest([9]) }),
            ("next validator set", block { h, _, _ in h.nextValidatorsHash = HashSuite.sha256.digest([9]) }),
            ("proposer", block { h, _, _ in h.proposer = try! PrivateKey.generate().publicKey }),
            ("time not after", block { h, _, _ in h.time = 1000 }),
            ("time in the future", block { h, _, _ in h.time = 20_000 }),
            ("tx root", block { h, _, _ in h.txRoot = HashSuite.sha256.digest([7]) }),
            ("last commit hash", block { h, _, _ in h.lastCommitHash = HashSuite.sha256.digest([7]) }),
            ("commit without quorum", block { _, _, c in c = certificate(for: tip.blockHash, height: 4, signers: [0, 1]) }),
            ("commit for another block", block { _, _, c in c = certificate(for: HashSuite.sha256.digest([5]), height: 4, signers: [0, 1, 2]) }),
            ("missing commit", block { _, _, c in c = nil }),
            ("bad tx signature", block { _, t, _ in t = [Transaction(type: "t", body: [2], signer: keys[0].publicKey, nonce: 1, signature: t[0].signature)] }),
            ("duplicate tx", block { _, t, _ in t = t + t }),
            ("too many txs", block { _, t, _ in t = (0..<11).map { Transaction.signed(type: "t", body: [UInt8($0)], nonce: 1, key: keys[0], chainID: chain) } }),
        ]
        for (what, b) in bad {
            #expect(throws: BlockInvalid.self, "\(what)") { try check(b) }
        }
        let good = block()
        #expect(throws: BlockInvalid.self, "already committed") {
            try check(good, committed: [good.transactions[0].hash(on: Chain(id: chain, hashSuite: .sha256))])
        }
    }
}

@Suite struct MempoolTests {
    @Test func boundsDeduplicationAndOrder() throws {
        var limits = MempoolLimits()
        limits.maxTransactions = 3
        limits.maxPerSigner = 3  // one signer here: the pool's own bound is what this test is about
        let pool = Mempool(limits: limits)
        let k = try PrivateKey.generate()
        let txs = (0..<4).map { Transaction.signed(type: "t", body: [UInt8($0)], nonce: 1, key: k, chainID: "c") }
        let hashes = txs.map { $0.hash(on: Chain(id: "c", hashSuite: .sha256)) }
        #expect(pool.add(txs[0], hash: hashes[0]) == .added)
        #expect(pool.add(txs[0], hash: hashes[0]) == .duplicate)
        #expect(pool.add(txs[1], hash: hashes[1]) == .added)
        #expect(pool.add(txs[2], hash: hashes[2]) == .added)
        #expect(pool.add(txs[3], hash: hashes[3]) == .full)
        #expect(pool.peek(max: 10).map(\.hash) == Array(hashes.prefix(3)))
        pool.remove([hashes[0]])
        #expect(pool.peek(max: 10).map(\.hash) == [hashes[1], hashes[2]])
        #expect(pool.add(txs[3], hash: hashes[3]) == .added)
        #expect(pool.count == 3)
    }

    /// One signing key holds at most `maxPerSigner` pending transactions, whatever room the pool has; another key's
    /// still enter, and a committed transaction gives its signer's place back.
    @Test func oneSignerHoldsAtMostItsShare() throws {
        var limits = MempoolLimits()
        #expect(limits.perSigner == 25_000, "by default half the pool: the others always find the other half")
        limits.maxTransactions = 5
        #expect(limits.perSigner == 2)
        limits.maxPerSigner = 2
        limits.maxTransactions = 50
        let pool = Mempool(limits: limits)
        let chain = Chain(id: "c", hashSuite: .sha256)
        let (flooder, other) = (try PrivateKey.generate(), try PrivateKey.generate())
        let floods = (0..<3).map { Transaction.signed(type: "t", body: [UInt8($0)], nonce: 1, key: flooder, chainID: "c") }
        let mine = (0..<2).map { Transaction.signed(type: "t", body: [UInt8($0)], nonce: 1, key: other, chainID: "c") }
        #expect(pool.add(floods[0], hash: floods[0].hash(on: chain)) == .added)
        #expect(pool.add(floods[1], hash: floods[1].hash(on: chain)) == .added)
        #expect(pool.add(floods[2], hash: floods[2].hash(on: chain)) == .signerFull)
        #expect(pool.add(floods[1], hash: floods[1].hash(on: chain)) == .duplicate, "a pending one is still found")
        #expect(pool.add(mine[0], hash: mine[0].hash(on: chain)) == .added)
        #expect(pool.add(mine[1], hash: mine[1].hash(on: chain)) == .added)
        #expect(pool.pending(signedBy: flooder.publicKey) == 2 && pool.pending(signedBy: other.publicKey) == 2)
        pool.remove([floods[0].hash(on: chain), floods[0].hash(on: chain)])
        #expect(pool.pending(signedBy: flooder.publicKey) == 1, "removed once, counted once")
        #expect(pool.add(floods[2], hash: floods[2].hash(on: chain)) == .added)
        pool.remove(floods.map { $0.hash(on: chain) } + mine.map { $0.hash(on: chain) })
        #expect(pool.count == 0 && pool.pending(signedBy: flooder.publicKey) == 0 && pool.countedBytes == 0)
    }

    /// The pool holds canonical bytes and hands back the transactions it was given; its byte bound counts each
    /// transaction's canonical size and the fixed overhead, and what leaves gives its bytes back.
    @Test func holdsCanonicalBytesAndCountsThem() throws {
        let k = try PrivateKey.generate()
        let chain = Chain(id: "c", hashSuite: .sha256)
        let txs = (0..<3).map { i in
            Transaction.signed(type: "mortgage.apply", body: Array(repeating: UInt8(i), count: 300 + i), nonce: UInt64(i), key: k, chainID: "c")
        }
        let hashes = txs.map { $0.hash(on: chain) }
        let sizes = txs.map { $0.canonicalBytes.count + Mempool.entryOverhead }
        #expect(txs.map(\.canonicalSize) == txs.map { $0.canonicalBytes.count })
        var limits = MempoolLimits()
        limits.maxBytes = sizes[0] + sizes[1] + sizes[2] - 1
        let pool = Mempool(limits: limits)
        #expect(pool.add(txs[0], hash: hashes[0]) == .added)
        #expect(pool.add(txs[1], hash: hashes[1]) == .added)
        #expect(pool.countedBytes == sizes[0] + sizes[1])
        #expect(pool.add(txs[2], hash: hashes[2]) == .full, "one byte short")
        #expect(pool.peek(max: 10).map(\.tx) == [txs[0], txs[1]])
        #expect(pool.peek(max: 10, maxBytes: txs[0].canonicalBytes.count).map(\.tx) == [txs[0]])
        pool.remove([hashes[0]])
        #expect(pool.countedBytes == sizes[1])
        #expect(pool.add(txs[2], hash: hashes[2]) == .added)
        #expect(pool.peek(max: 10).map(\.tx) == [txs[1], txs[2]])
    }
}
