import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// `POST /v1/greylist/pseudonyms` (docs/greylist.md, "The check", step 1): a bank sends its applicant's identity
/// over the authenticated channel and gets, for each VRF key version in force, the pseudonym and the proof pi it
/// verifies against the alpha it encodes itself. Only the node configured with the supervisor's VRF key
/// (`greylistVrfKeyFile`) computes them; any other answers 503 GREYLIST_UNAVAILABLE naming the nodes that can.
///
/// The node computes and forgets: no identity is written to state, blocks, logs or files. It counts subjects per
/// bank per day (China Standard Time, by its own clock), at most twice the chain's `maxChecksPerBankPerDay`
/// (429 GREYLIST_PSEUDONYM_LIMIT): those of answered requests, once each, after they are computed. The count is
/// node-local and in memory: it starts again at midnight and when the node restarts.
///
/// Thread rule: HTTP workers, any number at once; the day's counts are behind their own lock.
final class PseudonymService: Sendable {
    /// Subjects in one request.
    static let maxSubjects = 100
    /// The largest body the route reads: 100 subjects of a few dozen bytes each, with room to spare.
    static let maxBodyBytes = 16_384

    let chain: Chain
    /// The supervisor's VRF key; nil on every other node.
    let key: VRFPrivateKey?
    private let counts = Mutex<(day: UInt32, perBank: [String: UInt64])>((0, [:]))
    private let clock: @Sendable () -> Int64

    init(chain: Chain, key: VRFPrivateKey?, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.chain = chain
        self.key = key
        self.clock = clock
    }

    /// The key named by `greylistVrfKeyFile` (relative to the node's home), or nil when the config names none.
    static func loadKey(_ config: NodeConfig, home: NodeHome) throws -> VRFPrivateKey? {
        guard let file = config.greylistVrfKeyFile else { return nil }
        let path = file.hasPrefix("/") ? file : home.path + "/" + file
        do { return try KeyFile.readVRF(path) } catch let e as CryptoError {
            throw NodeError(code: NodeCode.configInvalid, message: "greylistVrfKeyFile: \(e.code): \(e.message)")
        }
    }

    struct Request: Decodable {
        struct Identity: Decodable {
            let idType: String
            let idNumber: String
        }
        let subjects: [Identity]
    }

    struct Answer: Encodable {
        struct Key: Encodable {
            let keyVersion: UInt32
            let vrfKey: String
        }
        struct Subject: Encodable { let pseudonyms: [GreylistPseudonym] }
        let keys: [Key]
        let subjects: [Subject]
    }

    func pseudonyms(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard case .member(let m) = call.caller, m.role == .bank || (m.role == .supervisor && m.authorities.contains(.greylist)) else {
            throw APIError(Codes.forbiddenRole, "only a bank, or the supervisor, may ask for pseudonyms")
        }
        let body = try JSON.decode(Request.self, try call.body())
        guard (1...Self.maxSubjects).contains(body.subjects.count) else {
            throw APIError(NodeCode.invalidField, "subjects: 1 to \(Self.maxSubjects), not \(body.subjects.count)")
        }
        let identities = try body.subjects.enumerated().map { i, s in
            try QueryService.field("subjects[\(i)]") { try GreylistIdentity(idType: s.idType, idNumber: s.idNumber, field: "subjects[\(i)]") }
        }
        let tip = try state.tip()
        let ring = try GreylistKeyRing.load(state)
        let params = try GreylistParameters.load(state)
        let supervisors = try Governance.members(state).filter { $0.role == .supervisor && $0.authorities.contains(.greylist) }
        try state.checkReads()
        // The versions a check committed in the next block must carry.
        guard let live = ring?.inForce(at: tip.height + 1), !live.isEmpty else {
            throw APIError(Codes.Greylist.off, "the grey-list is off: no VRF key is in force (governance greylist.addVrfKey)")
        }
        guard let key, live.allSatisfy({ $0.key == key.publicKey.bytes }) else {
            let missing = live.filter { $0.key != key?.publicKey.bytes }.map { String($0.version) }.joined(separator: ", ")
            let nodes = supervisors.map { "\($0.name) (\($0.address))" }.joined(separator: ", ")
            throw APIError(NodeCode.greylistUnavailable,
                           "this node holds no VRF key of version \(missing); pseudonyms are computed by the supervisor's node: \(nodes.isEmpty ? "none is a member" : nodes)")
        }
        // A bank on a full node holds every entry by its pseudonym: given pseudonyms it could look anyone up in its
        // own state, no check on the record. Only a bank on a member node, which holds no entry, gets them.
        guard m.role != .bank || m.node == .member else {
            throw APIError(NodeCode.greylistFullNodeBank, "\(m.name) runs a full node, which holds every grey-list entry: pseudonyms go only to banks on member nodes, so that every check is on the record (docs/greylist.md)")
        }
        let n = UInt64(identities.count), most = 2 * params.maxChecksPerBankPerDay
        // Refused before any VRF work when the day's count is used up; counted only once the answer is computed.
        try count(n, bank: m.name, most: most, take: false)
        let subjects = try identities.map { id in
            Answer.Subject(pseudonyms: try live.map { try GreylistPseudonym.make(id, key: key, version: $0.version, chainID: chain.id) })
        }
        let answer = Answer(keys: live.map { Answer.Key(keyVersion: $0.version, vrfKey: VRFPublicKey.textPrefix + Hex.encode($0.key)) }, subjects: subjects)
        let response = HTTPResponse.json(200, AnswerEnvelope.encode(height: tip.height, blockHash: tip.blockHash, result: JSON.encode(answer)))
        // The last step: nothing after it reads the snapshot, so no snapshot retry runs this handler again.
        try count(n, bank: m.name, most: most, take: true)
        return response
    }

    /// Whether `bank` may have `n` more pseudonyms today, and with `take` counts them; 429 GREYLIST_PSEUDONYM_LIMIT
    /// when they would pass `most` (checked again when taking: requests of one bank run at once).
    private func count(_ n: UInt64, bank: String, most: UInt64, take: Bool) throws {
        let today = Greylist.day(ofMilliseconds: clock())
        try counts.withLock { c in
            if c.day != today { c = (today, [:]) }
            let used = c.perBank[bank] ?? 0
            guard used + n <= most else {
                throw APIError(NodeCode.greylistPseudonymLimit,
                               "\(bank) has asked for \(used) pseudonyms today; at most \(most) a day (twice maxChecksPerBankPerDay)")
            }
            if take { c.perBank[bank] = used + n }
        }
    }
}
