import Foundation
import YongchainCore
import YongchainCrypto

/// What a proposal does when it passes (docs/governance.md, "Actions"). In JSON a tagged object, `type` naming the
/// action and its fields beside it; canonically `str(type)` followed by the fields in the order listed here.
public enum GovernanceAction: Sendable, Equatable {
    /// `member.add`: a new member organisation; with power > 0 it also joins the validator set.
    case addMember(NewMember)
    /// `member.remove`: the member leaves (and the validator set, if it is in it); its key is revoked.
    case removeMember(name: String)
    /// `member.rotateKey`: the member's key is replaced and the old one revoked. Proposed by the member itself (its
    /// current key) it is a rotation; proposed by anyone else it is recorded as `forced` (the old key is lost).
    case rotateKey(name: String, newPublicKey: PublicKey)
    /// `validator.setPower`: a member's voting power; 0 takes it out of the validator set (it stays a member).
    case setPower(name: String, power: UInt64)
    /// `parameters.set`: the whole consensus parameters.
    case setParameters(ConsensusParameters)
    /// `rules.set`: the whole governance rules (for proposals created after it passes).
    case setRules(GovernanceRules)
    /// `limits.set`: the whole proposal limits (open proposals per member, description size, retention).
    case setLimits(ProposalLimits)
    /// `member.setNode`: the kind of node the member runs (docs/confidentiality.md). A validator's stays `full`
    /// (VALIDATOR_MUST_BE_FULL).
    case setNode(name: String, node: NodeKind)
    /// `greylist.addVrfKey`: the supervisor's next VRF key (a compressed P-256 point, checked when proposed and
    /// when passed: VRF_KEY_INVALID) and the key's proof of possession (`GreylistKeyPossession`), in force from the
    /// deciding block + 1 (docs/greylist.md).
    case addVRFKey([UInt8], proof: [UInt8])
    /// `greylist.setParameters`: the grey-list's six parameters, whole.
    case setGreylistParameters(GreylistParameters)

    public static let types = ["member.add", "member.remove", "member.rotateKey", "validator.setPower", "parameters.set", "rules.set",
                               "limits.set", "member.setNode", "greylist.addVrfKey", "greylist.setParameters"]

    public var type: String {
        switch self {
        case .addMember: return "member.add"
        case .removeMember: return "member.remove"
        case .rotateKey: return "member.rotateKey"
        case .setPower: return "validator.setPower"
        case .setParameters: return "parameters.set"
        case .setRules: return "rules.set"
        case .setLimits: return "limits.set"
        case .setNode: return "member.setNode"
        case .addVRFKey: return "greylist.addVrfKey"
        case .setGreylistParameters: return "greylist.setParameters"
        }
    }

    /// Whether passing it changes the validator set (then it takes effect at decided height + `ValidatorSchedule.delay`).
    /// Which of `addMember`, `removeMember` and `rotateKey` do depends on state: see `GovernanceEffects`.
    public var mayChangeValidators: Bool {
        switch self {
        case .addMember(let m): return m.power > 0
        case .removeMember, .rotateKey, .setPower: return true
        case .setParameters, .setRules, .setLimits, .setNode, .addVRFKey, .setGreylistParameters: return false
        }
    }

    /// Field rules that need no state; throws `ValidationError` naming the field under `action`.
    func validate() throws {
        switch self {
        case .addMember(let m): try m.validate()
        case .removeMember(let name), .rotateKey(let name, _), .setNode(let name, _): try GovernanceLimits.checkName(name, field: "action.name")
        case .setPower(let name, let power):
            try GovernanceLimits.checkName(name, field: "action.name")
            guard power <= Genesis.maxPower else { throw ValidationError(field: "action.power", message: "0 to \(Genesis.maxPower), not \(power)") }
        case .setParameters(let p):
            do { try p.validate() } catch let e as GenesisError {
                throw ValidationError(field: "action.parameters" + e.field.dropFirst("consensus".count), message: e.message)
            }
        case .setRules(let r):
            do { try r.validate() } catch let e as GenesisError {
                throw ValidationError(field: "action.rules" + e.field.dropFirst("governance".count), message: e.message)
            }
        case .setLimits(let l): try l.validate()
        case .addVRFKey: break
        case .setGreylistParameters(let p): try p.validate()
        }
    }
}

/// The member a `member.add` proposal admits.
public struct NewMember: Sendable, Equatable, Codable {
    public var name: String
    public var role: Role
    /// A registry's authorities (at least one); a bank holds none.
    public var authorities: [Authority]
    public var publicKey: PublicKey
    /// Its node's base URL, http:// or https://.
    public var address: String
    /// Voting power; 0 admits a non-voting member (an observer until a `validator.setPower` passes).
    public var power: UInt64

    public init(name: String, role: Role, authorities: [Authority] = [], publicKey: PublicKey, address: String, power: UInt64) {
        self.name = name
        self.role = role
        self.authorities = authorities
        self.publicKey = publicKey
        self.address = address
        self.power = power
    }

    func validate() throws {
        try GovernanceLimits.checkName(name, field: "action.name")
        guard authorities.allSatisfy(Authority.allowed(for: role).contains), role != .registry || !authorities.isEmpty else {
            throw ValidationError(field: "action.authorities", message: Authority.describe(role))
        }
        guard Set(authorities).count == authorities.count else { throw ValidationError(field: "action.authorities", message: "an authority is listed twice") }
        try GovernanceLimits.checkAddress(address, field: "action.address")
        guard power <= Genesis.maxPower else { throw ValidationError(field: "action.power", message: "0 to \(Genesis.maxPower), not \(power)") }
    }

    var member: Member {
        Member(name: name, role: role, authorities: authorities.sorted { $0.rawValue < $1.rawValue }, publicKey: publicKey, address: address)
    }
}

// MARK: - JSON

extension GovernanceAction: Codable {
    enum Keys: String, CodingKey { case type, name, role, authorities, publicKey, address, power, newPublicKey, parameters, rules, limits, node, vrfKey, proof }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "member.add":
            self = .addMember(NewMember(name: try c.decode(String.self, forKey: .name), role: try c.decode(Role.self, forKey: .role),
                                        authorities: try c.decodeIfPresent([Authority].self, forKey: .authorities) ?? [],
                                        publicKey: try c.decode(PublicKey.self, forKey: .publicKey),
                                        address: try c.decode(String.self, forKey: .address), power: try c.decode(UInt64.self, forKey: .power)))
        case "member.remove":
            self = .removeMember(name: try c.decode(String.self, forKey: .name))
        case "member.rotateKey":
            self = .rotateKey(name: try c.decode(String.self, forKey: .name), newPublicKey: try c.decode(PublicKey.self, forKey: .newPublicKey))
        case "validator.setPower":
            self = .setPower(name: try c.decode(String.self, forKey: .name), power: try c.decode(UInt64.self, forKey: .power))
        case "parameters.set":
            self = .setParameters(try c.decode(StrictParameters.self, forKey: .parameters).value)
        case "rules.set":
            self = .setRules(try c.decode(StrictRules.self, forKey: .rules).value)
        case "limits.set":
            // Every field is required (the synthesized decoder): a forgotten one must not silently take a default.
            self = .setLimits(try c.decode(ProposalLimits.self, forKey: .limits))
        case "member.setNode":
            self = .setNode(name: try c.decode(String.self, forKey: .name), node: try c.decode(NodeKind.self, forKey: .node))
        case "greylist.addVrfKey":
            // The text form only: whether the point is on the curve is VRF_KEY_INVALID when proposed.
            let text = try c.decode(String.self, forKey: .vrfKey)
            guard text.hasPrefix(VRFPublicKey.textPrefix), let bytes = Hex.decode(String(text.dropFirst(VRFPublicKey.textPrefix.count))),
                  bytes.count == VRFPublicKey.byteCount else {
                throw ValidationError(field: "action.vrfKey", message: "\(VRFPublicKey.textPrefix)<66 hex digits>")
            }
            // Its form only, too: whether it proves possession is VRF_PROOF_INVALID when proposed.
            guard let proof = Hex.decode(try c.decode(String.self, forKey: .proof)), proof.count == VRFProof.byteCount else {
                throw ValidationError(field: "action.proof", message: "the key's proof of possession, \(2 * VRFProof.byteCount) hex digits")
            }
            self = .addVRFKey(bytes, proof: proof)
        case "greylist.setParameters":
            self = .setGreylistParameters(try c.decode(GreylistParameters.self, forKey: .parameters))
        default:
            throw ValidationError(field: "action.type", message: "one of \(GovernanceAction.types.joined(separator: ", ")), not '\(type)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .addMember(let m):
            try c.encode(m.name, forKey: .name)
            try c.encode(m.role, forKey: .role)
            try c.encode(m.authorities, forKey: .authorities)
            try c.encode(m.publicKey, forKey: .publicKey)
            try c.encode(m.address, forKey: .address)
            try c.encode(m.power, forKey: .power)
        case .removeMember(let name):
            try c.encode(name, forKey: .name)
        case .rotateKey(let name, let key):
            try c.encode(name, forKey: .name)
            try c.encode(key, forKey: .newPublicKey)
        case .setPower(let name, let power):
            try c.encode(name, forKey: .name)
            try c.encode(power, forKey: .power)
        case .setParameters(let p):
            try c.encode(p, forKey: .parameters)
        case .setRules(let r):
            try c.encode(r, forKey: .rules)
        case .setLimits(let l):
            try c.encode(l, forKey: .limits)
        case .setNode(let name, let node):
            try c.encode(name, forKey: .name)
            try c.encode(node, forKey: .node)
        case .addVRFKey(let bytes, let proof):
            try c.encode(VRFPublicKey.textPrefix + Hex.encode(bytes), forKey: .vrfKey)
            try c.encode(Hex.encode(proof), forKey: .proof)
        case .setGreylistParameters(let p):
            try c.encode(p, forKey: .parameters)
        }
    }
}

/// `parameters.set` replaces the whole parameters, so its JSON must name every field: a default filled in for a
/// forgotten field would change the chain silently.
private struct StrictParameters: Decodable {
    let value: ConsensusParameters
    enum Keys: String, CodingKey, CaseIterable {
        case timeoutProposeMs, timeoutProposeDeltaMs, timeoutPrevoteMs, timeoutPrevoteDeltaMs, timeoutPrecommitMs,
             timeoutPrecommitDeltaMs, emptyBlockIntervalMs, minBlockIntervalMs, maxBlockTransactions
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        var p = ConsensusParameters()
        p.timeoutProposeMs = try c.decode(Int.self, forKey: .timeoutProposeMs)
        p.timeoutProposeDeltaMs = try c.decode(Int.self, forKey: .timeoutProposeDeltaMs)
        p.timeoutPrevoteMs = try c.decode(Int.self, forKey: .timeoutPrevoteMs)
        p.timeoutPrevoteDeltaMs = try c.decode(Int.self, forKey: .timeoutPrevoteDeltaMs)
        p.timeoutPrecommitMs = try c.decode(Int.self, forKey: .timeoutPrecommitMs)
        p.timeoutPrecommitDeltaMs = try c.decode(Int.self, forKey: .timeoutPrecommitDeltaMs)
        p.emptyBlockIntervalMs = try c.decode(Int.self, forKey: .emptyBlockIntervalMs)
        p.minBlockIntervalMs = try c.decode(Int.self, forKey: .minBlockIntervalMs)
        p.maxBlockTransactions = try c.decode(Int.self, forKey: .maxBlockTransactions)
        value = p
    }
}

/// `rules.set` replaces the whole rules: every field is required, as for `parameters.set`.
private struct StrictRules: Decodable {
    let value: GovernanceRules
    enum Keys: String, CodingKey { case thresholdNumerator, thresholdDenominator, votingPeriodMs, proposers }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        value = GovernanceRules(thresholdNumerator: try c.decode(UInt64.self, forKey: .thresholdNumerator),
                                thresholdDenominator: try c.decode(UInt64.self, forKey: .thresholdDenominator),
                                votingPeriodMs: try c.decode(Int64.self, forKey: .votingPeriodMs),
                                proposers: try c.decode(GovernanceRules.Proposers.self, forKey: .proposers))
    }
}

// MARK: - Canonical

extension GovernanceAction: CanonicalCodable {
    /// str(type), then:
    /// - member.add: str(name) ‖ str(role) ‖ list(str(authority)) ‖ key(publicKey) ‖ str(address) ‖ u64(power)
    /// - member.remove: str(name)
    /// - member.rotateKey: str(name) ‖ key(newPublicKey)
    /// - validator.setPower: str(name) ‖ u64(power)
    /// - parameters.set: the nine consensus parameters, each i64, in genesis's order
    /// - rules.set: u64(thresholdNumerator) ‖ u64(thresholdDenominator) ‖ i64(votingPeriodMs) ‖ str(proposers)
    /// - limits.set: u64(maxOpenProposalsPerMember) ‖ u64(maxDescriptionBytes) ‖ i64(closedRetentionMs)
    /// - member.setNode: str(name) ‖ str(node: "full" or "member")
    /// - greylist.addVrfKey: bytes(vrfKey: 33, a compressed P-256 point) ‖ bytes(proof: 81, `GreylistKeyPossession`)
    /// - greylist.setParameters: the six grey-list parameters (`GreylistParameters`)
    public func encode(to w: inout CanonicalWriter) {
        w.string(type)
        switch self {
        case .addMember(let m):
            w.string(m.name)
            w.string(m.role.rawValue)
            w.list(m.authorities) { $0.string($1.rawValue) }
            w.publicKey(m.publicKey)
            w.string(m.address)
            w.u64(m.power)
        case .removeMember(let name):
            w.string(name)
        case .rotateKey(let name, let key):
            w.string(name)
            w.publicKey(key)
        case .setPower(let name, let power):
            w.string(name)
            w.u64(power)
        case .setParameters(let p):
            w.item(p)
        case .setRules(let r):
            w.item(r)
        case .setLimits(let l):
            w.item(l)
        case .setNode(let name, let node):
            w.string(name)
            w.string(node.rawValue)
        case .addVRFKey(let bytes, let proof):
            w.bytes(bytes)
            w.bytes(proof)
        case .setGreylistParameters(let p):
            w.item(p)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let type = try r.string("action.type", max: 64)
        func name() throws -> String { try r.string("action.name", max: 4 * GovernanceLimits.maxNameBytes) }
        switch type {
        case "member.add":
            let n = try name()
            guard let role = Role(rawValue: try r.string("action.role", max: 64)) else {
                throw ValidationError(field: "action.role", message: "bank, registry or supervisor")
            }
            let authorities = try r.list("action.authorities", max: Authority.allCases.count * 2) { r in
                guard let a = Authority(rawValue: try r.string("", max: 64)) else {
                    throw ValidationError(field: r.path(""), message: "realEstate, trade or greylist")
                }
                return a
            }
            self = .addMember(NewMember(name: n, role: role, authorities: authorities, publicKey: try r.publicKey("action.publicKey"),
                                        address: try r.string("action.address", max: 4 * GovernanceLimits.maxAddressBytes),
                                        power: try r.u64("action.power")))
        case "member.remove":
            self = .removeMember(name: try name())
        case "member.rotateKey":
            self = .rotateKey(name: try name(), newPublicKey: try r.publicKey("action.newPublicKey"))
        case "validator.setPower":
            self = .setPower(name: try name(), power: try r.u64("action.power"))
        case "parameters.set":
            do { self = .setParameters(try r.item()) } catch EncodingError.invalid(let f, let why) {
                let field = f.hasPrefix("consensus") ? String(f.dropFirst("consensus".count)) : "." + f
                throw ValidationError(field: "action.parameters" + field, message: why)
            }
        case "rules.set":
            do { self = .setRules(try r.item()) } catch EncodingError.invalid(let f, let why) {
                throw ValidationError(field: "action.rules" + f.dropFirst("governance".count), message: why)
            }
        case "limits.set":
            self = .setLimits(try r.item())
        case "member.setNode":
            let n = try name()
            guard let node = NodeKind(rawValue: try r.string("action.node", max: 64)) else { throw ValidationError(field: "action.node", message: "full or member") }
            self = .setNode(name: n, node: node)
        case "greylist.addVrfKey":
            self = .addVRFKey(try r.bytes("action.vrfKey", max: VRFPublicKey.byteCount), proof: try r.bytes("action.proof", max: VRFProof.byteCount))
        case "greylist.setParameters":
            do { self = .setGreylistParameters(try r.item()) } catch EncodingError.invalid(let f, let why) {
                throw ValidationError(field: "action." + f, message: why)
            }
        default:
            throw ValidationError(field: "action.type", message: "one of \(GovernanceAction.types.joined(separator: ", ")), not '\(type)'")
        }
    }
}
