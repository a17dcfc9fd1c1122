import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// The grey-list's reads (docs/greylist.md, "HTTP routes"). A listing is answered only through a check the asking
/// bank logged (route 3): the record exists before the answer does.
extension QueryService {
    /// `GET /v1/greylist/checks/{checkId}`: for the bank that logged the check, whether its pseudonyms are listed,
    /// within `checkAnswerWindowMs` of the check (UNKNOWN_CHECK, CHECK_EXPIRED); provable.
    func greylistCheck(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        guard case .member(let org) = call.caller, org.role == .bank else {
            throw APIError(Codes.forbiddenRole, "only the bank that logged a grey-list check may read its answer")
        }
        guard let id = Hash(hex: call["checkId"]) else { throw invalid("checkId", "the hash of your committed greylist.check, 64 hex digits") }
        return try ProvenAnswer.respond(.greylistCheck(check: id, bank: org.publicKey), prove: try proves(call, state), state: state, base: proofBase, answers: answers,
                                        notFound: "")
    }

    /// `GET /v1/greylist/stats`: the grey-list's counts (the seed's figures) and the entries held; open.
    func greylistStats(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        try answer(state) { v, _ in
            let stats = try GreylistStats.load(v), ring = try GreylistKeyRing.load(v)
            try v.checkReads()
            return Self.greylistFigures(stats, ring)
        }
    }

    /// The stats as JSON and /metrics name them: each count by its name, and `entries`, those held (expired ones
    /// until a sweep removes them).
    static func greylistFigures(_ stats: GreylistStats, _ ring: GreylistKeyRing?) -> [String: UInt64] {
        var out: [String: UInt64] = ["entries": (ring?.versions ?? []).reduce(0) { $0 &+ $1.entries }]
        for c in GreylistStats.Count.allCases { out["\(c)"] = stats[c] }
        return out
    }
}
