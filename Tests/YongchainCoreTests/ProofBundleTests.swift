import Foundation
import Testing
@testable import YongchainCore
import YongchainCrypto

/// A small chain for proofs: four validators from fixed seeds, a state tree, headers and certificates signed as
/// the node signs them.
struct ProofChain {
    static let chainID = "proofs-1"
    static func key(_ seed: UInt8) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32)) }
    static let keys = (1...4).map { key(UInt8($0)) }

    static let genesis = Genesis(chainID: chainID, genesisTime: 1_700_000_000_000, organizations: keys.enumerated().map { i, k in
        Organization(name: "org-\(i + 1)", role: i == 0 ? .registry : .bank, authorities: i == 0 ? [.realEstate, .trade] : [],
                     publicKey: k.publicKey, address: "http://127.0.0.1:\(26601 + i)")
    })

    static func set(_ ks: [PrivateKey]) -> ValidatorSet {
        // Named as genesis names its organisations, so the genesis set is `set(keys)`.
        ValidatorSet(ks.map { k in
            let i = keys.firstIndex { $0.publicKey == k.publicKey }
            return Validator(name: i.map { "org-\($0 + 1)" } ?? "org-\(k.publicKey.text.suffix(6))", publicKey: k.publicKey, power: 1)
        })
    }

    /// The state the tests prove against: version 1 holds `entries`.
    static let entries: [(key: [UInt8], value: [UInt8]?)] = [
        (Array("declaration/D-0001".utf8), Array("published: CNY 1,000,000".utf8)),
        (Array("property/320505001001GB00001F00010001".utf8), Array("owners: 1".utf8)),
        (Array("financing-of/D-0001".utf8), Array("bank-a 800,000".utf8)),
    ]

    var store = MemoryTreeStore()
    var root: ChildRef?

    init(_ writes: [(key: [UInt8], value: [UInt8]?)] = ProofChain.entries) {
        apply(writes, version: 1)
    }

    mutating func apply(_ writes: [(key: [UInt8], value: [UInt8]?)], version: UInt64) {
        let u = try! StateTree.update(root: root, version: version, writes: writes, reader: store, suite: .sha256)
        store.apply(u)
        root = u.root
    }

    static func header(height: UInt64, stateRoot: Hash, validators: ValidatorSet, next: ValidatorSet? = nil,
                       chainID: String = ProofChain.chainID) -> BlockHeader {
        BlockHeader(chain: Chain(id: chainID, hashSuite: .sha256), height: height, time: 1_700_000_000_000 + Int64(height) * 1000,
                    previousBlockHash: HashSuite.sha256.digest([UInt8(height & 0xff)]), lastCommitHash: HashSuite.sha256.digest([7]), txRoot: HashSuite.sha256.digest([8]),
                    resultsHash: HashSuite.sha256.digest([9]), stateRoot: stateRoot, validatorsHash: validators.hash(.sha256),
                    nextValidatorsHash: (next ?? validators).hash(.sha256), proposer: validators[0].publicKey)
    }

    /// Precommits for `header` by `signers` (indices into `keys`, which must be the set's keys in order).
    static func certificate(_ header: BlockHeader, keys: [PrivateKey], signers: [Int], chainID: String = ProofChain.chainID) -> CommitCertificate {
        CommitCertificate(height: header.height, round: 0, blockHash: header.hash, signatures: signers.map { i in
            let v = Vote(type: .precommit, height: header.height, round: 0, blockHash: header.hash, validator: i)
            return .init(validator: i, signature: keys[i].sign(v.signingBytes(chainID: chainID)))
        })
    }

    func bundle(_ keys: [[UInt8]], header: BlockHeader, certificate: CommitCertificate,
                changes: [ProofBundle.ValidatorSetChange] = []) -> ProofBundle {
        let values = Dictionary(ProofChain.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        return ProofBundle(changes: changes, header: header, certificate: certificate, entries: keys.map { k in
            ProofBundle.Entry(key: k, value: values[k] ?? nil, proof: try! StateTree.prove(root: root, key: k, reader: store, suite: .sha256))
        })
    }

    /// A bundle for one present and one absent key at height 7, certified by validators 0, 1 and 2 of 4.
    func standard() -> ProofBundle {
        let set = ProofChain.set(ProofChain.keys)
        let h = ProofChain.header(height: 7, stateRoot: root!.hash, validators: set)
        return bundle([ProofChain.entries[0].key, Array("financing-of/D-0002".utf8)], header: h,
                      certificate: ProofChain.certificate(h, keys: ProofChain.keys, signers: [0, 1, 2]))
    }
}

@Suite struct ProofBundleTests {
    func failure(_ body: () throws -> Void) -> ProofFailure.Reason? {
        do { try body(); return nil } catch let f as ProofFailure { return f.reason } catch { return .malformed }
    }

    @Test func aBundleProvesPresenceAndAbsenceFromGenesisAlone() throws {
        let chain = ProofChain()
        let b = chain.standard()
        let decoded = try ProofBundle.decode(b.canonicalBytes, suite: .sha256)
        #expect(decoded == b)
        let v = try decoded.verify(genesis: ProofChain.genesis)
        #expect(v.height == 7 && v.stateRoot == chain.root!.hash && v.validators.count == 4)
        #expect(v.state.get(ProofChain.entries[0].key) == ProofChain.entries[0].value)
        #expect(v.state.get(Array("financing-of/D-0002".utf8)) == nil)
        try v.state.checkReads()
        // A key the bundle does not cover is never answered as absent.
        _ = v.state.get(Array("financing-of/D-0003".utf8))
        #expect(failure { try v.state.checkReads() } == .unprovenRead)
    }

    /// Every single-byte change to a bundle is refused, or still proves only what is true: a key of an absence
    /// proof may change into another absent key on the same path (the proof then rightly shows that one absent;
    /// an answer that needed the first key finds it unproven, PROOF_UNPROVEN_READ).
    @Test func everySingleByteChangeIsRejectedOrProvesOnlyTruth() throws {
        let bytes = ProofChain().standard().canonicalBytes
        let truth = Dictionary(ProofChain.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var lies: [Int] = []
        var harmless = 0
        for i in bytes.indices {
            var t = bytes
            t[i] ^= 0x01
            guard let b = try? ProofBundle.decode(t, suite: .sha256), (try? b.verify(genesis: ProofChain.genesis)) != nil else { continue }
            if b.entries.allSatisfy({ (truth[$0.key] ?? nil) == $0.value }) { harmless += 1 } else { lies.append(i) }
        }
        #expect(lies.isEmpty, "bytes \(lies.prefix(10)) of \(bytes.count) could change and prove something false")
        #expect(harmless <= 8, "\(harmless) changes still verified: only an absent key's own bytes may")
    }

    @Test func aProofAgainstAnotherHeightsHeaderIsRejected() throws {
        var chain = ProofChain()
        let old = chain.standard()
        chain.apply([(ProofChain.entries[0].key, Array("published: CNY 2,000,000".utf8))], version: 2)
        let set = ProofChain.set(ProofChain.keys)
        let newer = ProofChain.header(height: 8, stateRoot: chain.root!.hash, validators: set)
        var mixed = old
        mixed.header = newer
        mixed.certificate = ProofChain.certificate(newer, keys: ProofChain.keys, signers: [0, 1, 2])
        #expect(failure { _ = try mixed.verify(genesis: ProofChain.genesis) } == .state)
    }

    @Test func aCertificateFromTheWrongSetOrTooFewSignersIsRejected() throws {
        let chain = ProofChain()
        var b = chain.standard()
        let strangers = (11...14).map { ProofChain.key(UInt8($0)) }
        b.certificate = ProofChain.certificate(b.header, keys: strangers, signers: [0, 1, 2])
        #expect(failure { _ = try b.verify(genesis: ProofChain.genesis) } == .certificate)
        b.certificate = ProofChain.certificate(b.header, keys: ProofChain.keys, signers: [0, 1])
        #expect(failure { _ = try b.verify(genesis: ProofChain.genesis) } == .certificate)
        // A header naming a set the genesis does not trust, certified by that set.
        let theirs = ProofChain.set(strangers)
        b.header = ProofChain.header(height: 7, stateRoot: chain.root!.hash, validators: theirs)
        b.certificate = ProofChain.certificate(b.header, keys: strangers, signers: [0, 1, 2, 3])
        #expect(failure { _ = try b.verify(genesis: ProofChain.genesis) } == .wrongValidators)
    }

    @Test func aHeaderFromAnotherChainIsRejected() throws {
        let chain = ProofChain()
        var b = chain.standard()
        b.header = ProofChain.header(height: 7, stateRoot: chain.root!.hash, validators: ProofChain.set(ProofChain.keys), chainID: "other-1")
        b.certificate = ProofChain.certificate(b.header, keys: ProofChain.keys, signers: [0, 1, 2], chainID: "other-1")
        #expect(failure { _ = try b.verify(genesis: ProofChain.genesis) } == .wrongChain)
    }

    /// Validator-set changes, as governance will make them: the light client follows each one, certified by the
    /// set before it, and refuses a header certified by an outdated set or a bundle that leaves a change out.
    @Test func validatorSetChangesAreFollowedFromGenesis() throws {
        let chain = ProofChain()
        let a = ProofChain.set(ProofChain.keys)
        let bKeys = ProofChain.keys.dropLast() + [ProofChain.key(5)]
        let b = ProofChain.set(Array(bKeys))
        let changeHeader = ProofChain.header(height: 5, stateRoot: HashSuite.sha256.digest([5]), validators: a, next: b)
        let change = ProofBundle.ValidatorSetChange(header: changeHeader, certificate: ProofChain.certificate(changeHeader, keys: ProofChain.keys, signers: [0, 1, 2]), next: b)
        let h = ProofChain.header(height: 9, stateRoot: chain.root!.hash, validators: b)
        let good = chain.bundle([ProofChain.entries[1].key], header: h, certificate: ProofChain.certificate(h, keys: Array(bKeys), signers: [1, 2, 3]), changes: [change])
        let v = try ProofBundle.decode(good.canonicalBytes, suite: .sha256).verify(genesis: ProofChain.genesis)
        #expect(v.validators == b)

        var missing = good
        missing.changes = []
        #expect(failure { _ = try missing.verify(genesis: ProofChain.genesis) } == .wrongValidators)

        // The old set keeps signing after the change: outdated, refused.
        let stale = ProofChain.header(height: 9, stateRoot: chain.root!.hash, validators: a)
        let outdated = chain.bundle([ProofChain.entries[1].key], header: stale,
                                    certificate: ProofChain.certificate(stale, keys: ProofChain.keys, signers: [0, 1, 2]), changes: [change])
        #expect(failure { _ = try outdated.verify(genesis: ProofChain.genesis) } == .wrongValidators)

        // A change that claims a set the header did not name.
        var forged = good
        forged.changes = [ProofBundle.ValidatorSetChange(header: changeHeader, certificate: change.certificate, next: ProofChain.set((11...14).map { ProofChain.key(UInt8($0)) }))]
        #expect(failure { _ = try forged.verify(genesis: ProofChain.genesis) } == .wrongValidators)
    }

    @Test func aBundleOfAnotherVersionOrWithTrailingBytesIsMalformed() throws {
        var bytes = ProofChain().standard().canonicalBytes
        bytes[0] = 2
        #expect(failure { _ = try ProofBundle.decode(bytes, suite: .sha256) } == .malformed)
        #expect(failure { _ = try ProofBundle.decode(ProofChain().standard().canonicalBytes + [0], suite: .sha256) } == .malformed)
        #expect(failure { _ = try ProofBundle.decode([], suite: .sha256) } == .malformed)
    }
}
