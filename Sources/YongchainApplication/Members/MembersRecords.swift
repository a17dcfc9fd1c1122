import YongchainCore
import YongchainCrypto

/// A member organisation as recorded in state: written from genesis, then added, removed and re-keyed by
/// governance (docs/governance.md). A signer's role and authorities come only from here: nothing in a transaction
/// body can claim a role. Stored under `member/<key>`, with `member-name/<name>` pointing at that key.
public struct Member: Sendable, Equatable, Codable, CanonicalCodable {
    public let name: String
    public let role: Role
    public let authorities: [Authority]
    public let publicKey: PublicKey
    /// The member's node, as an http(s) base URL (genesis's `Organization.address`, or the `member.add` proposal's).
    public let address: String
    /// The kind of node it runs (genesis's `Organization.node`; `member.setNode` changes it).
    public let node: NodeKind

    /// str(name) ‖ str(role) ‖ list(str(authority)) ‖ key(publicKey) ‖ str(address) [‖ u8(1)]
    ///
    /// The tail byte is present only for a member node: a full node's record keeps the bytes it had before node
    /// kinds existed.
    public func encode(to w: inout CanonicalWriter) {
        w.string(name)
        w.string(role.rawValue)
        w.list(authorities) { $0.string($1.rawValue) }
        w.publicKey(publicKey)
        w.string(address)
        if node == .member { w.u8(1) }
    }

    public init(name: String, role: Role, authorities: [Authority], publicKey: PublicKey, address: String, node: NodeKind = .full) {
        self.name = name
        self.role = role
        self.authorities = authorities
        self.publicKey = publicKey
        self.address = address
        self.node = node
    }

    /// This member under a new key (a rotation): everything else stays.
    func rekeyed(_ key: PublicKey) -> Member {
        Member(name: name, role: role, authorities: authorities, publicKey: key, address: address, node: node)
    }

    /// This member running another kind of node (`member.setNode`): everything else stays.
    func running(_ kind: NodeKind) -> Member {
        Member(name: name, role: role, authorities: authorities, publicKey: publicKey, address: address, node: kind)
    }

    enum CodingKeys: String, CodingKey { case name, role, authorities, publicKey, address, node }

    /// JSON as before node kinds for a full node; `"node": "member"` for a member node.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(authorities, forKey: .authorities)
        try c.encode(publicKey, forKey: .publicKey)
        try c.encode(address, forKey: .address)
        if node != .full { try c.encode(node, forKey: .node) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), role: try c.decode(Role.self, forKey: .role),
                  authorities: try c.decode([Authority].self, forKey: .authorities), publicKey: try c.decode(PublicKey.self, forKey: .publicKey),
                  address: try c.decode(String.self, forKey: .address), node: try c.decodeIfPresent(NodeKind.self, forKey: .node) ?? .full)
    }

    public init(from r: inout CanonicalReader) throws {
        name = try r.string("member.name")
        guard let role = Role(rawValue: try r.string("member.role")) else { throw EncodingError.invalid("member.role", "unknown role") }
        self.role = role
        authorities = try r.list("member.authorities") { r in
            guard let a = Authority(rawValue: try r.string("member.authority")) else { throw EncodingError.invalid("member.authority", "unknown") }
            return a
        }
        publicKey = try r.publicKey("member.publicKey")
        address = try r.string("member.address", max: 1024)
        if r.remaining > 0 {
            guard try r.u8("member.node") == 1 else { throw EncodingError.invalid("member.node", "1 (member) or absent (full)") }
            node = .member
        } else {
            node = .full
        }
    }

    /// The member that signed, or a rejection: KEY_REVOKED for a key governance removed or replaced (what it
    /// signed before stays history), UNKNOWN_SIGNER for any other key. Every handler of a member-signed type
    /// starts here, so a member's transaction pays no extra read for the revocation check: a revoked key has no
    /// member record. A member record that does not decode answers STORAGE_CORRUPT (`DamagedRecord`), never
    /// UNKNOWN_SIGNER.
    static func signer(_ key: PublicKey, _ state: StateReader) -> Result<Member, TxResult> {
        let found: Member?
        do { found = try Governance.member(key: key, state) } catch { return .failure(error.result) }
        guard let m = found else {
            if let revoked = Governance.refuseRevoked(key, state) { return .failure(revoked) }
            return .failure(.reject(Codes.unknownSigner, "the signing key \(key.keyID) is not a member organisation"))
        }
        return .success(m)
    }

    /// The signer if it is a registry holding `authority`; FORBIDDEN_ROLE otherwise.
    static func requireRegistry(_ key: PublicKey, _ authority: Authority, _ state: StateReader) -> Result<Member, TxResult> {
        Member.signer(key, state).flatMap { m in
            guard m.role == .registry, m.authorities.contains(authority) else {
                return .failure(.reject(Codes.forbiddenRole, "\(m.name) is not a registry with the \(authority.rawValue) authority"))
            }
            return .success(m)
        }
    }

    /// The signer if it is a bank; FORBIDDEN_ROLE otherwise.
    static func requireBank(_ key: PublicKey, _ state: StateReader) -> Result<Member, TxResult> {
        Member.signer(key, state).flatMap { m in
            guard m.role == .bank else { return .failure(.reject(Codes.forbiddenRole, "\(m.name) is not a bank")) }
            return .success(m)
        }
    }
}

/// A registered enterprise.
public struct Enterprise: Sendable, Equatable, Codable, CanonicalCodable {
    public let creditCode: CreditCode
    public let name: String
    public let publicKey: PublicKey
    public let registeredAt: UInt64

    public init(creditCode: CreditCode, name: String, publicKey: PublicKey, registeredAt: UInt64) {
        self.creditCode = creditCode
        self.name = name
        self.publicKey = publicKey
        self.registeredAt = registeredAt
    }

    public func encode(to w: inout CanonicalWriter) {
        w.string(creditCode.value)
        w.string(name)
        w.publicKey(publicKey)
        w.u64(registeredAt)
    }

    public init(from r: inout CanonicalReader) throws {
        creditCode = try CreditCode(try r.string("creditCode"))
        name = try r.string("name")
        publicKey = try r.publicKey("publicKey")
        registeredAt = try r.u64("registeredAt")
    }
}
