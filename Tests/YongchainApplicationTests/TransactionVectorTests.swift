import Foundation
import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// docs/transaction-vectors.json: one signed transaction of every type, and an owner's consent, built by the
/// node's own code from fixed Ed25519 seeds (Ed25519 signatures are deterministic, so every byte is fixed); and
/// docs/transaction-vectors-sm.json, the same on an SM3 chain with SM2 keys (the national suite), plus SM3's
/// examples from GB/T 32905-2016. SM2 signatures are randomised: that file keeps the signatures it holds while
/// they still verify over the bytes the code produces (so regenerating it changes nothing else), and a test checks
/// every one of them. docs/transactions.md specifies these bytes; an independent client (scripts/yongchain_tx.py)
/// reproduces them. The committed files must equal what the code produces now, so the spec's examples can never
/// drift from the code. After a deliberate change to a wire format, regenerate them and review the diff:
///
///     YONGCHAIN_WRITE_VECTORS=1 swift test --filter TransactionVectorTests
@Suite struct TransactionVectorTests {
    struct VectorError: Error {}
    /// The two suites' vector files: the chain's hash suite and its keys' algorithm.
    struct VectorSuite: Sendable, CustomTestStringConvertible {
        let file: String
        let hashSuite: HashSuite
        let keys: SignatureSuite
        var chain: Chain { Chain(id: TransactionVectorTests.chainID, hashSuite: hashSuite) }
        var testDescription: String { "\(hashSuite)/\(keys)" }
    }
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs").path
    static let standard = VectorSuite(file: docs + "/transaction-vectors.json", hashSuite: .sha256, keys: .ed25519)
    static let national = VectorSuite(file: docs + "/transaction-vectors-sm.json", hashSuite: .sm3, keys: .sm2)
    static let suites = [standard, national]
    static let chainID = "vectors-1"

    /// Named keys, each from the seed of 32 equal bytes `seed`.
    static let seeds: [(String, UInt8)] = [("registry", 1), ("trade-authority", 2), ("bank", 3), ("owner-1", 11), ("owner-2", 12),
                                           ("enterprise", 21), ("new-bank", 31), ("supervisor", 41)]
    static func key(_ name: String, _ suite: SignatureSuite = .ed25519) -> PrivateKey {
        let seed = seeds.first { $0.0 == name }!.1
        return try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32), suite: suite)
    }
    static func money(_ minor: Int64, _ currency: String = "CNY") -> Money { try! Money(minorUnits: minor, currency: try! Currency(currency)) }

    /// Signatures the committed file holds, by signer and the hex of the bytes they sign: reused while they verify, so a
    /// randomised (SM2) signature stays what the file says and the bytes that embed it (a consent in a body, the
    /// hashes after it) stay fixed.
    static func committedSignatures(_ suite: VectorSuite) -> [String: String] {
        guard let d = FileManager.default.contents(atPath: suite.file),
              let doc = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        let keys = doc["keys"] as? [String: [String: String]] ?? [:]
        for c in doc["consents"] as? [[String: Any]] ?? [] {
            out[(keys[c["key"] as? String ?? ""]?["publicKey"] ?? "") + " " + (c["consentBytesHex"] as? String ?? "")] = c["signature"] as? String
        }
        for t in doc["transactions"] as? [[String: Any]] ?? [] {
            let env = t["envelope"] as? [String: String]
            out[(env?["signer"] ?? "") + " " + (t["signingBytesHex"] as? String ?? "")] = env?["signature"]
        }
        return out
    }

    /// The document: keys, consents, then one transaction per type in the order a chain could run them.
    static func document(_ suite: VectorSuite = standard) throws -> [String: Any] {
        let kept = committedSignatures(suite)
        func sign(_ k: PrivateKey, _ message: [UInt8]) -> [UInt8] {
            if let old = kept[k.publicKey.text + " " + Hex.encode(message)].flatMap(Hex.decode), k.publicKey.verify(signature: old, message: message) {
                return old
            }
            return k.sign(message)
        }
        func key(_ name: String) -> PrivateKey { TransactionVectorTests.key(name, suite.keys) }
        func digest(_ s: String) -> Hash { suite.hashSuite.digest(Array(s.utf8)) }
        var txs: [[String: Any]] = []
        var hashes: [String: Hash] = [:]
        func add<P: Payload>(_ p: P, signer: String, nonce: UInt64) throws {
            let k = key(signer)
            let unsigned = Transaction(type: P.type, body: p.canonicalBytes, signer: k.publicKey, nonce: nonce, signature: [])
            let tx = Transaction(type: P.type, body: unsigned.body, signer: k.publicKey, nonce: nonce,
                                 signature: sign(k, unsigned.signingBytes(chainID: chainID)))
            #expect(tx.verifySignature(chainID: chainID))
            hashes[P.type] = tx.hash(on: suite.chain)
            let body = try JSONSerialization.jsonObject(with: Data(try SortedJSON.encode(p)))
            // The JSON form must read back into the same canonical body (what a client may send to the CLI).
            #expect(try LedgerApplication.canonicalBody(type: P.type, json: try SortedJSON.encode(p)) == tx.body, "\(P.type)")
            txs.append(["type": P.type, "signer": signer, "nonce": String(nonce), "body": body, "bodyHex": Hex.encode(tx.body),
                        "signingBytesHex": Hex.encode(tx.signingBytes(chainID: chainID)), "hash": tx.hash(on: suite.chain).hex,
                        "envelope": ["type": tx.type, "body": Hex.encode(tx.body), "signer": tx.signer.text, "nonce": String(tx.nonce),
                                     "signature": Hex.encode(tx.signature)]])
        }

        let unit = try UnitNumber("320505001001GB00001F00010001")
        // The owners, on chain only as the commitments of identity and salt (the salts their title certificates carry).
        let openings = try personOpenings()
        let owner1 = ChainIdentity.person(openings[0], suite: suite.hashSuite), owner2 = ChainIdentity.person(openings[1], suite: suite.hashSuite)
        let exporter = try CreditCode("91310000MA1FL0001R")

        try add(RegisterProperty(unitNumber: unit, titleCertificateNumber: "苏(2019)苏州市不动产权第0000001号",
                                 owners: [PropertyOwner(id: owner1, publicKey: key("owner-1").publicKey),
                                          PropertyOwner(id: owner2, publicKey: key("owner-2").publicKey)],
                                 area: 8950, use: "residential"), signer: "registry", nonce: 1)

        var app = MortgageApplication(unitNumber: unit, mortgagee: key("bank").publicKey, mortgagors: [owner1, owner2],
                                      debtor: MortgageDebtor(organisation: try CreditCode("91320505MA1XXXXX0T"), name: "Suzhou Widget Co., Ltd."),
                                      principal: money(150_000_000),
                                      term: MortgageTerm(start: try .init("2020-06-01"), end: try .init("2030-05-31")),
                                      mortgageType: .general, contractHash: digest("loan and mortgage contracts"))
        let consent = app.consentBytes(chainID: chainID)
        var consents: [[String: Any]] = []
        for (id, name) in [(owner1, "owner-1"), (owner2, "owner-2")] {
            let signature = sign(key(name), consent)
            try app.attachSignature(signature, for: id)
            consents.append(["transaction": "mortgage.apply", "mortgagor": try JSONSerialization.jsonObject(with: Data(try SortedJSON.encode(id))), "key": name,
                             "consentBytesHex": Hex.encode(consent), "signature": Hex.encode(signature)])
        }
        try add(app, signer: "bank", nonce: 2)
        let applicationId = hashes["mortgage.apply"]!
        try add(ApproveMortgage(applicationId: applicationId), signer: "registry", nonce: 3)
        try add(RejectMortgage(applicationId: applicationId, reason: "产权人身份证已过期"), signer: "registry", nonce: 4)
        try add(DischargeMortgage(applicationId: applicationId), signer: "bank", nonce: 5)
        try add(RegisterDischarge(applicationId: applicationId), signer: "registry", nonce: 6)
        try add(SeizeProperty(unitNumber: unit, courtOrder: "(2020)苏05执123号"), signer: "registry", nonce: 7)
        try add(ReleaseProperty(unitNumber: unit, courtOrder: "(2020)苏05执124号"), signer: "registry", nonce: 8)

        try add(RegisterEnterprise(creditCode: exporter, name: "Exporter X Ltd", publicKey: key("enterprise").publicKey),
                signer: "trade-authority", nonce: 9)
        let d1 = DeclarationFields(number: try DeclarationNumber("223120200000000001"), exporter: exporter, amount: money(100_000, "USD"),
                                   exportDate: 20200315, documentDigest: digest("declaration 1"))
        let d2 = DeclarationFields(number: try DeclarationNumber("223120200000000002"), exporter: exporter, amount: money(250_000, "USD"),
                                   exportDate: 20200401, documentDigest: digest("declaration 2"))
        try add(PublishDeclarations(declarations: [PublishedDeclaration(d1, suite: suite.hashSuite), PublishedDeclaration(d2, suite: suite.hashSuite)]),
                signer: "trade-authority", nonce: 10)
        try add(RecordFinancing(exporter: exporter, amount: money(300_000, "USD"),
                                pledges: [PledgeRequest(declaration: d1, amount: money(100_000, "USD")),
                                          PledgeRequest(declaration: d2, amount: money(200_000, "USD"))]), signer: "bank", nonce: 11)
        try add(RepayFinancing(financingId: hashes["financing.record"]!, amount: money(120_000, "USD")), signer: "bank", nonce: 12)
        try add(GrantAuthorization(bank: key("bank").publicKey, expiresAt: 1_893_456_000_000), signer: "enterprise", nonce: 13)
        try add(RecordCreditQuery(enterprise: exporter, purpose: "pre-loan review 贷前审查"), signer: "bank", nonce: 14)
        try add(ProposeGovernance(action: governanceActions(suite.keys)[0], description: "admit Bank E 接纳E银行"), signer: "bank", nonce: 15)
        try add(VoteGovernance(proposal: 1, approve: true), signer: "registry", nonce: 16)
        try add(RevokeAuthorization(bank: key("bank").publicKey), signer: "enterprise", nonce: UInt64.max)

        // The grey-list (docs/greylist.md): subjects are pseudonyms under the supervisor's VRF keys, here RFC 9381's
        // example keys (test keys, nobody's); docs/vrf-vectors.json derives the first two from their identities.
        let (person, enterprise, personV2) = try greylistSubjects()
        try add(ReportSubject(subject: person, category: .fraudAccountOpening, evidenceHash: digest("evidence of case 1")), signer: "bank", nonce: 17)
        try add(ReviewReport(report: hashes["greylist.report"]!, decision: .publish(.fraudAccountOpening), decisionHash: digest("review of case 1")),
                signer: "supervisor", nonce: 18)
        try add(RenewEntry(subject: person), signer: "supervisor", nonce: 19)
        try add(AppealListing(subject: person, evidenceHash: digest("the subject's submission")), signer: "bank", nonce: 20)
        try add(DecideAppeal(appeal: hashes["greylist.appeal"]!, upheld: false, decisionHash: digest("appeal decision")), signer: "supervisor", nonce: 21)
        try add(CheckApplicant(subjects: [person], purpose: .accountOpening), signer: "bank", nonce: 22)
        try add(RecordCheckOutcome(check: hashes["greylist.check"]!, stopped: true), signer: "bank", nonce: 23)
        try add(RekeyEntries(moves: [.init(from: person, to: personV2)]), signer: "supervisor", nonce: 24)
        try add(WithdrawEntry(subject: personV2, reason: .supervisorDecision, decisionHash: digest("withdrawal")), signer: "supervisor", nonce: 25)
        try add(SweepGreylist(entries: [enterprise], checks: [hashes["greylist.check"]!]), signer: "supervisor", nonce: 26)
        try add(RetireVRFKey(keyVersion: 1), signer: "supervisor", nonce: 27)

        // Every kind of governance action: the `action` part of a governance.propose body (docs/governance.md).
        var actions: [[String: Any]] = []
        for a in governanceActions(suite.keys) {
            actions.append(["type": a.type, "json": try JSONSerialization.jsonObject(with: Data(try SortedJSON.encode(a))), "bytesHex": Hex.encode(a.canonicalBytes)])
        }

        // Person commitments from identity and salt, and the identity and debtor encodings of every form.
        let commitments = openings.map { o in
            ["idType": "residentId", "idNumber": o.id.value, "salt": Hex.encode(o.salt), "commitment": o.commitment(suite.hashSuite).hex]
        }
        guard case .person(let owner1Commitment) = owner1 else { throw VectorError() }
        let debtorPerson = MortgageDebtor(person: owner1Commitment)
        let debtorOrganisation = MortgageDebtor(organisation: exporter, name: "Exporter X Ltd")
        var identities: [[String: Any]] = []
        for (what, json, bytes) in [
            ("identity", try SortedJSON.encode(owner1), { var w = CanonicalWriter(); owner1.encode(to: &w); return w.bytes }()),
            ("identity", try SortedJSON.encode(ChainIdentity.organisation(exporter)), { var w = CanonicalWriter(); ChainIdentity.organisation(exporter).encode(to: &w); return w.bytes }()),
            ("debtor", try SortedJSON.encode(debtorPerson), { var w = CanonicalWriter(); debtorPerson.encode(to: &w); return w.bytes }()),
            ("debtor", try SortedJSON.encode(debtorOrganisation), { var w = CanonicalWriter(); debtorOrganisation.encode(to: &w); return w.bytes }()),
        ] as [(String, [UInt8], [UInt8])] {
            identities.append(["kind": what, "json": try JSONSerialization.jsonObject(with: Data(json)), "bytesHex": Hex.encode(bytes)])
        }

        var keys: [String: [String: String]] = [:]
        for (name, seed) in seeds {
            keys[name] = ["seed": Hex.encode([UInt8](repeating: seed, count: 32)), "publicKey": key(name).publicKey.text]
        }
        var doc: [String: Any] = [
            "about": "Generated by Tests/YongchainApplicationTests/TransactionVectorTests.swift from the node's code; specified by docs/transactions.md. Regenerate after a deliberate wire change: YONGCHAIN_WRITE_VECTORS=1 swift test --filter TransactionVectorTests",
            "chainId": chainID, "keys": keys, "consents": consents, "transactions": txs, "governanceActions": actions,
            "personCommitments": commitments, "identities": identities]
        if suite.hashSuite != .sha256 {
            // The chain's hash suite, and the standard's own examples of it (GB/T 32905-2016, appendix A).
            doc["hashSuite"] = suite.hashSuite.rawValue
            doc["about"] = (doc["about"] as! String) + ". SM2 signatures are randomised: each one here verifies, and is kept while it does."
            doc["hashExamples"] = ["abc", String(repeating: "abcd", count: 16)].map { m in
                ["message": m, "digest": suite.hashSuite.digest(Array(m.utf8)).hex]
            }
        }
        return doc
    }

    /// The grey-list vectors' subjects: the person and the enterprise of docs/vrf-vectors.json under RFC 9381's
    /// Example 10 key (version 1), and the person under Example 12's key (version 2), on chain `vectors-1`.
    static func greylistSubjects() throws -> (person: GreylistSubject, enterprise: GreylistSubject, personV2: GreylistSubject) {
        let v1 = try VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!)
        let v2 = try VRFPrivateKey.fromRaw(Hex.decode("2ca1411a41b17b24cc8c3b089cfd033f1920202a6c0de8abb97df1498d50d2c8")!)
        let person = GreylistIdentity.resident(try ResidentID("11010519491231002X"))
        let enterprise = GreylistIdentity.enterprise(try CreditCode("91310000MA1FL0001R"))
        func subject(_ key: VRFPrivateKey, _ version: UInt32, _ id: GreylistIdentity) throws -> GreylistSubject {
            GreylistSubject(keyVersion: version, pseudonym: try key.prove(id.alpha(chainID: chainID)).output)
        }
        return (try subject(v1, 1, person), try subject(v1, 1, enterprise), try subject(v2, 2, person))
    }

    /// The vectors' two owners: an identity number each, with a fixed salt (a registry draws it at random).
    static func personOpenings() throws -> [PersonOpening] {
        [try PersonOpening(id: try ResidentID("11010519491231002X"), salt: Array(0x00...0x0f).map(UInt8.init)),
         try PersonOpening(id: try ResidentID("110105198001010016"), salt: Array(0xf0...0xff).map(UInt8.init) + Array(0xe0...0xef).map(UInt8.init))]
    }

    /// One action of each kind, in `GovernanceAction.types` order, with keys of `suite`.
    static func governanceActions(_ suite: SignatureSuite = .ed25519) -> [GovernanceAction] {
        let key = { (name: String) in TransactionVectorTests.key(name, suite) }
        var parameters = ConsensusParameters()
        parameters.timeoutProposeMs = 4000
        return [
            .addMember(NewMember(name: "Bank E", role: .bank, publicKey: key("new-bank").publicKey, address: "https://bank-e.example:26601", power: 0)),
            .removeMember(name: "Bank E"),
            .rotateKey(name: "bank", newPublicKey: key("new-bank").publicKey),
            .setPower(name: "Bank E", power: 1),
            .setParameters(parameters),
            .setRules(GovernanceRules(thresholdNumerator: 3, thresholdDenominator: 4, votingPeriodMs: 259_200_000, proposers: .voters)),
            .setLimits(ProposalLimits(maxOpenProposalsPerMember: 20, maxDescriptionBytes: 500, closedRetentionMs: 7_776_000_000)),
            .setNode(name: "Bank E", node: .member),
            // RFC 9381's Example 10 key (a test key, nobody's), its proof of possession on this chain.
            try! GreylistKeyPossession.action(VRFPrivateKey.fromRaw(Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")!), chainID: chainID),
            .setGreylistParameters(GreylistParameters()),
        ]
    }

    static func render(_ doc: [String: Any]) throws -> String {
        let d = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: d, as: UTF8.self) + "\n"
    }

    @Test(arguments: suites) func committedVectorsAreWhatTheCodeProduces(_ suite: VectorSuite) throws {
        let doc = try Self.document(suite)
        let types = (doc["transactions"] as! [[String: Any]]).map { $0["type"] as! String }
        #expect(Set(types) == Set(LedgerApplication.transactionTypes), "every transaction type has a vector")
        // The worked example in docs/transactions.md quotes the mortgage.approve vector: it must quote this one.
        let approve = (doc["transactions"] as! [[String: Any]]).first { $0["type"] as? String == "mortgage.approve" }!
        let spec = try String(contentsOf: URL(fileURLWithPath: Self.docs + "/transactions.md"), encoding: .utf8)
        #expect(spec.contains(approve["hash"] as! String) && spec.contains((approve["envelope"] as! [String: String])["signature"]!),
                "docs/transactions.md's worked example no longer quotes the mortgage.approve vector (\(suite))")
        let text = try Self.render(doc)
        if ProcessInfo.processInfo.environment["YONGCHAIN_WRITE_VECTORS"] == "1" {
            try text.write(toFile: suite.file, atomically: true, encoding: .utf8)
        }
        let committed = (try? String(contentsOfFile: suite.file, encoding: .utf8)) ?? ""
        guard committed != text else { return }
        // Name what changed, so the reader knows which wire format moved.
        let old = (try? JSONSerialization.jsonObject(with: Data(committed.utf8))) as? [String: Any]
        let oldTxs = Dictionary((old?["transactions"] as? [[String: Any]] ?? []).map { ($0["type"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let changed = (doc["transactions"] as! [[String: Any]]).filter { tx in
            let o = oldTxs[tx["type"] as! String]
            return o?["signingBytesHex"] as? String != tx["signingBytesHex"] as? String || o?["envelope"] as? [String: String] != tx["envelope"] as? [String: String]
        }.map { $0["type"] as! String }
        Issue.record("""
            \(suite.file) differs from what the code produces (transactions changed: \(changed.isEmpty ? "none; keys, consents or layout" : changed.joined(separator: ", "))).
            A wire format changed: every bank's client breaks. If that is deliberate, update docs/transactions.md and regenerate:
                YONGCHAIN_WRITE_VECTORS=1 swift test --filter TransactionVectorTests
            """)
    }

    /// The spec's layout, checked on the vectors from first principles rather than through the code under test:
    /// signing bytes = str(tag) ‖ str(chain id) ‖ str(type) ‖ bytes(body) ‖ u8(suite) ‖ bytes(key) ‖ u64(nonce), the
    /// hash is the chain's hash (SHA-256, or SM3) of them, and every signature (consents too) verifies.
    @Test(arguments: suites) func signingBytesFollowTheDocumentedLayout(_ suite: VectorSuite) throws {
        func str(_ s: String) -> [UInt8] { bytes(Array(s.utf8)) }
        func bytes(_ b: [UInt8]) -> [UInt8] { withUnsafeBytes(of: UInt32(b.count).bigEndian, Array.init) + b }
        let doc = try Self.document(suite)
        for tx in doc["transactions"] as! [[String: Any]] {
            let env = tx["envelope"] as! [String: String]
            let key = PublicKey(text: env["signer"]!)!
            #expect(key.suite == suite.keys)
            let expected = str("yongchain/tx/v1") + str(Self.chainID) + str(env["type"]!) + bytes(Hex.decode(env["body"]!)!)
                + [suite.keys.rawValue] + bytes(key.bytes) + withUnsafeBytes(of: UInt64(env["nonce"]!)!.bigEndian, Array.init)
            #expect(Hex.encode(expected) == tx["signingBytesHex"] as? String, "\(env["type"]!)")
            #expect(suite.hashSuite.digest(expected).hex == tx["hash"] as? String)
            #expect(key.verify(signature: Hex.decode(env["signature"]!)!, message: expected))
        }
        for c in doc["consents"] as! [[String: Any]] {
            let key = Self.key(c["key"] as! String, suite.keys).publicKey
            #expect(key.verify(signature: Hex.decode(c["signature"] as! String)!, message: Hex.decode(c["consentBytesHex"] as! String)!))
        }
        // A person commitment: H(str("yongchain/person/v1") ‖ u8(1) ‖ str(idNumber) ‖ bytes(salt)), H the chain's hash.
        let commitments = doc["personCommitments"] as! [[String: String]]
        #expect(commitments.count == 2)
        for c in commitments {
            let preimage = str("yongchain/person/v1") + [1] + str(c["idNumber"]!) + bytes(Hex.decode(c["salt"]!)!)
            #expect(suite.hashSuite.digest(preimage).hex == c["commitment"])
            #expect(((doc["transactions"] as! [[String: Any]])[0]["bodyHex"] as! String).contains(c["commitment"]!), "property.register names the owner by commitment")
        }
        if suite.hashSuite == .sm3 {
            let examples = doc["hashExamples"] as! [[String: String]]
            #expect(examples.map { $0["digest"]! } == ["66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
                                                      "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"])
        }
    }
}
