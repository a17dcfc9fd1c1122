import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
@testable import YongchainNode

/// A small real chain for the grey-list's routes: the supervisor (role supervisor, authority greylist, the only
/// validator), a registry and two banks; the supervisor's VRF key admitted by governance; committed through the
/// node's own executor and store, not started. `vrfKeyFile` says whether this node is the supervisor's, holding
/// the VRF key (`greylistVrfKeyFile`), or another full node without it.
final class GreylistChain {
    static let chainID = "greylist-node-1"
    static let chain = Chain(id: chainID, hashSuite: .sha256)
    static let genesisTime: Int64 = 1_700_000_000_000
    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }
    static let supervisor = key(61), registry = key(62), bankA = key(63), bankB = key(64)
    static let vrfKey = try! VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)
    static let listed = GreylistIdentity.resident(try! ResidentID("11010519491231002X"))
    static let unlisted = GreylistIdentity.enterprise(try! CreditCode("91310000MA1FL0001R"))

    /// The banks run member nodes, as the grey-list needs (a bank on a full node is refused pseudonyms).
    static var genesis: Genesis { genesis(banks: .member) }

    static func genesis(banks banksNode: NodeKind) -> Genesis {
        Genesis(chainID: chainID, genesisTime: genesisTime, organizations: [
            Organization(name: "central-bank", role: .supervisor, authorities: [.greylist], publicKey: supervisor.publicKey,
                         address: "http://127.0.0.1:1", power: 100),
            Organization(name: "registry", role: .registry, authorities: [.realEstate], publicKey: registry.publicKey, address: "http://127.0.0.1:2", power: 0),
            Organization(name: "bank-a", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:3", power: 0, node: banksNode),
            Organization(name: "bank-b", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:4", power: 0, node: banksNode),
        ])
    }

    let dir: String
    let node: Node
    let api: API
    private var lastCommit: CommitCertificate?
    private var nonce: UInt64 = 0
    private(set) var time = GreylistChain.genesisTime
    private var proposals: UInt64 = 0

    init(vrfKeyFile: VRFPrivateKey? = GreylistChain.vrfKey, parameters: GreylistParameters? = nil, banks: NodeKind = .member) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-greylist-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        try GenesisFile.write(Self.genesis(banks: banks), path: home.genesisPath)
        var config = NodeConfig(moniker: "central-bank", listen: "127.0.0.1:0")
        if let vrfKeyFile {
            try KeyFile.write(vrfKeyFile, to: dir + "/greylist-vrf.pem")
            config.greylistVrfKeyFile = "greylist-vrf.pem"
        }
        try config.write(path: home.configPath)
        try KeyFile.write(Self.supervisor, to: home.keyPath)
        node = try Node(home: home, logger: Logger(level: .error))
        api = node.api
        try decide(try GreylistKeyPossession.action(Self.vrfKey, chainID: Self.chainID))
        if let parameters { try decide(.setGreylistParameters(parameters)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func tx<P: Payload>(_ p: P, _ key: PrivateKey) -> Transaction {
        nonce += 1
        return p.transaction(key: key, nonce: nonce, chainID: Self.chainID)
    }

    /// Proposes `action` as the supervisor and votes it through in the next block.
    func decide(_ action: GovernanceAction) throws {
        proposals += 1
        try block([tx(ProposeGovernance(action: action, description: "test"), Self.supervisor)])
        try block([tx(VoteGovernance(proposal: proposals, approve: true), Self.supervisor)])
    }

    /// Bank A reports `identity`'s pseudonym and the supervisor publishes it.
    func list(_ identity: GreylistIdentity) throws {
        let s = try GreylistPseudonym.make(identity, key: Self.vrfKey, version: 1, chainID: Self.chainID).subject
        let report = tx(ReportSubject(subject: s, category: .falseIdentity, evidenceHash: HashSuite.sha256.digest(Array("evidence".utf8))), Self.bankA)
        try block([report])
        try block([tx(ReviewReport(report: report.hash(on: Self.chain), decision: .publish(.falseIdentity), decisionHash: .zero), Self.supervisor)])
    }

    /// Commits `bank`'s check of `pseudonyms`; returns the check id.
    func check(_ pseudonyms: [GreylistPseudonym], by bank: PrivateKey) throws -> Hash {
        let t = tx(CheckApplicant(subjects: pseudonyms.map(\.subject), purpose: .accountOpening), bank)
        try block([t])
        return t.hash(on: Self.chain)
    }

    /// Executes `txs` in the next block, `step` ms after the last, certified by the supervisor; every one accepted.
    func block(_ txs: [Transaction], step: Int64 = 1000) throws {
        let tip = node.store.tip
        let rules = try node.executor.rules()
        let height = tip.height + 1
        guard let set = rules.validators(at: height), let next = rules.validators(at: height + 1) else {
            throw NodeError(code: "GREYLIST", message: "no validator set for height \(height)")
        }
        time += step
        let header = BlockHeader(chain: Self.chain, height: height, time: time,
                                 previousBlockHash: tip.blockHash, lastCommitHash: Block.commitHash(lastCommit, suite: .sha256),
                                 txRoot: Block.txRoot(txs, chain: Self.chain), resultsHash: .zero, stateRoot: tip.stateRoot,
                                 validatorsHash: set.hash(.sha256), nextValidatorsHash: next.hash(.sha256), proposer: set[0].publicKey)
        var block = Block(header: header, transactions: txs, lastCommit: lastCommit)
        let executed = try node.executor.execute(block)
        block.header.resultsHash = executed.resultsHash
        block.header.stateRoot = executed.stateRoot
        let vote = Vote(type: .precommit, height: height, round: 0, blockHash: block.hash, validator: 0)
        let certificate = CommitCertificate(height: height, round: 0, blockHash: block.hash,
                                            signatures: [.init(validator: 0, signature: Self.supervisor.sign(vote.signingBytes(chainID: Self.chainID)))])
        let exec = try node.executor.apply(block, certificate: certificate, checks: .full)
        node.view.committedHeight.store(height, ordering: .releasing)
        for r in exec.results where !r.result.isOK {
            throw NodeError(code: "GREYLIST", message: "block \(height): \(r.result.code) \(r.result.message)")
        }
        lastCommit = certificate
    }

    private func handle(_ head: String, _ body: [UInt8]) -> HTTPResponse {
        var parser = HTTPRequestParser()
        parser.feed(Array((head + "\r\n").utf8) + body)
        guard case .request(let req) = parser.next() else { return HTTPResponse(status: 0) }
        return api.handle(req)
    }

    /// The node's answer to a request signed by `key`, or unsigned.
    func ask(_ method: String, _ target: String, body: [UInt8] = [], as key: PrivateKey?) -> HTTPResponse {
        var raw = "\(method) \(target) HTTP/1.1\r\nHost: greylist\r\nContent-Length: \(body.count)\r\n"
        if let key {
            for (name, value) in RequestAuth.headers(method: method, target: target, body: body, key: key, chainID: Self.chainID) {
                raw += "\(name): \(value)\r\n"
            }
        }
        return handle(raw, body)
    }

    /// Route 1 for `identities`, as `key`.
    func pseudonyms(_ identities: [GreylistIdentity], as key: PrivateKey) -> HTTPResponse {
        let subjects = identities.map { #"{"idType":"\#($0.idType == 1 ? "residentId" : "creditCode")","idNumber":"\#($0.idNumber)"}"# }
        return ask("POST", "/v1/greylist/pseudonyms", body: Array(#"{"subjects":[\#(subjects.joined(separator: ","))]}"#.utf8), as: key)
    }

    static func json(_ r: HTTPResponse) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:] }
    static func code(_ r: HTTPResponse) -> String? { (json(r)["error"] as? [String: Any])?["code"] as? String }
}
