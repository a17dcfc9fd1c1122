import Foundation
import Testing
@testable import YongchainCore
import YongchainLightClient
import YongchainCrypto

/// A small chain for proofs: four validators from fixed seeds, a state tree, headers and certificates signed as
/// the node signs them. `Suite.standard` (SHA-256, Ed25519) unless given the national one (SM3, SM2).
struct ProofChain {
    struct Suite: Sendable {
        let hash: HashSuite
        let keys: SignatureSuite
        static let standard = Suite(hash: .sha256, keys: .ed25519)
        static let national = Suite(hash: .sm3, keys: .sm2)
    }
    static let chainID = "proofs-1"
    static func key(_ seed: UInt8, _ s: Suite = .standard) -> PrivateKey { try! PrivateKey.fromSeed([UInt8](repeating: seed, count: 32), suite: s.keys) }
    static func keys(_ s: Suite) -> [PrivateKey] { (1...4).map { key(UInt8($0), s) } }
    static let keys = keys(.standard)

    static func genesis(_ s: Suite) -> Genesis {
        Genesis(chainID: chainID, genesisTime: 1_700_000_000_000, organizations: keys(s).enumerated().map { i, k in
            Organization(name: "org-\(i + 1)", role: i == 0 ? .registry : .bank, authorities: i == 0 ? [.realEstate, .trade] : [],
                         publicKey: k.publicKey, address: "http://127.0.0.1:\(26601 + i)")
        }, hashSuite: s.hash == .sha256 ? nil : s.hash)
    }
    static let genesis = genesis(.standard)

    static func set(_ ks: [PrivateKey], _ s: Suite = .standard) -> ValidatorSet {
        // Named as genesis names its organisations, so the genesis set is `set(keys)`.
        let all = keys(s)
        return ValidatorSet(ks.map { k in
            let i = all.firstIndex { $0.publicKey == k.publicKey }
            return Validator(name: i.map { "org-\($0 + 1)" } ?? "org-\(k.publicKey.text.suffix(6))", publicKey: k.publicKey, power: 1)
        })
    }

    /// The state the tests prove against: version 1 holds `entries`.
    static let entries: [(key: [UInt8], value: [UInt8]?)] = [
        (Array("declaration/D-0001".utf8), Array("published: CNY 1,000,000".utf8)),
        (Array("property/320505001001GB00001F00010001".utf8), Array("owners: 1".utf8)),
        (Array("financing-of/D-0001".utf8), Array("bank-a 800,000".utf8)),
    ]

    let suite: Suite
    var store = MemoryTreeStore()
    var root: ChildRef?

    init(_ writes: [(key: [UInt8], value: [UInt8]?)] = ProofChain.entries, suite: Suite = .standard) {
        self.suite = suite
        apply(writes, version: 1)
    }

    mutating func apply(_ writes: [(key: [UInt8], value: [UInt8]?)], version: UInt64) {
        let u = try! StateTree.update(root: root, version: version, writes: writes, reader: store, suite: suite.hash)
        store.apply(u)
        root = u.root
    }

    static func header(height: UInt64, stateRoot: Hash, validators: ValidatorSet, next: ValidatorSet? = nil,
                       chainID: String = ProofChain.chainID, suite: HashSuite = .sha256) -> BlockHeader {
        BlockHeader(chain: Chain(id: chainID, hashSuite: suite), height: height, time: 1_700_000_000_000 + Int64(height) * 1000,
                    previousBlockHash: suite.digest([UInt8(height & 0xff)]), lastCommitHash: suite.digest([7]), txRoot: suite.digest([8]),
                    resultsHash: suite.digest([9]), stateRoot: stateRoot, validatorsHash: validators.hash(suite),
                    nextValidatorsHash: (next ?? validators).hash(suite), proposer: validators[0].publicKey)
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
            ProofBundle.Entry(key: k, value: values[k] ?? nil, proof: try! StateTree.prove(root: root, key: k, reader: store, suite: suite.hash))
        })
    }

    /// A bundle at height 9 that follows one validator-set change: org-4 is replaced by the key of seed 5, decided
    /// so that header 5 (certified by the genesis set) names the new set, which certifies header 9. SHA-256 chains only.
    func setChange() -> (bundle: ProofBundle, old: ValidatorSet, newKeys: [PrivateKey]) {
        let a = ProofChain.set(ProofChain.keys)
        let bKeys = Array(ProofChain.keys.dropLast() + [ProofChain.key(5)])
        let b = ProofChain.set(bKeys)
        let changeHeader = ProofChain.header(height: 5, stateRoot: HashSuite.sha256.digest([5]), validators: a, next: b)
        let change = ProofBundle.ValidatorSetChange(header: changeHeader, certificate: ProofChain.certificate(changeHeader, keys: ProofChain.keys, signers: [0, 1, 2]), next: b)
        let h = ProofChain.header(height: 9, stateRoot: root!.hash, validators: b)
        return (bundle([ProofChain.entries[1].key], header: h, certificate: ProofChain.certificate(h, keys: bKeys, signers: [1, 2, 3]), changes: [change]), a, bKeys)
    }

    /// The header of the standard bundle (height 7, this chain's state root, the genesis set).
    func standardHeader() -> BlockHeader {
        ProofChain.header(height: 7, stateRoot: root!.hash, validators: ProofChain.set(ProofChain.keys(suite), suite), suite: suite.hash)
    }

    /// A bundle for one present and one absent key at height 7, certified by validators 0, 1 and 2 of 4 (by
    /// `certificate` when given: SM2 signatures are randomised, and a vector file keeps its own).
    func standard(certificate: CommitCertificate? = nil) -> ProofBundle {
        let h = standardHeader()
        return bundle([ProofChain.entries[0].key, Array("financing-of/D-0002".utf8)], header: h,
                      certificate: certificate ?? ProofChain.certificate(h, keys: ProofChain.keys(suite), signers: [0, 1, 2]))
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

    /// The same bundle on the national suite: SM3 roots and headers, SM2 precommits; it verifies only against its
    /// own genesis (a genesis that differs in its hash suite alone is another chain), and not when decoded as
    /// another suite's.
    @Test func aNationalSuiteBundleVerifiesAgainstItsOwnGenesisOnly() throws {
        let chain = ProofChain(suite: .national)
        let b = chain.standard()
        #expect(b.header.hashSuite == .sm3 && b.header.proposer.suite == .sm2)
        let v = try ProofBundle.decode(b.canonicalBytes, suite: .sm3).verify(genesis: ProofChain.genesis(.national))
        #expect(v.state.get(ProofChain.entries[0].key) == ProofChain.entries[0].value)
        var sha = ProofChain.genesis(.national)
        sha.hashSuite = nil
        #expect(failure { _ = try ProofBundle.decode(b.canonicalBytes, suite: .sha256).verify(genesis: sha) } != nil)
        #expect(failure { _ = try ProofBundle.decode(b.canonicalBytes, suite: .sm3).verify(genesis: sha) } == .wrongChain)
        // Its state proofs fold with SM3: checked as SHA-256 they do not reach the root.
        #expect(throws: StateProofError.rootMismatch) {
            try b.entries[0].proof.verify(root: b.header.stateRoot, key: b.entries[0].key, value: b.entries[0].value, suite: .sha256)
        }
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
        let (good, a, _) = chain.setChange()
        let change = good.changes[0], changeHeader = change.header, b = change.next
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
