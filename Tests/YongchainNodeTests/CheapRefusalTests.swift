import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// Refusals decided before the work they make pointless (docs/http.md, "A full pool"): a full pool refuses a
/// submission before its body is parsed, a transaction (a peer's gossip, a batch's later items) before the
/// application's check; a batch over its size before its envelopes are decoded. The node here runs no consensus, so
/// what the pool holds stays.
@Suite(.serialized) struct CheapRefusalTests {
    typealias Fixture = HostileInputTests.Fixture

    /// `property.register` transactions of the fixture's registry, `count` distinct units.
    static func registers(_ f: Fixture, _ count: Int, signer: PrivateKey? = nil) throws -> [Transaction] {
        let owner = try PrivateKey.generate()
        let first = "11010519800000001"
        let opening = try PersonOpening(id: try ResidentID(first + String(try #require(ResidentID.checkCharacter(for: first)))),
                                        salt: Array(repeating: 7, count: PersonOpening.drawnSaltBytes))
        return try (0..<count).map { i in
            let p = RegisterProperty(unitNumber: try UnitNumber(String(format: "110101000000GB%05dF%08d", i, i)), titleCertificateNumber: "BJ-\(i)",
                                     owners: [PropertyOwner(id: .person(opening, suite: .sha256), publicKey: owner.publicKey)],
                                     area: 8_950, use: "residential")
            return try p.transaction(key: signer ?? f.registry, nonce: UInt64(i), chainID: f.chain)
        }
    }

    static func json(_ tx: Transaction) throws -> [UInt8] { Array(try JSONEncoder().encode(TransactionJSON(tx))) }

    static func refusedUnparsed(_ f: Fixture) throws -> Int {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /metrics HTTP/1.1\r\nHost: node\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { throw CancellationError() }
        let text = String(decoding: f.api.handle(req).body, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("yongchain_mempool_refused_unparsed_total ") })
        return try #require(Int(line.split(separator: " ")[1]))
    }

    /// Fails on the code before: a body that is not JSON was refused 400 MALFORMED_JSON, a batch's items each
    /// answered in a 200, a known transaction answered "pending".
    @Test func aFullPoolRefusesASubmissionBeforeParsingItsBody() throws {
        let f = try Fixture(mempoolMaxTransactions: 1)
        let txs = try Self.registers(f, 2)
        #expect(f.send("POST", "/v1/txs", body: try Self.json(txs[0])) == (202, ""))
        #expect(try Self.refusedUnparsed(f) == 0)
        let garbage = Array("{not json at all".utf8)
        #expect(f.send("POST", "/v1/txs", body: garbage) == (503, "MEMPOOL_FULL"))
        #expect(f.send("POST", "/v1/txs/batch", body: garbage) == (503, "MEMPOOL_FULL"))
        #expect(f.send("POST", "/v1/txs?wait=commit", body: []) == (503, "MEMPOOL_FULL"))
        // A transaction the pool would take but for its size, and one it already holds: refused alike, unparsed.
        #expect(f.send("POST", "/v1/txs", body: try Self.json(txs[1])) == (503, "MEMPOOL_FULL"))
        #expect(f.send("POST", "/v1/txs", body: try Self.json(txs[0])) == (503, "MEMPOOL_FULL"))
        let batch = Array(#"{"transactions":[\#(String(decoding: try Self.json(txs[1]), as: UTF8.self))]}"#.utf8)
        #expect(f.send("POST", "/v1/txs/batch", body: batch) == (503, "MEMPOOL_FULL"))
        #expect(try Self.refusedUnparsed(f) == 6)
        // The query's parameters are still checked first: a bad one is the caller's mistake whatever the pool holds.
        #expect(f.send("POST", "/v1/txs?wait=soon", body: garbage) == (400, "INVALID_PARAMETER"))
        #expect(f.node.admission.mempool.count == 1)
        // What the pool holds is still answered: the known transaction stays readable as pending.
        #expect(f.send("GET", "/v1/txs/\(txs[0].hash(on: f.node.admission.chain).hex)").0 == 200)
    }

    /// The pool full by its bytes rather than its count is full too, for any transaction: `isFull` holds once not
    /// even a transaction's fixed overhead fits.
    @Test func aPoolFullByItsBytesIsFull() throws {
        let f = try Fixture()
        let tx = try Self.registers(f, 1)[0]
        var limits = MempoolLimits()
        limits.maxBytes = tx.canonicalSize + Mempool.entryOverhead * 2 + 1
        let pool = Mempool(limits: limits)
        #expect(!pool.isFull)
        #expect(pool.add(tx, hash: tx.hash(on: f.node.admission.chain)) == .added)
        #expect(!pool.isFull)   // an overhead and one byte more still fit
        var tight = MempoolLimits()
        tight.maxBytes = tx.canonicalSize + Mempool.entryOverhead * 2
        let full = Mempool(limits: tight)
        #expect(full.add(tx, hash: tx.hash(on: f.node.admission.chain)) == .added)
        #expect(full.isFull)
        #expect(full.countedBytes == tx.canonicalSize + Mempool.entryOverhead)
    }

    /// A peer's transactions reaching a full pool are refused after the signature (kept in the memo for the block
    /// that will carry them) but before the application's check. Fails on the code before: the transaction of a key
    /// the chain does not know was refused UNKNOWN_SIGNER, its body decoded and its signer's standing read.
    @Test func aFullPoolRefusesGossipBeforeTheApplicationsCheck() throws {
        let f = try Fixture(mempoolMaxTransactions: 1)
        let txs = try Self.registers(f, 1)
        let stranger = try Self.registers(f, 2, signer: try PrivateKey.generate())[1]
        #expect(f.node.admission.admit([stranger], relay: false)[0].refusal?.code == Codes.unknownSigner)
        #expect(f.node.admission.admit(txs, relay: false)[0].added)
        #expect(f.node.admission.admit([stranger], relay: false)[0].refusal?.code == NodeCode.mempoolFull)
        var signature = stranger.signature
        signature[0] ^= 1
        let forged = Transaction(type: stranger.type, body: stranger.body, signer: stranger.signer, nonce: stranger.nonce, signature: signature)
        #expect(f.node.admission.admit([forged], relay: false)[0].refusal?.code == NodeCode.badSignature)
    }

    /// Fails on the code before: every envelope was decoded before the batch's size was checked, so 1,001 empty
    /// envelopes were refused MISSING_FIELD naming the first one.
    @Test func aBatchOverItsSizeIsRefusedBeforeItsEnvelopesAreDecoded() throws {
        let f = try Fixture()
        let tooMany = Array(#"{"transactions":[\#(Array(repeating: "{}", count: 1_001).joined(separator: ","))]}"#.utf8)
        #expect(f.send("POST", "/v1/txs/batch", body: tooMany) == (400, "INVALID_BATCH"))
        #expect(f.send("POST", "/v1/txs/batch", body: Array(#"{"transactions":[]}"#.utf8)) == (400, "INVALID_BATCH"))
        #expect(f.send("POST", "/v1/txs/batch", body: Array(#"{"transactions":[{}]}"#.utf8)) == (400, "MISSING_FIELD"))
        #expect(f.send("POST", "/v1/txs/batch", body: Array("{}".utf8)) == (400, "MISSING_FIELD"))
        #expect(f.send("POST", "/v1/txs/batch", body: Array(#"{"transactions":5}"#.utf8)) == (400, "INVALID_FIELD"))
        #expect(f.send("POST", "/v1/txs/batch", body: Array(#"{"transactions":[1]}"#.utf8)) == (400, "INVALID_FIELD"))
    }
}
