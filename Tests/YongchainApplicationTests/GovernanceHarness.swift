import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// A consortium of four validators of power 1 (two registries, two banks), driven block by block the way the node
/// drives the application: execute each transaction, keep or discard its writes, commit the block.
final class GovernanceFixture {
    static let chainID = "governance-test"
    static let genesisTime: Int64 = 1_600_000_000_000

    let app = LedgerApplication()
    let state = TradeMemoryState()
    let trade = GovernanceFixture.key(1)
    let realEstate = GovernanceFixture.key(2)
    let bankA = GovernanceFixture.key(3)
    let bankB = GovernanceFixture.key(4)
    /// Keys nobody holds yet: a joining bank's, and fresh keys for rotations.
    let bankE = GovernanceFixture.key(5)
    let spare1 = GovernanceFixture.key(6)
    let spare2 = GovernanceFixture.key(7)
    private(set) var height: UInt64 = 0
    /// Block time of the last block.
    private(set) var time: Int64 = GovernanceFixture.genesisTime
    private var nonce: UInt64 = 0

    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }

    init(powers: [UInt64] = [1, 1, 1, 1], governance: GovernanceRules? = nil) {
        let orgs = [
            Organization(name: "Trade Authority", role: .registry, authorities: [.trade], publicKey: trade.publicKey, address: "http://127.0.0.1:1", power: powers[0]),
            Organization(name: "Real Estate Centre", role: .registry, authorities: [.realEstate], publicKey: realEstate.publicKey, address: "http://127.0.0.1:2", power: powers[1]),
            Organization(name: "Bank A", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:3", power: powers[2]),
            Organization(name: "Bank B", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:4", power: powers[3]),
        ]
        let genesis = Genesis(chainID: GovernanceFixture.chainID, genesisTime: GovernanceFixture.genesisTime, organizations: orgs, governance: governance)
        let overlay = StateOverlay(base: state)
        try! app.initialize(genesis: genesis, state: overlay)
        state.apply(overlay.blockWrites)
    }

    func transaction<P: Payload>(_ p: P, by key: PrivateKey) -> Transaction {
        nonce += 1
        return p.transaction(key: key, nonce: nonce, chainID: GovernanceFixture.chainID)
    }

    /// Executes `txs` in one new block (one second after the last, unless `time` says otherwise) and commits.
    @discardableResult
    func block(_ txs: [Transaction], time: Int64? = nil) -> [TxResult] {
        height += 1
        self.time = time ?? self.time + 1000
        let overlay = StateOverlay(base: state)
        var results: [TxResult] = []
        for (i, tx) in txs.enumerated() {
            let ctx = BlockContext(chain: Chain(id: GovernanceFixture.chainID, hashSuite: .sha256), height: height, time: self.time, txHash: tx.hash(on: Chain(id: GovernanceFixture.chainID, hashSuite: .sha256)), txIndex: i)
            let r = app.execute(tx, context: ctx, state: overlay)
            if r.isOK { overlay.commitTransaction() } else { overlay.discardTransaction() }
            results.append(r)
        }
        state.apply(overlay.blockWrites)
        return results
    }

    /// `p` signed by `key`, alone in a new block.
    @discardableResult
    func submit<P: Payload>(_ p: P, by key: PrivateKey, time: Int64? = nil) -> TxResult {
        block([transaction(p, by: key)], time: time)[0]
    }

    /// Proposes `action` as `key`; returns the new proposal's id, which the accepted outcome names (issue 31).
    @discardableResult
    func propose(_ action: GovernanceAction, by key: PrivateKey, sourceLocation: SourceLocation = #_sourceLocation) -> UInt64 {
        let id = try! Governance.nextID(state)
        let r = submit(ProposeGovernance(action: action, description: "test"), by: key)
        #expect(r == TxResult(code: TxResult.okCode, message: "proposal \(id)"), "\(r.code): \(r.message)", sourceLocation: sourceLocation)
        return id
    }

    func vote(_ id: UInt64, _ approve: Bool, by key: PrivateKey) -> TxResult { submit(VoteGovernance(proposal: id, approve: approve), by: key) }

    /// Yes votes from `keys` in turn, each in its own block; expects every vote accepted.
    func approve(_ id: UInt64, by keys: [PrivateKey], sourceLocation: SourceLocation = #_sourceLocation) {
        for k in keys {
            let r = vote(id, true, by: k)
            #expect(r == .ok, "\(r.code): \(r.message)", sourceLocation: sourceLocation)
        }
    }

    /// Empty blocks until the committed height is `h`.
    func advance(to h: UInt64) { while height < h { block([]) } }

    func proposal(_ id: UInt64) -> ProposalView? { try! Governance.proposal(id: id, state, now: time) }
    var schedule: ValidatorSchedule { try! app.validatorSchedule(state: state) }
    func names(_ set: ValidatorSet) -> [String] { set.validators.map(\.name) }
    var all4: [PrivateKey] { [trade, realEstate, bankA, bankB] }
    var originalNames: [String] { ["Trade Authority", "Real Estate Centre", "Bank A", "Bank B"] }

    func newBank(_ name: String = "Bank E", key: PrivateKey? = nil, power: UInt64 = 0) -> GovernanceAction {
        .addMember(NewMember(name: name, role: .bank, publicKey: (key ?? bankE).publicKey, address: "https://bank-e.example:26601", power: power))
    }
}
