import YongchainCrypto

/// The chain's identity, and the one binary form of a genesis it is computed from.
///
///     hash          = H(identityBytes), H the genesis's own hash suite (SHA-256 unless `hashSuite` says sm3)
///     identityBytes = str("yongchain/genesis/v1") ‖ canonicalBytes
///                   = Domain.genesis.signingBytes(chainID: chainId, message: <canonicalBytes after the chain id>)
///     canonicalBytes = str(chainId) ‖ i64(genesisTime)
///                    ‖ list(organizations: str(name) ‖ str(role) ‖ list(authorities: str(authority))
///                                          ‖ str(publicKey) ‖ str(address) ‖ u64(power))
///                    ‖ i64(timeoutProposeMs) ‖ i64(timeoutProposeDeltaMs) ‖ i64(timeoutPrevoteMs)
///                    ‖ i64(timeoutPrevoteDeltaMs) ‖ i64(timeoutPrecommitMs) ‖ i64(timeoutPrecommitDeltaMs)
///                    ‖ i64(emptyBlockIntervalMs) ‖ i64(minBlockIntervalMs) ‖ i64(maxBlockTransactions)
///                    [‖ u8(1) ‖ u64(thresholdNumerator) ‖ u64(thresholdDenominator) ‖ i64(votingPeriodMs) ‖ str(proposers)]
///                    [‖ u8(2) ‖ str(hashSuite)]
///                    [‖ u8(3) ‖ list(memberNodes: str(name))]
///
/// Each bracketed tail is present only when the genesis has that field (`governance`, `hashSuite`), in tag order: a
/// genesis without them has exactly the bytes (and so the hash) it had before they existed, and one with them —
/// even set to the defaults — has a different identity. Tail 3 names, in the organisations' order, those whose
/// `node` is `member`, and is present only if there is one: `full` is what an absent `node` always meant. Decoding reads the tails while bytes remain after the
/// consensus parameters, each tag greater than the one before.
///
/// in `CanonicalWriter`'s encoding (big-endian fixed-width integers; `str` and `list` are a `UInt32` length or
/// count, then the UTF-8 bytes or the items). Every field is in it, in the order and spelling the genesis holds
/// it (roles and authorities as their JSON names, a public key as its text), so the identity is decided by this
/// code alone — not by a JSON encoder's key order, escaping or number formatting. The JSON file's layout
/// (whitespace, key order) does not change the identity; any field's value does.
/// `GenesisIdentityTests.goldenVector` pins it: if that test changes, every chain's identity changes.
extension Genesis: CanonicalCodable {
    /// The bytes `hash` is computed over: the domain tag, then `canonicalBytes`.
    public var identityBytes: [UInt8] {
        var w = CanonicalWriter(capacity: 256 + 200 * organizations.count)
        w.string(Domain.genesis.rawValue)
        encode(to: &w)
        return w.bytes
    }

    /// The chain's identity. Every node's database records it and refuses another (`GENESIS_MISMATCH`), and the
    /// state hash chain starts from it.
    public var hash: Hash { chain.hashSuite.digest(identityBytes) }

    public func encode(to w: inout CanonicalWriter) {
        w.string(chainID)
        w.i64(genesisTime)
        w.list(organizations) { w, o in
            w.string(o.name)
            w.string(o.role.rawValue)
            w.list(o.authorities) { $0.string($1.rawValue) }
            w.string(o.publicKey)
            w.string(o.address)
            w.u64(o.power)
        }
        w.item(consensus)
        if let governance {
            w.u8(1)
            w.item(governance)
        }
        if let hashSuite {
            w.u8(2)
            w.string(hashSuite.rawValue)
        }
        let memberNodes = organizations.filter { $0.node == .member }
        if !memberNodes.isEmpty {
            w.u8(3)
            w.list(memberNodes) { $0.string($1.name) }
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let chainID = try r.string("chainId")
        let genesisTime = try r.i64("genesisTime")
        var organizations = try r.list("organizations") { r in
            let name = try r.string("organization.name")
            guard let role = Role(rawValue: try r.string("organization.role")) else {
                throw EncodingError.invalid("organization.role", "unknown role")
            }
            let authorities = try r.list("organization.authorities") { r in
                guard let a = Authority(rawValue: try r.string("organization.authority")) else {
                    throw EncodingError.invalid("organization.authority", "unknown authority")
                }
                return a
            }
            return Organization(name: name, role: role, authorities: authorities, publicKeyText: try r.string("organization.publicKey"),
                                address: try r.string("organization.address"), power: try r.u64("organization.power"), node: .full)
        }
        var c = ConsensusParameters()
        func int(_ what: String) throws -> Int {
            let v = try r.i64(what)
            guard let i = Int(exactly: v) else { throw EncodingError.invalid(what, "out of range") }
            return i
        }
        c.timeoutProposeMs = try int("consensus.timeoutProposeMs")
        c.timeoutProposeDeltaMs = try int("consensus.timeoutProposeDeltaMs")
        c.timeoutPrevoteMs = try int("consensus.timeoutPrevoteMs")
        c.timeoutPrevoteDeltaMs = try int("consensus.timeoutPrevoteDeltaMs")
        c.timeoutPrecommitMs = try int("consensus.timeoutPrecommitMs")
        c.timeoutPrecommitDeltaMs = try int("consensus.timeoutPrecommitDeltaMs")
        c.emptyBlockIntervalMs = try int("consensus.emptyBlockIntervalMs")
        c.minBlockIntervalMs = try int("consensus.minBlockIntervalMs")
        c.maxBlockTransactions = try int("consensus.maxBlockTransactions")
        var governance: GovernanceRules?
        var hashSuite: HashSuite?
        var memberNodes: [String] = []
        var lastTag: UInt8 = 0
        while r.remaining > 0 {
            let tag = try r.u8("genesis tail tag")
            guard tag > lastTag else { throw EncodingError.invalid("genesis tail tag", "\(tag) after \(lastTag)") }
            lastTag = tag
            switch tag {
            case 1: governance = try r.item()
            case 2:
                let name = try r.string("hashSuite", max: 16)
                guard let s = HashSuite(rawValue: name) else { throw EncodingError.invalid("hashSuite", "unknown hash suite \(name)") }
                hashSuite = s
            case 3:
                memberNodes = try r.list("memberNodes", max: organizations.count) { try $0.string("memberNodes.name") }
                guard !memberNodes.isEmpty else { throw EncodingError.invalid("memberNodes", "an empty list is written as no tail") }
            default: throw EncodingError.invalid("genesis tail tag", "\(tag) is not 1 (governance), 2 (hashSuite) or 3 (memberNodes)")
            }
        }
        // The names must be organisations', in their order, each once: the bytes a genesis with them encodes to.
        var next = memberNodes.makeIterator(), want = next.next()
        for i in organizations.indices where Array(organizations[i].name.utf8) == want.map({ Array($0.utf8) }) {
            organizations[i].node = .member
            want = next.next()
        }
        guard want == nil else { throw EncodingError.invalid("memberNodes", "\(want!) is not an organisation, or out of order") }
        self.init(chainID: chainID, genesisTime: genesisTime, organizations: organizations, consensus: c, governance: governance,
                  hashSuite: hashSuite)
    }
}

extension ConsensusParameters: CanonicalCodable {
    /// The fields in declaration order, each as `i64` (as genesis's canonical bytes hold them).
    public func encode(to w: inout CanonicalWriter) {
        for v in [timeoutProposeMs, timeoutProposeDeltaMs, timeoutPrevoteMs, timeoutPrevoteDeltaMs, timeoutPrecommitMs,
                  timeoutPrecommitDeltaMs, emptyBlockIntervalMs, minBlockIntervalMs, maxBlockTransactions] {
            w.i64(Int64(v))
        }
    }

    /// Decodes and range-checks every field (`validate()`), so no value from outside reaches a timer unchecked.
    public init(from r: inout CanonicalReader) throws {
        func v(_ name: String) throws -> Int {
            let raw = try r.i64(name)
            guard let i = Int(exactly: raw) else { throw EncodingError.invalid(name, "\(raw) is out of range") }
            return i
        }
        self.init()
        timeoutProposeMs = try v("timeoutProposeMs")
        timeoutProposeDeltaMs = try v("timeoutProposeDeltaMs")
        timeoutPrevoteMs = try v("timeoutPrevoteMs")
        timeoutPrevoteDeltaMs = try v("timeoutPrevoteDeltaMs")
        timeoutPrecommitMs = try v("timeoutPrecommitMs")
        timeoutPrecommitDeltaMs = try v("timeoutPrecommitDeltaMs")
        emptyBlockIntervalMs = try v("emptyBlockIntervalMs")
        minBlockIntervalMs = try v("minBlockIntervalMs")
        maxBlockTransactions = try v("maxBlockTransactions")
        do { try validate() } catch let e as GenesisError { throw EncodingError.invalid(e.field, e.message) }
    }
}
