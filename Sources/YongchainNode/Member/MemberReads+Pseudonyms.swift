import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// A member node's bank asks for pseudonyms (`POST /v1/greylist/pseudonyms`, docs/greylist.md, step 1) through its
/// own node: the request goes to the full nodes in turn, signed with the member's key; the one holding the
/// supervisor's VRF key answers, and every proof in its answer must verify against the alpha of the identity asked
/// and the key it names (the bank checks those keys against the chain's in step 3). A full node without the key
/// (503 GREYLIST_UNAVAILABLE), busy or failing is passed over; an answer whose proofs do not verify is counted and
/// the next asked; a refusal of the request itself reaches the bank as its code and message.
extension MemberReads {
    static func forwardsPseudonyms(_ req: HTTPRequest) -> Bool { req.method == "POST" && req.path == "/v1/greylist/pseudonyms" }

    func pseudonyms(_ req: HTTPRequest) -> HTTPResponse {
        var last = APIError(NodeCode.greylistUnavailable, "no full node holding the grey-list's VRF key answered")
        for source in sync.sources {
            let headers = RequestAuth.headers(method: req.method, target: req.target, body: req.body, key: sync.key, chainID: sync.genesis.chainID)
                + [("Content-Type", "application/json")]
            let r: HTTPResponse
            do { r = try sync.client.send(req.method, url: source.url + req.target, headers: headers, body: req.body) } catch {
                last = APIError(NodeCode.greylistUnavailable, "\(source.name): \(error)")
                continue
            }
            guard r.status == 200 else {
                let error = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["error"] as? [String: Any]
                let refusal = APIError(error?["code"] as? String ?? NodeCode.greylistUnavailable, error?["message"] as? String ?? "\(source.name) answered \(r.status)")
                if r.status == 429 && refusal.code != NodeCode.greylistPseudonymLimit || r.status >= 500 {
                    last = refusal
                    continue
                }
                var out = refusal.response
                out.status = r.status
                return out
            }
            if let why = Self.unproven(r.body, asked: req.body, chainID: sync.genesis.chainID) {
                sync.count(source, "VRF_PROOF_INVALID", why, from: sync.height + 1)
                last = APIError("VRF_PROOF_INVALID", "\(source.name): \(why)")
                continue
            }
            return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: r.body)
        }
        var out = last.response
        out.status = last.code == NodeCode.greylistUnavailable ? 503 : 502
        return out
    }

    /// Why `answer` does not give, for each identity of `asked` in order, pseudonyms whose proofs verify under the
    /// keys it names; nil when it does.
    static func unproven(_ answer: [UInt8], asked: [UInt8], chainID: String) -> String? {
        struct Asked: Decodable {
            struct Identity: Decodable { let idType: String; let idNumber: String }
            let subjects: [Identity]
        }
        struct Envelope: Decodable {
            struct Key: Decodable { let keyVersion: UInt32; let vrfKey: String }
            struct Subject: Decodable { let pseudonyms: [GreylistPseudonym] }
            struct Result: Decodable { let keys: [Key]; let subjects: [Subject] }
            let result: Result
        }
        guard let q = try? JSONDecoder().decode(Asked.self, from: Data(asked)), let a = try? JSONDecoder().decode(Envelope.self, from: Data(answer)).result,
              a.subjects.count == q.subjects.count else { return "the answer is not one pseudonym list per identity asked" }
        for (identity, subject) in zip(q.subjects, a.subjects) {
            guard let id = try? GreylistIdentity(idType: identity.idType, idNumber: identity.idNumber), !subject.pseudonyms.isEmpty else {
                return "no pseudonym for an identity asked"
            }
            for p in subject.pseudonyms {
                guard let text = a.keys.first(where: { $0.keyVersion == p.keyVersion })?.vrfKey, let key = try? VRFPublicKey(text: text),
                      let proof = Hex.decode(p.proof), (try? key.verify(proof: proof, alpha: id.alpha(chainID: chainID))) == p.pseudonym else {
                    return "the pseudonym of version \(p.keyVersion) is not the identity's under the key named"
                }
            }
        }
        return nil
    }
}
