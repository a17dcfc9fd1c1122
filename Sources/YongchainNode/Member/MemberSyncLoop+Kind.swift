import Foundation
import YongchainApplication
import YongchainCore
import YongchainHTTP
import YongchainLightClient

/// A member admitted after genesis has no genesis entry to say which kind of node it runs; before it syncs, its
/// node asks a full node for the proven record of its own key (`GET /v1/governance/members/{key}?prove=true`) and
/// checks the proof back to genesis, as any proven answer (docs/confidentiality.md). The chain recording it as a
/// full node's organisation, under another name, or not at all, stops the sync (NODE_KIND_MISMATCH, in the log and
/// `/healthz`); an answer that does not verify is counted against its full node and the next is asked.
extension MemberSyncLoop {
    enum KindCheck: Equatable {
        /// The chain records this key as `member`'s, running a member node.
        case member
        case mismatch(String)
        /// No verified answer from this full node.
        case unanswered
    }

    /// What `source` proves the chain records of this node's key.
    func recordedKind(from source: Source) -> KindCheck {
        let target = "/v1/governance/members/\(key.publicKey.text)?prove=true"
        let response: HTTPResponse
        do {
            response = try client.send("GET", url: source.url + target,
                                       headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: genesis.chainID))
        } catch {
            count(source, "UNREACHABLE", "\(error)", from: height + 1)
            return .unanswered
        }
        let verdict: AnswerVerifier.Verdict
        do { verdict = try AnswerVerifier.verify(response: response.body, genesis: genesis) } catch let f as ProofFailure {
            count(source, f.code, "the proven member record: \(f.message)", from: height + 1)
            return .unanswered
        } catch {
            count(source, "UNREACHABLE", "\(error)", from: height + 1)
            return .unanswered
        }
        // The question travels in the proof; its statement names the key asked about.
        guard verdict.question == ProvableQuery.member(key.publicKey).question else {
            count(source, ProofFailure.Reason.answerMismatch.rawValue, "the proof answers another question", from: height + 1)
            return .unanswered
        }
        switch verdict.outcome {
        case .refused:
            return .mismatch("the chain records no member with this node's key \(key.publicKey.text) (proven at height \(verdict.height))")
        case .result(let bytes):
            guard let m = try? JSONDecoder().decode(Member.self, from: Data(bytes)) else {
                count(source, ProofFailure.Reason.answerMismatch.rawValue, "the proven member record does not decode", from: height + 1)
                return .unanswered
            }
            guard m.node == .member, m.name == memberName else {
                return .mismatch("the chain records this key as \(m.name)'s, running a \(m.node.rawValue) node (proven at height \(verdict.height)); config.json says \"node\": \"member\" for \(memberName)")
            }
            return .member
        }
    }
}
