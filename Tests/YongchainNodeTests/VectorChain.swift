import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
@testable import YongchainNode

/// A small real chain, the same bytes on every run: three validators of power 100 from fixed seeds, blocks one
/// second apart from a fixed genesis time, fixed nonces, and one transaction of each kind a proven answer reads
/// (a property with a registered mortgage and a seizure, an enterprise, declarations, a financing and its
/// repayment, an authorisation, a logged credit query), then a validator-set change by governance. Committed
/// through the node's own executor and store, not started: its answers are the node's answers, with no clock.
/// Its members' addresses are ports nothing listens on, so nothing it might send reaches another test's node.
final class VectorChain {
    static let chainID = "answers-1"
    static let chain = Chain(id: chainID, hashSuite: .sha256)
    static let genesisTime: Int64 = 1_700_000_000_000
    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }
    static let registry = key(1), bankA = key(2), bankB = key(3), enterprise = key(4), owner = key(5)
    static let keys = [registry, bankA, bankB, enterprise, owner]

    static let unit = "320505001001GB00001F00010001"
    static let title = "苏(2019)苏州市不动产权第0000001号"
    /// The owner, on chain only as the commitment of this identity number and this salt (the title certificate's).
    static let ownerNumber = "11010519491231002X"
    static let ownerSalt = Array(0xa0...0xaf).map(UInt8.init)
    static let ownerCommitment = try! PersonOpening(id: ResidentID(ownerNumber), salt: ownerSalt).commitment(.sha256)
    static let exporter = "91310000MA1FL0001R"

    static var genesis: Genesis {
        Genesis(chainID: chainID, genesisTime: genesisTime, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: registry.publicKey,
                         address: "http://127.0.0.1:1", power: 100),
            Organization(name: "bank-a", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:2", power: 100),
            Organization(name: "bank-b", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:3", power: 100),
        ])
    }

    let dir: String
    let node: Node
    let api: API
    private var lastCommit: CommitCertificate?
    private var nonce: UInt64 = 0
    /// Every transaction committed, in order.
    private(set) var committed: [Transaction] = []
    /// What the flow made, for the questions.
    private(set) var applicationID = Hash.zero
    private(set) var certificateNumber = ""
    private(set) var financingID = Hash.zero
    private(set) var queryID = Hash.zero

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-vectors-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        try GenesisFile.write(Self.genesis, path: home.genesisPath)
        try NodeConfig(moniker: "registry", listen: "127.0.0.1:0").write(path: home.configPath)
        try KeyFile.write(Self.registry, to: home.keyPath)
        node = try Node(home: home, logger: Logger(level: .error))
        api = node.api
        try build()
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    static func money(_ minor: Int64, _ currency: String) -> Money { try! Money(minorUnits: minor, currency: try! Currency(currency)) }
    static func declaration(_ n: Int, _ amount: Int64) -> DeclarationFields {
        DeclarationFields(number: try! DeclarationNumber("22312020000000000\(n)"), exporter: try! CreditCode(exporter),
                          amount: money(amount, "USD"), exportDate: 20200315, documentDigest: HashSuite.sha256.digest(Array("declaration \(n)".utf8)))
    }

    private func tx<P: Payload>(_ p: P, _ key: PrivateKey) -> Transaction {
        nonce += 1
        return p.transaction(key: key, nonce: nonce, chainID: Self.chainID)
    }

    private func build() throws {
        let ownerID = ChainIdentity.person(Self.ownerCommitment)
        let unit = try UnitNumber(Self.unit)
        try block([
            tx(RegisterProperty(unitNumber: unit, titleCertificateNumber: Self.title,
                                owners: [PropertyOwner(id: ownerID, publicKey: Self.owner.publicKey)], area: 8950, use: "residential"), Self.registry),
            tx(RegisterEnterprise(creditCode: try CreditCode(Self.exporter), name: "Exporter X Ltd 出口商", publicKey: Self.enterprise.publicKey), Self.registry),
        ])
        var app = MortgageApplication(unitNumber: unit, mortgagee: Self.bankA.publicKey, mortgagors: [ownerID],
                                      debtor: MortgageDebtor(organisation: try CreditCode("91320505MA1XXXXX0T"), name: "Suzhou Widget Co., Ltd."),
                                      principal: Self.money(150_000_000, "CNY"),
                                      term: MortgageTerm(start: try .init("2020-06-01"), end: try .init("2030-05-31")),
                                      mortgageType: .general, contractHash: HashSuite.sha256.digest(Array("contract 1".utf8)))
        try app.sign(for: ownerID, with: Self.owner, chainID: Self.chainID)
        let apply = tx(app, Self.bankA)
        applicationID = apply.hash(on: Self.chain)
        try block([apply])
        let d1 = Self.declaration(1, 100_000), d2 = Self.declaration(2, 250_000)
        try block([
            tx(ApproveMortgage(applicationId: applicationID), Self.registry),
            tx(PublishDeclarations(declarations: [PublishedDeclaration(d1, suite: .sha256), PublishedDeclaration(d2, suite: .sha256)]), Self.registry),
            tx(GrantAuthorization(bank: Self.bankA.publicKey, expiresAt: Self.genesisTime + 365 * 86_400_000), Self.enterprise),
        ])
        let financing = tx(RecordFinancing(exporter: try CreditCode(Self.exporter), amount: Self.money(300_000, "USD"),
                                           pledges: [PledgeRequest(declaration: d1, amount: Self.money(100_000, "USD")),
                                                     PledgeRequest(declaration: d2, amount: Self.money(200_000, "USD"))]), Self.bankA)
        financingID = financing.hash(on: Self.chain)
        let query = tx(RecordCreditQuery(enterprise: try CreditCode(Self.exporter), purpose: "pre-loan review 贷前审查"), Self.bankA)
        queryID = query.hash(on: Self.chain)
        try block([financing, query])
        try block([
            tx(RepayFinancing(financingId: financingID, amount: Self.money(120_000, "USD")), Self.bankA),
            tx(SeizeProperty(unitNumber: unit, courtOrder: "(2020)苏05执123号"), Self.registry),
        ])
        // Governance moves 10 of the 300 voting power: the set changes, and every bundle from then on carries it.
        try block([tx(ProposeGovernance(action: .setPower(name: "registry", power: 110), description: "vectors"), Self.registry)])
        try block([Self.registry, Self.bankA, Self.bankB].map { tx(VoteGovernance(proposal: 1, approve: true), $0) })
        for _ in 0..<3 { try block([]) }
        guard let view = try MortgageQueries.application(id: applicationID, state: node.store.committedState), let n = view.certificateNumber else {
            throw NodeError(code: "VECTORS", message: "the mortgage was not registered")
        }
        certificateNumber = n
    }

    /// Executes `txs` in the next block, as its proposer would, certifies it by every validator of the set in force,
    /// and commits it with every check a catching-up node makes. Every transaction must be accepted.
    private func block(_ txs: [Transaction]) throws {
        let tip = node.store.tip
        let rules = try node.executor.rules()
        let height = tip.height + 1
        guard let set = rules.validators(at: height), let next = rules.validators(at: height + 1) else {
            throw NodeError(code: "VECTORS", message: "no validator set for height \(height)")
        }
        let header = BlockHeader(chain: Self.chain, height: height, time: Self.genesisTime + Int64(height) * 1000,
                                 previousBlockHash: tip.blockHash, lastCommitHash: Block.commitHash(lastCommit, suite: .sha256),
                                 txRoot: Block.txRoot(txs, chain: Self.chain), resultsHash: .zero, stateRoot: tip.stateRoot,
                                 validatorsHash: set.hash(.sha256), nextValidatorsHash: next.hash(.sha256), proposer: set[0].publicKey)
        var block = Block(header: header, transactions: txs, lastCommit: lastCommit)
        let executed = try node.executor.execute(block)
        block.header.resultsHash = executed.resultsHash
        block.header.stateRoot = executed.stateRoot
        let certificate = CommitCertificate(height: height, round: 0, blockHash: block.hash, signatures: set.validators.indices.map { i in
            let vote = Vote(type: .precommit, height: height, round: 0, blockHash: block.hash, validator: i)
            let key = Self.keys.first { $0.publicKey == set[i].publicKey }!
            return .init(validator: i, signature: key.sign(vote.signingBytes(chainID: Self.chainID)))
        })
        let exec = try node.executor.apply(block, certificate: certificate, checks: .full)
        node.view.committedHeight.store(height, ordering: .releasing)
        for r in exec.results where !r.result.isOK {
            throw NodeError(code: "VECTORS", message: "block \(height): \(r.result.code) \(r.result.message)")
        }
        lastCommit = certificate
        committed += txs
    }

    /// Commits a governance proposal of `action` by the registry and, in the next block, every member's vote for it
    /// (the proposal's id is the next after VectorChain's own). The chain's vectors are built before any of this.
    func decide(_ action: GovernanceAction, proposal id: UInt64) throws {
        try block([tx(ProposeGovernance(action: action, description: "test"), Self.registry)])
        try block([Self.registry, Self.bankA].map { tx(VoteGovernance(proposal: id, approve: true), $0) })
    }

    /// Commits one more block, with no transaction.
    func emptyBlock() throws { try block([]) }

    /// The node's answer to an unsigned POST (a transaction), as its HTTP API gives it.
    func post(_ target: String, _ body: [UInt8]) -> HTTPResponse { handle("POST \(target) HTTP/1.1\r\nHost: vectors\r\nContent-Length: \(body.count)\r\n", body) }

    private func handle(_ head: String, _ body: [UInt8]) -> HTTPResponse {
        var parser = HTTPRequestParser()
        parser.feed(Array((head + "\r\n").utf8) + body)
        guard case .request(let req) = parser.next() else { return HTTPResponse(status: 0) }
        return api.handle(req)
    }

    /// The node's answer to a request signed by `key`, as its HTTP API gives it.
    func ask(_ method: String, _ target: String, body: [UInt8] = [], as key: PrivateKey) -> HTTPResponse {
        var raw = "\(method) \(target) HTTP/1.1\r\nHost: vectors\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in RequestAuth.headers(method: method, target: target, body: body, key: key, chainID: Self.chainID) {
            raw += "\(name): \(value)\r\n"
        }
        return handle(raw, body)
    }
}
