import YongchainCore
import YongchainCrypto

/// The answer to a bank's check (`GET /v1/greylist/checks/{checkId}`, `ProvableQuery.greylistCheck`): its check
/// record, the VRF keys the chain holds, and for each pseudonym of the check whether it is listed at the answer's
/// block time, with the entry's fields — never who reported it (docs/greylist.md, "The check").
public struct GreylistCheckAnswer: Codable, Sendable, Equatable {
    public struct Key: Codable, Sendable, Equatable {
        public let keyVersion: UInt32
        public let vrfKey: String
        /// The first height the version is in force.
        public let fromHeight: UInt64
    }

    public struct Subject: Codable, Sendable, Equatable {
        public let keyVersion: UInt32
        public let pseudonym: Hash
        public let listed: Bool
        public let category: GreylistCategory?
        public let since: Int64?
        public let expiresAt: Int64?
        public let underAppeal: Bool?
    }

    public let check: Hash
    /// The checking bank's member name.
    public let bank: String
    public let purpose: GreylistPurpose
    public let checkedHeight: UInt64
    public let checkedTime: Int64
    /// Any subject listed.
    public let listed: Bool
    public let subjects: [Subject]
    public let keys: [Key]

    /// The answer for check `id` asked by the member with key `asker`, at block time `time`: UNKNOWN_CHECK unless
    /// the record exists and is that member's, CHECK_EXPIRED once `checkAnswerWindowMs` has passed since it. Reads
    /// single keys only: the record, the asker's member record, the parameters, the keys, each subject's entry.
    /// Throws when one of them is in state and does not decode.
    static func answer(_ id: Hash, askedBy asker: PublicKey, time: Int64, _ state: StateReader) throws(DamagedRecord) -> Result<GreylistCheckAnswer, TxResult> {
        guard let record = try GreylistCheckRecord.load(id, state), let member = try Governance.member(key: asker, state),
              member.name.utf8.elementsEqual(record.bank.utf8) else {
            return .failure(.reject(Codes.Greylist.unknownCheck, "no check \(id.hex) of the asking bank (or it was swept)"))
        }
        let window = try GreylistParameters.load(state).checkAnswerWindowMs
        let (deadline, overflow) = record.time.addingReportingOverflow(window)
        guard overflow || time < deadline else {
            return .failure(.reject(Codes.Greylist.checkExpired,
                                    "check \(id.short) was recorded at \(record.time); its answer could be read for \(window) ms, until \(deadline)"))
        }
        let keys = (try GreylistKeyRing.load(state)?.versions ?? []).map {
            Key(keyVersion: $0.version, vrfKey: VRFPublicKey.textPrefix + Hex.encode($0.key), fromHeight: $0.fromHeight)
        }
        var subjects: [Subject] = []
        for s in record.subjects {
            guard let e = try GreylistEntry.load(s, state) else {
                subjects.append(Subject(keyVersion: s.keyVersion, pseudonym: s.pseudonym, listed: false, category: nil, since: nil, expiresAt: nil,
                                        underAppeal: nil))
                continue
            }
            subjects.append(Subject(keyVersion: s.keyVersion, pseudonym: s.pseudonym, listed: e.listed(at: time), category: e.category,
                                    since: e.since, expiresAt: e.expiresAt, underAppeal: e.underAppeal))
        }
        return .success(GreylistCheckAnswer(check: id, bank: record.bank, purpose: record.purpose, checkedHeight: record.height,
                                            checkedTime: record.time, listed: subjects.contains { $0.listed }, subjects: subjects, keys: keys))
    }

    /// Steps 2 and 3 of docs/greylist.md's "What the answer proves", for a bank holding its applicant's identity
    /// and the pseudonyms with their VRF proofs it was given (`POST /v1/greylist/pseudonyms`); step 1, the bundle,
    /// is the light client's. Returns whether the applicant is listed.
    ///
    /// - Throws: `CodedError` `PROOF_ANSWER_MISMATCH` when the record is another bank's or holds other pseudonyms
    ///   than `pseudonyms`; `VRF_PROOF_INVALID` when a pseudonym is not `identity`'s under the key the chain holds
    ///   for its version (a node answered about someone else, or made the pseudonym with a key of its own);
    ///   `VRF_PROOF_MALFORMED` for a proof that is not 81 well-formed bytes.
    public func verify(bank: String, identity: GreylistIdentity, chainID: String, pseudonyms: [GreylistPseudonym]) throws -> Bool {
        guard self.bank.utf8.elementsEqual(bank.utf8) else {
            throw CodedError(code: "PROOF_ANSWER_MISMATCH", message: "the check record is \(self.bank)'s, not \(bank)'s")
        }
        let asked = Set(pseudonyms.map { GreylistSubject(keyVersion: $0.keyVersion, pseudonym: $0.pseudonym) })
        guard asked == Set(subjects.map { GreylistSubject(keyVersion: $0.keyVersion, pseudonym: $0.pseudonym) }), asked.count == pseudonyms.count else {
            throw CodedError(code: "PROOF_ANSWER_MISMATCH", message: "the check record's pseudonyms are not the ones the applicant was given")
        }
        let alpha = identity.alpha(chainID: chainID)
        for p in pseudonyms {
            guard let text = keys.first(where: { $0.keyVersion == p.keyVersion })?.vrfKey, let key = try? VRFPublicKey(text: text) else {
                throw CodedError(code: "VRF_PROOF_INVALID", message: "the chain holds no VRF key version \(p.keyVersion)")
            }
            guard let proof = Hex.decode(p.proof) else { throw CodedError(code: "VRF_PROOF_MALFORMED", message: "a proof is 162 hex digits") }
            guard try key.verify(proof: proof, alpha: alpha) == p.pseudonym else {
                throw CodedError(code: "VRF_PROOF_INVALID", message: "the pseudonym under version \(p.keyVersion) is not the applicant's")
            }
        }
        return listed
    }
}
