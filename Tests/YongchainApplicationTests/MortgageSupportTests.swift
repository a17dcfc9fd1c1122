import Testing
import YongchainCore
import YongchainCrypto
@testable import YongchainApplication

// The fixture the mortgage tests share. Names carry a `Mortgage` prefix because other areas' tests live in the
// same module.

/// Committed state for tests: a dictionary whose scan sorts keys, like the real store's ordered table.
final class MortgageMemoryState: StateReader {
    private(set) var entries: [[UInt8]: [UInt8]] = [:]

    func get(_ key: [UInt8]) -> [UInt8]? { entries[key] }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        entries.keys
            .filter { k in k.starts(with: prefix) && (after.map { $0.lexicographicallyPrecedes(k) } ?? true) }
            .sorted { $0.lexicographicallyPrecedes($1) }
            .prefix(limit)
            .map { ($0, entries[$0]!) }
    }

    /// Every entry as `key=hex`, in key order: comparable, and readable when a comparison fails.
    var snapshot: [String] {
        entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { "\(String(decoding: $0.key, as: UTF8.self))=\(Hex.encode($0.value))" }
    }

    func apply(_ writes: [(key: [UInt8], value: [UInt8]?)]) {
        for w in writes { entries[w.key] = w.value }
    }
}

/// A chain with a real-estate registry, a trade registry and two banks, driven block by block the way the node
/// drives the application: execute, keep an OK transaction's writes, discard a rejected one's.
final class MortgageFixture {
    static let chainID = "yongchain-test"
    /// 2020-06-01T00:00:00Z.
    static let june2020: Int64 = 1_590_969_600_000

    let app = LedgerApplication()
    let committed = MortgageMemoryState()
    private(set) var state: StateOverlay
    private(set) var height: UInt64 = 1
    private var txIndex = 0
    private var nonces: [PublicKey: UInt64] = [:]
    var time: Int64 = MortgageFixture.june2020
    /// The hash of the last transaction run, i.e. the id of an application it filed.
    private(set) var lastTxHash = Hash.zero

    let registry = MortgageFixture.key(1)
    let tradeRegistry = MortgageFixture.key(2)
    let bankA = MortgageFixture.key(3)
    let bankB = MortgageFixture.key(4)
    let owner1 = MortgageFixture.key(11)
    let owner2 = MortgageFixture.key(12)
    let stranger = MortgageFixture.key(13)

    /// People as the chain holds them: the commitment of identity and the salt the registry drew (fixed here).
    static let owner1Opening = MortgageFixture.opening("11010519491231002", salt: 0xa1)
    static let owner2Opening = MortgageFixture.opening("32050519800101123", salt: 0xa2)
    static let strangerOpening = MortgageFixture.opening("44030419900202234", salt: 0xa3)
    let owner1ID = ChainIdentity.person(MortgageFixture.owner1Opening, suite: .sha256)
    let owner2ID = ChainIdentity.person(MortgageFixture.owner2Opening, suite: .sha256)
    let strangerID = ChainIdentity.person(MortgageFixture.strangerOpening, suite: .sha256)
    let debtorCode = MortgageFixture.creditCode("91320505MA1XXXXX0")
    var debtorID: ChainIdentity { .organisation(debtorCode) }

    let unit1 = try! UnitNumber("320505001001GB00001F00010001")
    let unit2 = try! UnitNumber("320505001001GB00001F00010002")

    init() throws {
        state = StateOverlay(base: committed)
        func org(_ name: String, _ role: Role, _ auth: [Authority], _ k: PrivateKey) -> Organization {
            Organization(name: name, role: role, authorities: auth, publicKey: k.publicKey, address: "http://127.0.0.1:1")
        }
        let genesis = Genesis(chainID: MortgageFixture.chainID, genesisTime: MortgageFixture.june2020, organizations: [
            org("Suzhou Real Estate Registration Centre", .registry, [.realEstate], registry),
            org("Suzhou Customs", .registry, [.trade], tradeRegistry),
            org("Bank A", .bank, [], bankA),
            org("Bank B", .bank, [], bankB),
        ])
        try genesis.validate()
        try app.initialize(genesis: genesis, state: state)
        endBlock()
    }

    static func key(_ n: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: n, count: 32)) }
    static func residentID(_ first17: String) -> ResidentID {
        try! ResidentID(first17 + String(ResidentID.checkCharacter(for: first17)!))
    }
    /// `first17`'s resident identity number with a 16-byte salt of `salt` repeated.
    static func opening(_ first17: String, salt: UInt8) -> PersonOpening {
        try! PersonOpening(id: residentID(first17), salt: [UInt8](repeating: salt, count: 16))
    }
    static func creditCode(_ first17: String) -> CreditCode {
        try! CreditCode(first17 + String(CreditCode.checkCharacter(for: first17)!))
    }

    /// Runs one transaction in the current block. A rejection is checked to leave no writes behind even if its
    /// writes were kept: the handlers must not write before every rule has passed.
    @discardableResult
    func run<P: Payload>(_ payload: P, by key: PrivateKey, sourceLocation: SourceLocation = #_sourceLocation) -> TxResult {
        let nonce = (nonces[key.publicKey] ?? 0) + 1
        nonces[key.publicKey] = nonce
        return run(payload.transaction(key: key, nonce: nonce, chainID: MortgageFixture.chainID), sourceLocation: sourceLocation)
    }

    @discardableResult
    func run(_ tx: Transaction, sourceLocation: SourceLocation = #_sourceLocation) -> TxResult {
        let before = writes
        let hash = tx.hash(on: Chain(id: MortgageFixture.chainID, hashSuite: .sha256))
        let ctx = BlockContext(chain: Chain(id: MortgageFixture.chainID, hashSuite: .sha256), height: height, time: time, txHash: hash, txIndex: txIndex)
        txIndex += 1
        lastTxHash = hash
        let result = app.execute(tx, context: ctx, state: state)
        state.commitTransaction()
        if !result.isOK {
            #expect(writes == before, "rejected \(tx.type) (\(result.code)) wrote state", sourceLocation: sourceLocation)
        }
        return result
    }

    /// The current block's writes so far, comparable.
    var writes: [String] {
        state.blockWrites.map { "\(String(decoding: $0.key, as: UTF8.self))=\($0.value.map(Hex.encode) ?? "∅")" }
    }

    /// Commits the block and starts the next one, an hour later.
    func endBlock() {
        committed.apply(state.blockWrites)
        state = StateOverlay(base: committed)
        height += 1
        txIndex = 0
        time += 3_600_000
    }

    // MARK: - Builders

    func owner(_ id: ChainIdentity, _ key: PrivateKey) -> PropertyOwner {
        PropertyOwner(id: id, publicKey: key.publicKey)
    }

    func registration(_ unit: UnitNumber, title: String, owners: [PropertyOwner]) -> RegisterProperty {
        RegisterProperty(unitNumber: unit, titleCertificateNumber: title, owners: owners, area: 8950, use: "residential")
    }

    /// Registers `unit1` owned by owner1 alone and `unit2` co-owned by owner1 and owner2.
    func registerUnits() {
        #expect(run(registration(unit1, title: "苏(2019)苏州市不动产权第0000001号", owners: [owner(owner1ID, owner1)]), by: registry) == .ok)
        #expect(run(registration(unit2, title: "苏(2019)苏州市不动产权第0000002号",
                                 owners: [owner(owner1ID, owner1), owner(owner2ID, owner2)]), by: registry) == .ok)
    }

    /// An unsigned application by `bank` against `unit` naming `mortgagors`.
    func application(_ unit: UnitNumber, bank: PrivateKey, mortgagors: [ChainIdentity], principal: Int64 = 150_000_000) -> MortgageApplication {
        MortgageApplication(
            unitNumber: unit, mortgagee: bank.publicKey, mortgagors: mortgagors,
            debtor: MortgageDebtor(organisation: debtorCode, name: "Suzhou Widget Co., Ltd."),
            principal: try! Money(minorUnits: principal, currency: Currency("CNY")),
            term: MortgageTerm(start: try! .init("2020-06-01"), end: try! .init("2030-05-31")),
            mortgageType: .general, contractHash: HashSuite.sha256.digest(Array("contract for \(unit) \(principal)".utf8)))
    }

    /// An application on `unit1` by `bank`, signed by owner1.
    func signedApplication(bank: PrivateKey, principal: Int64 = 150_000_000) -> MortgageApplication {
        var a = application(unit1, bank: bank, mortgagors: [owner1ID], principal: principal)
        try! a.sign(for: owner1ID, with: owner1, chainID: MortgageFixture.chainID)
        return a
    }

    /// Files `application` by `bank` and returns its id, expecting OK.
    func file(_ application: MortgageApplication, by bank: PrivateKey, sourceLocation: SourceLocation = #_sourceLocation) -> Hash {
        #expect(run(application, by: bank) == .ok, sourceLocation: sourceLocation)
        return lastTxHash
    }
}
