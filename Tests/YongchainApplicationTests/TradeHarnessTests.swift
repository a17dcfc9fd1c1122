import Testing
@testable import YongchainApplication
import YongchainCore
import YongchainCrypto

/// Committed state for trade tests: an ordered key-value map, scanned in key order like the real store.
final class TradeMemoryState: StateReader {
    private(set) var entries: [[UInt8]: [UInt8]] = [:]

    func get(_ key: [UInt8]) -> [UInt8]? { entries[key] }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        entries.filter { e in e.key.starts(with: prefix) && (after.map { $0.lexicographicallyPrecedes(e.key) } ?? true) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .prefix(limit)
            .map { ($0.key, $0.value) }
    }

    func apply(_ writes: [(key: [UInt8], value: [UInt8]?)]) {
        for w in writes { entries[w.key] = w.value }
    }
}

/// A chain with a trade registry, a real-estate registry, two banks and two registered exporters, driven one
/// transaction per block the way the node drives the application: execute, keep or discard, commit.
final class TradeFixture {
    static let chainID = "trade-test"
    static let genesisTime: Int64 = 1_600_000_000_000

    let app = LedgerApplication()
    let state = TradeMemoryState()
    let tradeRegistry = TradeFixture.key(1)
    let realEstate = TradeFixture.key(2)
    let bankA = TradeFixture.key(3)
    let bankB = TradeFixture.key(4)
    let exporterXKey = TradeFixture.key(10)
    let exporterYKey = TradeFixture.key(11)
    let exporterX = TradeFixture.code("91310000MA1FL0001")
    let exporterY = TradeFixture.code("91310000MA1FL0002")
    private(set) var height: UInt64 = 0
    private var nonce: UInt64 = 0
    /// The parties of the last transaction `submit` ran (member names).
    private(set) var lastParties: [String] = []

    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }
    static func code(_ first17: String) -> CreditCode { try! CreditCode(first17 + String(CreditCode.checkCharacter(for: first17)!)) }
    static func number(_ n: Int) -> DeclarationNumber { try! DeclarationNumber("2231202000" + TradeWire.pad(UInt64(n), 8)) }
    static func cny(_ minor: Int64) -> Money { try! Money(minorUnits: minor, currency: try! Currency("CNY")) }
    static func usd(_ minor: Int64) -> Money { try! Money(minorUnits: minor, currency: try! Currency("USD")) }
    static func digest(_ s: String) -> Hash { HashSuite.sha256.digest(Array(s.utf8)) }

    /// Block time of the next block: one second per block after genesis.
    var nextTime: Int64 { TradeFixture.genesisTime + Int64(height + 1) * 1000 }

    init(registerExporters: Bool = true) {
        let orgs = [
            Organization(name: "Trade Authority", role: .registry, authorities: [.trade], publicKey: tradeRegistry.publicKey, address: "http://127.0.0.1:1"),
            Organization(name: "Real Estate Centre", role: .registry, authorities: [.realEstate], publicKey: realEstate.publicKey, address: "http://127.0.0.1:2"),
            Organization(name: "Bank A", role: .bank, publicKey: bankA.publicKey, address: "http://127.0.0.1:3"),
            Organization(name: "Bank B", role: .bank, publicKey: bankB.publicKey, address: "http://127.0.0.1:4"),
        ]
        let genesis = Genesis(chainID: TradeFixture.chainID, genesisTime: TradeFixture.genesisTime, organizations: orgs)
        let overlay = StateOverlay(base: state)
        try! app.initialize(genesis: genesis, state: overlay)
        state.apply(overlay.blockWrites)
        if registerExporters {
            expectOK(submit(RegisterEnterprise(creditCode: exporterX, name: "Exporter X Ltd", publicKey: exporterXKey.publicKey), by: tradeRegistry))
            expectOK(submit(RegisterEnterprise(creditCode: exporterY, name: "Exporter Y Ltd", publicKey: exporterYKey.publicKey), by: tradeRegistry))
        }
    }

    func transaction<P: Payload>(_ p: P, by key: PrivateKey) -> Transaction {
        nonce += 1
        return p.transaction(key: key, nonce: nonce, chainID: TradeFixture.chainID)
    }

    /// Executes `tx` alone in a new block and commits its writes if it succeeded.
    @discardableResult
    func submit(_ tx: Transaction, time: Int64? = nil) -> (result: TxResult, hash: Hash) {
        height += 1
        let hash = tx.hash(on: Chain(id: TradeFixture.chainID, hashSuite: .sha256))
        let ctx = BlockContext(chain: Chain(id: TradeFixture.chainID, hashSuite: .sha256), height: height, time: time ?? (TradeFixture.genesisTime + Int64(height) * 1000),
                               txHash: hash, txIndex: 0)
        let overlay = StateOverlay(base: state)
        let r = app.execute(tx, context: ctx, state: overlay)
        if r.isOK { overlay.commitTransaction() } else { overlay.discardTransaction() }
        // As the node's executor does: the party logs after the transaction's writes were kept or discarded.
        lastParties = try! app.recordParties([ExecutedTransaction(transaction: tx, hash: hash, result: r)], chain: ctx.chain, height: height,
                                        state: overlay)[0]
        state.apply(overlay.blockWrites)
        return (r, hash)
    }

    @discardableResult
    func submit<P: Payload>(_ p: P, by key: PrivateKey, time: Int64? = nil) -> (result: TxResult, hash: Hash) {
        submit(transaction(p, by: key), time: time)
    }

    /// Executes without discarding, and returns the overlay so a test can see what the handler itself wrote.
    func executeKeepingWrites<P: Payload>(_ p: P, by key: PrivateKey) -> (TxResult, StateOverlay) {
        height += 1
        let tx = transaction(p, by: key)
        let ctx = BlockContext(chain: Chain(id: TradeFixture.chainID, hashSuite: .sha256), height: height, time: nextTime, txHash: tx.hash(on: Chain(id: TradeFixture.chainID, hashSuite: .sha256)), txIndex: 0)
        let overlay = StateOverlay(base: state)
        return (app.execute(tx, context: ctx, state: overlay), overlay)
    }

    /// The fields the bank holds for declaration `n` of `exporter`, worth `amount`.
    func fields(_ n: Int, _ exporter: CreditCode? = nil, _ amount: Money = TradeFixture.cny(100_000)) -> DeclarationFields {
        DeclarationFields(number: TradeFixture.number(n), exporter: exporter ?? exporterX, amount: amount, exportDate: 20200315,
                          documentDigest: TradeFixture.digest("declaration \(n)"))
    }

    /// Publishes declarations as the trade authority; returns the held fields for each.
    @discardableResult
    func publish(_ fs: [DeclarationFields]) -> [DeclarationFields] {
        expectOK(submit(PublishDeclarations(declarations: fs.map { PublishedDeclaration($0, suite: .sha256) }), by: tradeRegistry))
        return fs
    }

    func finance(_ bank: PrivateKey, _ amount: Money, _ pledges: [(DeclarationFields, Money)], exporter: CreditCode? = nil) -> (result: TxResult, hash: Hash) {
        submit(RecordFinancing(exporter: exporter ?? exporterX, amount: amount,
                               pledges: pledges.map { PledgeRequest(declaration: $0.0, amount: $0.1) }), by: bank)
    }

    func declaration(_ n: Int) -> DeclarationRecord? { try! DeclarationRecord.load(TradeFixture.number(n), state) }

    func expectOK(_ r: (result: TxResult, hash: Hash), sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.result == .ok, "\(r.result.code): \(r.result.message)", sourceLocation: sourceLocation)
    }
}

@Suite struct TradeHarnessTests {
    @Test func memoryStateScansInKeyOrderAfterCursor() {
        let s = TradeMemoryState()
        s.apply([(Array("a/2".utf8), [2]), (Array("a/1".utf8), [1]), (Array("b/1".utf8), [3]), (Array("a/3".utf8), [4])])
        #expect(s.scan(prefix: Array("a/".utf8), after: nil, limit: 10).map(\.value) == [[1], [2], [4]])
        #expect(s.scan(prefix: Array("a/".utf8), after: Array("a/1".utf8), limit: 1).map(\.value) == [[2]])
    }

    @Test func fixtureRegistersBothExporters() {
        let f = TradeFixture()
        #expect(Identity.enterprise(f.exporterX, f.state)?.name == "Exporter X Ltd")
        #expect(Identity.enterprise(f.exporterY, f.state)?.publicKey == f.exporterYKey.publicKey)
    }
}
