import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// A chain with the grey-list's cast: the supervisor (role supervisor, authority greylist, the only validator),
/// a trade registry, two banks, and a second supervisor without the authority. Driven one block per call the way
/// the node drives the application (execute, keep or discard, record parties, commit). `init(on:)` admits the
/// first VRF key (RFC 9381's Example 10 key, a test key and nobody's) through governance, as a live chain must.
final class GreylistFixture {
    static let chainID = "greylist-test"
    static let genesisTime: Int64 = 1_600_000_000_000
    static let chain = Chain(id: chainID, hashSuite: .sha256)
    static let day: Int64 = 86_400_000

    let app = LedgerApplication()
    let state = TradeMemoryState()
    let supervisor = GreylistFixture.key(1)
    let registry = GreylistFixture.key(2)
    let bankA = GreylistFixture.key(3)
    let bankB = GreylistFixture.key(4)
    let creditPlatform = GreylistFixture.key(5)
    let vrf1 = try! VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)
    let vrf2 = try! VRFPrivateKey.fromRaw(Hex.decode("2ca1411a41b17b24cc8c3b089cfd033f1920202a6c0de8abb97df1498d50d2c8")!)
    private(set) var height: UInt64 = 0
    private(set) var time: Int64 = GreylistFixture.genesisTime
    private var nonce: UInt64 = 0
    /// The parties of the last transaction `submit` ran.
    private(set) var lastParties: [String] = []

    /// `greylist.addVrfKey` of `key` with its proof of possession on this chain.
    static func addKey(_ key: VRFPrivateKey, chainID: String = GreylistFixture.chainID) -> GovernanceAction {
        try! GreylistKeyPossession.action(key, chainID: chainID)
    }

    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }
    static func digest(_ s: String) -> Hash { HashSuite.sha256.digest(Array(s.utf8)) }

    init(on: Bool = true) {
        let orgs = [
            Organization(name: "Central Bank", role: .supervisor, authorities: [.greylist], publicKey: supervisor.publicKey, address: "http://127.0.0.1:1", power: 1),
            Organization(name: "Trade Authority", role: .registry, authorities: [.trade], publicKey: registry.publicKey, address: "http://127.0.0.1:2", power: 0),
            Organization(name: "Bank A", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:3", power: 0),
            Organization(name: "Bank B", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:4", power: 0),
            Organization(name: "Credit Platform", role: .supervisor, publicKey: creditPlatform.publicKey, address: "http://127.0.0.1:5", power: 0),
        ]
        let genesis = Genesis(chainID: GreylistFixture.chainID, genesisTime: GreylistFixture.genesisTime, organizations: orgs)
        try! genesis.validate()
        let overlay = StateOverlay(base: state)
        try! app.initialize(genesis: genesis, state: overlay)
        state.apply(overlay.blockWrites)
        if on { expectOK(govern(GreylistFixture.addKey(vrf1))) }
    }

    func transaction<P: Payload>(_ p: P, by key: PrivateKey) -> Transaction {
        nonce += 1
        return p.transaction(key: key, nonce: nonce, chainID: GreylistFixture.chainID)
    }

    /// Executes `tx` alone in a new block (one second after the last, unless `time` says otherwise).
    @discardableResult
    func submit(_ tx: Transaction, time: Int64? = nil) -> (result: TxResult, hash: Hash) {
        height += 1
        self.time = time ?? self.time + 1000
        let hash = tx.hash(on: GreylistFixture.chain)
        let ctx = BlockContext(chain: GreylistFixture.chain, height: height, time: self.time, txHash: hash, txIndex: 0)
        let overlay = StateOverlay(base: state)
        let r = app.execute(tx, context: ctx, state: overlay)
        if r.isOK { overlay.commitTransaction() } else { overlay.discardTransaction() }
        lastParties = try! app.recordParties([ExecutedTransaction(transaction: tx, hash: hash, result: r)], chain: ctx.chain, height: height, state: overlay)[0]
        state.apply(overlay.blockWrites)
        return (r, hash)
    }

    @discardableResult
    func submit<P: Payload>(_ p: P, by key: PrivateKey, time: Int64? = nil) -> (result: TxResult, hash: Hash) {
        submit(transaction(p, by: key), time: time)
    }

    /// The admission check alone (what `POST /v1/txs` runs before the mempool).
    func admit<P: Payload>(_ p: P, by key: PrivateKey) -> TxResult? { app.check(transaction(p, by: key), state: state) }

    /// Proposes `action` as the supervisor and votes it through (the supervisor is the only validator); returns
    /// the vote's result and the proposal's outcome code.
    @discardableResult
    func govern(_ action: GovernanceAction) -> (result: TxResult, hash: Hash) {
        let id = try! Governance.nextID(state)
        let proposed = submit(ProposeGovernance(action: action, description: "grey-list"), by: supervisor)
        guard proposed.result.isOK else { return proposed }
        let voted = submit(VoteGovernance(proposal: id, approve: true), by: supervisor)
        guard voted.result.isOK, let p = try! GovernanceProposal.load(id, state), p.status != .open else { return voted }
        return (TxResult(code: p.outcomeCode, message: p.outcomeMessage), voted.hash)
    }

    /// Empty blocks: `n` of them, `step` ms apart.
    func advance(blocks n: Int = 1, step: Int64 = 1000) {
        for _ in 0..<n {
            height += 1
            time += step
        }
    }

    /// The pseudonym of `identity` under VRF key version `version` (1: `vrf1`, 2: `vrf2`).
    func subject(_ identity: GreylistIdentity, version: UInt32 = 1) -> GreylistSubject {
        let key = version == 1 ? vrf1 : vrf2
        return GreylistSubject(keyVersion: version, pseudonym: try! key.prove(identity.alpha(chainID: GreylistFixture.chainID)).output)
    }

    /// A subject that stands for nobody in particular: `n`'s digest as the pseudonym.
    static func subject(_ n: Int, version: UInt32 = 1) -> GreylistSubject { GreylistSubject(keyVersion: version, pseudonym: digest("subject \(n)")) }

    /// Bank A reports `s` and the supervisor publishes it; returns the report id.
    @discardableResult
    func list(_ s: GreylistSubject, _ category: GreylistCategory = .fraudAccountOpening, by bank: PrivateKey? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) -> Hash {
        let r = submit(ReportSubject(subject: s, category: category, evidenceHash: GreylistFixture.digest("evidence \(s)")), by: bank ?? bankA)
        expectOK(r, sourceLocation: sourceLocation)
        expectOK(submit(ReviewReport(report: r.hash, decision: .publish(category), decisionHash: GreylistFixture.digest("decision")), by: supervisor),
                 sourceLocation: sourceLocation)
        return r.hash
    }

    func check(_ subjects: [GreylistSubject], by bank: PrivateKey? = nil, time: Int64? = nil) -> (result: TxResult, hash: Hash) {
        submit(CheckApplicant(subjects: subjects, purpose: .accountOpening), by: bank ?? bankA, time: time)
    }

    // A record the fixture wrote that does not decode is a bug in the application: trap, failing the test.
    func entry(_ s: GreylistSubject) -> GreylistEntry? { try! GreylistEntry.load(s, state) }
    var ring: GreylistKeyRing? { try! GreylistKeyRing.load(state) }
    var stats: GreylistStats { try! GreylistStats.load(state) }

    func expectOK(_ r: (result: TxResult, hash: Hash), sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.result.code == TxResult.okCode, "\(r.result.code): \(r.result.message)", sourceLocation: sourceLocation)
    }

    func expect(_ r: (result: TxResult, hash: Hash), _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.result.code == code, "\(r.result.code): \(r.result.message)", sourceLocation: sourceLocation)
    }
}
