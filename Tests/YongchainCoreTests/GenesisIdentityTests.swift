import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto
import YongchainTestSupport

/// The chain's identity is SHA-256 over the genesis's tagged canonical bytes, decided by this code alone.
@Suite struct GenesisIdentityTests {
    static func fixedKey(_ byte: UInt8) -> PublicKey { PublicKey(suite: .ed25519, bytes: [UInt8](repeating: byte, count: 32))! }

    /// One organisation, default consensus: small enough to read the bytes.
    static let small = Genesis(chainID: "golden-1", genesisTime: 1_700_000_000_000, organizations: [
        Organization(name: "registry", role: .registry, authorities: [.realEstate, .trade], publicKey: fixedKey(0x11),
                     address: "http://10.0.0.1:26601"),
    ])

    /// Several organisations, a non-voting member and non-default timing.
    static var consortium: Genesis {
        var g = Genesis(chainID: "city-mortgage-1", genesisTime: 1_590_969_600_000, organizations: [
            Organization(name: "registry", role: .registry, authorities: [.realEstate], publicKey: fixedKey(0x01), address: "http://10.0.0.1:26601"),
            Organization(name: "trade-authority", role: .registry, authorities: [.trade], publicKey: fixedKey(0x02), address: "http://10.0.0.2:26601"),
            Organization(name: "bank-a", role: .bank, publicKey: fixedKey(0x03), address: "http://10.0.0.3:26601", power: 2),
            Organization(name: "bank-c", role: .bank, publicKey: fixedKey(0x04), address: "http://10.0.0.5:26601", power: 0),
        ])
        g.consensus.timeoutProposeMs = 4000
        g.consensus.emptyBlockIntervalMs = 200
        return g
    }

    /// Golden vectors: if one changes, every chain's identity changes and every node refuses its database.
    @Test func goldenVector() {
        #expect(Hex.encode(Self.small.identityBytes) == Self.smallIdentityHex)
        #expect(Self.small.hash.hex == Self.smallHash)
        #expect(Self.consortium.hash.hex == Self.consortiumHash)
        // The same layout as every signed message: tag, chain id, then the rest.
        let afterChainID = Array(Self.small.canonicalBytes.dropFirst(4 + Self.small.chainID.utf8.count))
        #expect(Self.small.identityBytes == Domain.genesis.signingBytes(chainID: Self.small.chainID, message: afterChainID))
    }

    /// str(tag) str(chainId) i64(time) list(1 org: name, role, authorities, key text, address, power) 9 × i64(timing),
    /// checked against an independent implementation of the layout in `Genesis+Canonical.swift`.
    static let smallIdentityHex = [
        "00000014796f6e67636861696e2f67656e657369732f7631",  // str("yongchain/genesis/v1")
        "00000008676f6c64656e2d31",  // str("golden-1")
        "0000018bcfe56800",  // i64(1_700_000_000_000)
        "00000001",  // one organisation
        "000000087265676973747279000000087265676973747279",  // str("registry") str("registry")
        "000000020000000a7265616c45737461746500000005747261646500000048",  // [realEstate, trade], then the key's length
        "656432353531393a" + String(repeating: "31", count: 64),  // "ed25519:" + 64 × "1"
        "00000015687474703a2f2f31302e302e302e313a3236363031",  // str("http://10.0.0.1:26601")
        "0000000000000001",  // power 1
        "0000000000000bb800000000000001f400000000000003e800000000000001f400000000000003e800000000000001f4",
        "00000000000007d0000000000000006400000000000003e8",  // default timing, then maxBlockTransactions 1000
    ].joined()
    static let smallHash = "7e86fd86539bef2414ec109e6e2ca08f005e3fd02d976e62d5db25e1abc3af08"
    static let consortiumHash = "5c4aa4613b503383824fd7a410e1f3681132e9f9baead4170a69fae7400d8b7e"

    @Test func everyFieldIsPartOfTheIdentity() {
        let base = Self.consortium
        var variants: [(String, (inout Genesis) -> Void)] = [
            ("chainID", { $0.chainID += "x" }),
            ("genesisTime", { $0.genesisTime += 1 }),
            ("an organisation more", { $0.organizations.append(Organization(name: "bank-d", role: .bank, publicKey: Self.fixedKey(9), address: "http://x")) }),
            ("organisation order", { $0.organizations.swapAt(0, 1) }),
            ("name", { $0.organizations[0].name += "x" }),
            ("role", { $0.organizations[2].role = .registry }),
            ("authorities", { $0.organizations[0].authorities.append(.trade) }),
            ("publicKey", { $0.organizations[0].publicKey = Self.fixedKey(0x0f).text }),
            ("address", { $0.organizations[0].address += "0" }),
            ("power", { $0.organizations[3].power = 1 }),
        ]
        let timing: [WritableKeyPath<ConsensusParameters, Int>] = [
            \.timeoutProposeMs, \.timeoutProposeDeltaMs, \.timeoutPrevoteMs, \.timeoutPrevoteDeltaMs, \.timeoutPrecommitMs,
            \.timeoutPrecommitDeltaMs, \.emptyBlockIntervalMs, \.minBlockIntervalMs, \.maxBlockTransactions,
        ]
        for k in timing { variants.append(("consensus \(k)", { $0.consensus[keyPath: k] += 1 })) }
        var seen: Set<Hash> = [base.hash]
        for (what, change) in variants {
            var g = base
            change(&g)
            #expect(seen.insert(g.hash).inserted, "changing \(what) must change the identity")
        }
    }

    /// The file's layout is not the identity: pretty or compact, any key order, the same genesis.
    @Test func jsonLayoutDoesNotChangeTheIdentity() throws {
        let compact = try JSONEncoder().encode(Self.consortium)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
        for data in [compact, try pretty.encode(Self.consortium)] {
            #expect(try JSONDecoder().decode(Genesis.self, from: data).hash == Self.consortium.hash)
        }
    }

    @Test func canonicalBytesRoundTripOnRandomGeneses() throws {
        var rng = SplitMix64(seed: 7)
        func text(_ n: UInt64) -> String { String((0..<Int(rng.next() % n)).map { _ in Character(UnicodeScalar(UInt8(32 + rng.next() % 95))) }) + "é" }
        for _ in 0..<200 {
            var g = Genesis(chainID: text(20), genesisTime: Int64(bitPattern: rng.next()), organizations: (0..<Int(rng.next() % 6)).map { i in
                Organization(name: text(30), role: rng.next() % 2 == 0 ? .bank : .registry,
                             authorities: Array(Authority.allCases.prefix(Int(rng.next() % 3))),
                             publicKey: Self.fixedKey(UInt8(i)), address: text(40), power: rng.next())
            })
            g.consensus.timeoutPrevoteMs = Int(truncatingIfNeeded: rng.next())
            g.consensus.maxBlockTransactions = Int(rng.next() % 10_000)
            #expect(try Genesis(canonical: g.canonicalBytes) == g)
            let bytes = g.canonicalBytes
            #expect(throws: EncodingError.self) { try Genesis(canonical: Array(bytes.dropLast())) }
            #expect(throws: EncodingError.self) { try Genesis(canonical: bytes + [0]) }
        }
    }
}

/// The hash suite is chosen in genesis: it is part of the chain's identity (as a tagged tail, so genesis files
/// without it keep theirs), and the identity is hashed with it.
@Suite struct GenesisHashSuiteTests {
    @Test func aGenesisNamingSM3IsAnotherChainHashedWithSM3() throws {
        let plain = GenesisIdentityTests.small
        var sm = plain
        sm.hashSuite = .sm3
        #expect(plain.chain.hashSuite == .sha256 && sm.chain.hashSuite == .sm3)
        #expect(sm.identityBytes == plain.identityBytes + [2, 0, 0, 0, 3] + Array("sm3".utf8))
        #expect(sm.hash == HashSuite.sm3.digest(sm.identityBytes))
        #expect(plain.hash == HashSuite.sha256.digest(plain.identityBytes))
        // Naming the default is still naming it: a different identity from a genesis that names none.
        var named = plain
        named.hashSuite = .sha256
        #expect(named.hash != plain.hash && named.hash == HashSuite.sha256.digest(named.identityBytes))
        // Both tails, governance first: the bytes decode back to the same genesis.
        var both = sm
        both.governance = GovernanceRules()
        #expect(try Genesis(canonical: both.canonicalBytes) == both)
        #expect(try Genesis(canonical: sm.canonicalBytes) == sm)
    }

    @Test func tailsOutOfOrderRepeatedOrUnknownAreRefused() {
        let base = GenesisIdentityTests.small.canonicalBytes
        let sm3: [UInt8] = [2, 0, 0, 0, 3] + Array("sm3".utf8)
        var gov = CanonicalWriter()
        gov.u8(1)
        gov.item(GovernanceRules())
        for bad in [base + sm3 + gov.bytes, base + sm3 + sm3, base + [3], base + [2, 0, 0, 0, 3] + Array("md5".utf8)] {
            #expect(throws: EncodingError.self) { _ = try Genesis(canonical: bad) }
        }
    }

    @Test func theJSONFieldIsReadAndAnUnknownSuiteRefused() throws {
        var sm = GenesisIdentityTests.small
        sm.hashSuite = .sm3
        let json = try JSONEncoder().encode(sm)
        #expect(String(decoding: json, as: UTF8.self).contains("\"hashSuite\":\"sm3\""))
        #expect(try JSONDecoder().decode(Genesis.self, from: json) == sm)
        let bad = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"sm3\"", with: "\"md5\"")
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(Genesis.self, from: Data(bad.utf8)) }
        // Absent: sha256, as every genesis written before suites existed.
        #expect(try JSONDecoder().decode(Genesis.self, from: try JSONEncoder().encode(GenesisIdentityTests.small)).chain.hashSuite == .sha256)
    }

    /// A header names its chain, so it is hashed with the chain's suite; bytes alone do not say which: decoding
    /// one without the suite is refused with an error, never guessed.
    @Test func aHeaderIsHashedWithItsChainsSuiteAndNotDecodedWithoutIt() throws {
        let key = GenesisIdentityTests.fixedKey(0x11)
        func header(_ s: HashSuite) -> BlockHeader {
            BlockHeader(chain: Chain(id: "c", hashSuite: s), height: 1, time: 1, previousBlockHash: .zero, lastCommitHash: .zero, txRoot: .zero,
                        resultsHash: .zero, stateRoot: .zero, validatorsHash: .zero, nextValidatorsHash: .zero, proposer: key)
        }
        let sha = header(.sha256), sm = header(.sm3)
        #expect(sha.canonicalBytes == sm.canonicalBytes)
        #expect(sha.hash == HashSuite.sha256.digest(sha.canonicalBytes) && sm.hash == HashSuite.sm3.digest(sm.canonicalBytes))
        #expect(try BlockHeader(canonical: sm.canonicalBytes, hashSuite: .sm3) == sm)
        #expect(throws: EncodingError.self) { _ = try BlockHeader(canonical: sm.canonicalBytes) }
        #expect(throws: EncodingError.self) { _ = try Block(canonical: Block(header: sm, transactions: [], lastCommit: nil).canonicalBytes) }
    }

    /// A malformed SM2 point in canonical bytes (or JSON) is an error naming the field, never a key.
    @Test func aMalformedSM2KeyIsRefusedWhereverItIsRead() throws {
        var w = CanonicalWriter()
        w.u8(SignatureSuite.sm2.rawValue)
        w.bytes([0x04] + [UInt8](repeating: 7, count: 64))
        var r = CanonicalReader(w.bytes)
        #expect(throws: EncodingError.self) { _ = try r.publicKey("signer") }
        var g = GenesisIdentityTests.small
        g.organizations[0].publicKey = "sm2:04" + String(repeating: "07", count: 64)
        #expect(throws: GenesisError.self) { try g.validate() }
    }
}
