import Testing
@testable import YongchainCore
@testable import YongchainCrypto
import YongchainTestSupport


func key(_ n: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: n, count: 32)) }

@Suite struct EncodingTests {
    let chain = "test-chain"

    @Test func canonicalIntegersAreBigEndianFixedWidth() {
        var w = CanonicalWriter()
        w.u16(0x0102); w.u32(0x0304_0506); w.u64(0x0708_090A_0B0C_0D0E); w.string("é"); w.bool(true)
        #expect(w.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 0, 0, 2, 0xC3, 0xA9, 1])
    }

    /// The writer's integers and strings against a byte-at-a-time reference: shifts for the integers, the length then
    /// `Array(s.utf8)` for a string, on seeded random values and strings (empty, ASCII, two- to four-byte UTF-8).
    @Test func canonicalWriterMatchesAByteAtATimeReference() {
        var rng = SplitMix64(seed: 16)
        let pieces = ["", "a", "é", "漢", "🏠", "mortgage.apply", "\u{0}"]
        for _ in 0..<2_000 {
            var w = CanonicalWriter(capacity: 0)
            var expected: [UInt8] = []
            func be(_ v: UInt64, _ width: Int) { for i in (0..<width).reversed() { expected.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
            for _ in 0..<rng.int(0...6) {
                let v = rng.next()
                switch rng.int(0...4) {
                case 0: w.u16(UInt16(truncatingIfNeeded: v)); be(v & 0xffff, 2)
                case 1: w.u32(UInt32(truncatingIfNeeded: v)); be(v & 0xffff_ffff, 4)
                case 2: w.u64(v); be(v, 8)
                case 3: w.i64(Int64(bitPattern: v)); be(v, 8)
                default:
                    let s = (0..<rng.int(0...4)).map { _ in pieces[rng.int(0...pieces.count - 1)] }.joined()
                    w.string(s)
                    let utf8 = Array(s.utf8)
                    be(UInt64(utf8.count), 4)
                    expected += utf8
                }
            }
            #expect(w.bytes == expected)
        }
    }

    /// Golden vector: if this changes, every signature and hash on existing chains breaks.
    @Test func transactionGoldenVector() {
        let tx = Transaction.signed(type: "enterprise.register", body: [1, 2, 3], nonce: 42, key: key(7), chainID: chain)
        #expect(Hex.encode(tx.signingBytes(chainID: chain)) ==
            "0000000f796f6e67636861696e2f74782f76310000000a746573742d636861696e00000013656e74657270726973652e7265676973746572000000030102030100000020ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c000000000000002a")
        #expect(tx.hash(on: Chain(id: chain, hashSuite: .sha256)).hex == HashSuite.sha256.digest(tx.signingBytes(chainID: chain)).hex)
    }

    @Test func roundTripsOnRandomValues() throws {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<200 {
            let body = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let tx = Transaction.signed(type: "t\(rng.next() % 100)", body: body, nonce: rng.next(), key: key(UInt8(rng.next() % 5)), chainID: chain)
            #expect(try Transaction(canonical: tx.canonicalBytes) == tx)
            let vote = Vote(type: rng.next() % 2 == 0 ? .prevote : .precommit, height: rng.next() % 1000, round: Int32(rng.next() % 10),
                            blockHash: rng.next() % 3 == 0 ? nil : HashSuite.sha256.digest(body), validator: Int(rng.next() % 7), signature: Array(body.prefix(64)))
            #expect(try Vote(canonical: vote.canonicalBytes) == vote)
            let header = BlockHeader(chain: Chain(id: chain, hashSuite: .sha256), height: rng.next() % 10_000, time: Int64(rng.next() % 1_000_000), previousBlockHash: HashSuite.sha256.digest(body),
                                     lastCommitHash: .zero, txRoot: .zero, resultsHash: HashSuite.sha256.digest([2]), stateRoot: HashSuite.sha256.digest([1]),
                                     validatorsHash: .zero, nextValidatorsHash: HashSuite.sha256.digest([3]), proposer: key(1).publicKey)
            let cert = CommitCertificate(height: header.height, round: 0, blockHash: header.hash,
                                         signatures: [.init(validator: 0, signature: Array(repeating: 9, count: 64))])
            let block = Block(header: header, transactions: [tx], lastCommit: rng.next() % 2 == 0 ? nil : cert)
            #expect(try Block(canonical: block.canonicalBytes, hashSuite: .sha256) == block)
        }
    }

    @Test func decodingRejectsTruncationTrailingBytesAndLies() {
        let tx = Transaction.signed(type: "x", body: [1], nonce: 1, key: key(1), chainID: chain)
        let bytes = tx.canonicalBytes
        for n in 0..<bytes.count {
            #expect(throws: EncodingError.self) { try Transaction(canonical: Array(bytes.prefix(n))) }
        }
        #expect(throws: EncodingError.self) { try Transaction(canonical: bytes + [0]) }
        // A list claiming four billion items in a few bytes is refused before allocating.
        #expect(throws: EncodingError.self) { try Block(canonical: BlockHeaderFixture.header.canonicalBytes + [0xff, 0xff, 0xff, 0xff], hashSuite: .sha256) }
    }

    @Test func signaturesBindChainIDAndDomain() {
        let k = key(3)
        let tx = Transaction.signed(type: "enterprise.register", body: [9, 9], nonce: 5, key: k, chainID: chain)
        #expect(tx.verifySignature(chainID: chain))
        #expect(!tx.verifySignature(chainID: "other-chain"))
        // Any changed byte of the signed message invalidates it.
        let signing = tx.signingBytes(chainID: chain)
        for i in signing.indices {
            var m = signing
            m[i] ^= 0x80
            #expect(!k.publicKey.verify(signature: tx.signature, message: m))
        }
        // The same bytes under another domain tag do not verify: a vote signature is no transaction signature.
        let vote = Vote(type: .prevote, height: 1, round: 0, blockHash: .zero, validator: 0)
        let voteSig = k.sign(vote.signingBytes(chainID: chain))
        let inner = Array(vote.signingBytes(chainID: chain).dropFirst(Domain.vote.signingBytes(chainID: chain, message: []).count))
        #expect(!k.publicKey.verify(signature: voteSig, message: Domain.proposal.signingBytes(chainID: chain, message: inner)))
        #expect(k.publicKey.verify(signature: voteSig, message: Domain.vote.signingBytes(chainID: chain, message: inner)))
        // Changed fields of a transaction invalidate its signature.
        let altered = Transaction(type: tx.type, body: [9, 8], signer: tx.signer, nonce: tx.nonce, signature: tx.signature)
        #expect(!altered.verifySignature(chainID: chain))
        let renonced = Transaction(type: tx.type, body: tx.body, signer: tx.signer, nonce: 6, signature: tx.signature)
        #expect(!renonced.verifySignature(chainID: chain))
    }
}

enum BlockHeaderFixture {
    static let header = BlockHeader(chain: Chain(id: "c", hashSuite: .sha256), height: 1, time: 1, previousBlockHash: .zero, lastCommitHash: .zero, txRoot: .zero,
                                    resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero, nextValidatorsHash: .zero,
                                    proposer: key(1).publicKey)
}
