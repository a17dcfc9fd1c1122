import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainStorage

/// The consortium every fuzz target works in: fixed keys (so seeds are the same on every run), one voting
/// registry that is also the node under test, two non-voting banks whose addresses refuse connections (peers that
/// are never ahead), and one registered enterprise. Also builds the real payloads and blocks the seeds start from.
enum FuzzWorld {
    static let chainID = "fuzz-chain"
    static func key(_ n: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: n, count: 32)) }

    /// The only validator; the node under test runs with this key.
    static let registry = key(1)
    static let bankA = key(2)
    static let bankB = key(3)
    static let enterpriseKey = key(4)
    /// Known to nobody: an authenticated request with it is refused as an unknown key.
    static let stranger = key(5)
    /// The grey-list's supervisor (a member node's bank is the other caller pseudonyms are given to; the banks here
    /// run full nodes, which are refused them).
    static let supervisor = key(6)
    /// The keys a request may be signed with, by index.
    static let callers = [registry, bankA, bankB, enterpriseKey, stranger, supervisor]
    /// The grey-list's VRF key (RFC 9381's Example 10 key: a test key, nobody's), held by the fuzzed node.
    static let vrfKey = try! VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)

    static let exporter = code("91310000MA1FL0001")
    static let otherCode = code("91110000MA0000007")
    static let unit = "110101001001GB00001F00010001"

    static func code(_ first17: String) -> CreditCode { try! CreditCode(first17 + String(CreditCode.checkCharacter(for: first17)!)) }
    static func cny(_ minor: Int64) -> Money { try! Money(minorUnits: minor, currency: try! Currency("CNY")) }
    static func number(_ n: Int) -> DeclarationNumber {
        let s = String(n)
        return try! DeclarationNumber("2231202000" + String(repeating: "0", count: 8 - s.count) + s)
    }
    static func digest(_ s: String) -> Hash { HashSuite.sha256.digest(Array(s.utf8)) }

    static let residentID = "11010519491231002" + String(ResidentID.checkCharacter(for: "11010519491231002")!)
    /// The owner as the chain holds them: the commitment of `residentID` and a fixed salt.
    static let ownerCommitment = try! PersonOpening(id: ResidentID(residentID), salt: [UInt8](repeating: 0x5a, count: 16)).commitment(.sha256)
    static let title = "Jing2020-0001234"
    static var property: RegisterProperty {
        RegisterProperty(unitNumber: try! UnitNumber(unit), titleCertificateNumber: title,
                         owners: [PropertyOwner(id: .person(ownerCommitment), publicKey: key(6).publicKey)],
                         area: 8_900, use: "residential")
    }
    static let financing = RecordFinancing(exporter: exporter, amount: cny(50_000), pledges: [PledgeRequest(declaration: fields(1), amount: cny(60_000))])

    static func genesis(time: Int64) -> Genesis {
        var c = ConsensusParameters()
        // One block every ~100 ms with nothing to do, so reads that wait for a height (minHeight, wait=commit)
        // end quickly instead of holding the run.
        c.emptyBlockIntervalMs = 100
        c.minBlockIntervalMs = 20
        return Genesis(chainID: chainID, genesisTime: time, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: registry.publicKey,
                         address: "http://127.0.0.1:1"),
            Organization(name: "bank-a", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:9", power: 0),
            Organization(name: "bank-b", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:7", power: 0),
            Organization(name: "central-bank", role: .supervisor, authorities: [.greylist], publicKey: supervisor.publicKey,
                         address: "http://127.0.0.1:6", power: 0),
        ], consensus: c)
    }

    static var validators: ValidatorSet { genesis(time: 0).validatorSet }

    static func fields(_ n: Int) -> DeclarationFields {
        DeclarationFields(number: number(n), exporter: exporter, amount: cny(100_000 * Int64(n)), exportDate: 20200315,
                          documentDigest: digest("declaration \(n)"))
    }

    /// One real payload of every kind that is cheap to build, as (type, canonical body, who signs it).
    static var payloads: [(type: String, body: [UInt8], signer: PrivateKey)] {
        func p<P: Payload>(_ v: P, _ k: PrivateKey) -> (type: String, body: [UInt8], signer: PrivateKey) { (P.type, v.canonicalBytes, k) }
        let app = digest("application")
        return [
            p(RegisterEnterprise(creditCode: exporter, name: "Fuzz Exporter 出口商", publicKey: enterpriseKey.publicKey), registry),
            p(GrantAuthorization(bank: bankA.publicKey, expiresAt: 4_102_444_800_000), enterpriseKey),
            p(RevokeAuthorization(bank: bankB.publicKey), enterpriseKey),
            p(RecordCreditQuery(enterprise: exporter, purpose: "pre-loan review 贷前审查"), bankA),
            p(PublishDeclarations(declarations: [PublishedDeclaration(fields(1), suite: .sha256), PublishedDeclaration(fields(2), suite: .sha256)]), registry),
            p(financing, bankA),
            p(property, registry),
            p(RepayFinancing(financingId: digest("financing"), amount: cny(1)), bankA),
            p(ApproveMortgage(applicationId: app), registry),
            p(RejectMortgage(applicationId: app, reason: "the title is encumbered"), registry),
            p(DischargeMortgage(applicationId: app), bankA),
            p(RegisterDischarge(applicationId: app), registry),
            p(ProposeGovernance(action: .addMember(NewMember(name: "fuzz-bank", role: .bank, publicKey: stranger.publicKey,
                                                             address: "http://127.0.0.1:26699", power: 0)), description: "fuzz 模糊"), bankA),
            p(VoteGovernance(proposal: 1, approve: true), registry),
        ]
    }

    static func transaction(_ type: String, _ body: [UInt8], by key: PrivateKey, nonce: UInt64) -> Transaction {
        Transaction.signed(type: type, body: body, nonce: nonce, key: key, chainID: chainID)
    }

    /// The precommit certificate the only validator signs for `block`.
    static func certificate(for block: Block) -> CommitCertificate {
        let v = Vote(type: .precommit, height: block.height, round: 0, blockHash: block.hash, validator: 0)
        return CommitCertificate(height: block.height, round: 0, blockHash: block.hash,
                                 signatures: [.init(validator: 0, signature: registry.sign(v.signingBytes(chainID: chainID)))])
    }

    /// The block after `tip` carrying `txs`, proposed by the only validator.
    static func block(after tip: ChainTip, time: Int64, txs: [Transaction], lastCommit: CommitCertificate?) -> Block {
        let header = BlockHeader(chain: Chain(id: chainID, hashSuite: .sha256), height: tip.height + 1, time: time, previousBlockHash: tip.blockHash,
                                 lastCommitHash: Block.commitHash(lastCommit, suite: .sha256), txRoot: Block.txRoot(txs, chain: Chain(id: chainID, hashSuite: .sha256)),
                                 resultsHash: .zero, stateRoot: tip.stateRoot, validatorsHash: validators.hash(.sha256),
                                 nextValidatorsHash: validators.hash(.sha256), proposer: registry.publicKey)
        return Block(header: header, transactions: txs, lastCommit: lastCommit)
    }

    /// A signed vote and proposal at `height` (only ever a height the node has committed: a valid signature for a
    /// live height would let the fuzzer vote with the node's own key).
    static func signedVote(height: UInt64, hash: Hash?, type: VoteType = .precommit) -> Vote {
        var v = Vote(type: type, height: height, round: 0, blockHash: hash, validator: 0)
        v.signature = registry.sign(v.signingBytes(chainID: chainID))
        return v
    }

    static func signedProposal(for block: Block) -> Proposal {
        var p = Proposal(height: block.height, round: 0, blockHash: block.hash, validRound: -1, proposer: 0)
        p.signature = registry.sign(p.signingBytes(chainID: chainID))
        return p
    }
}
