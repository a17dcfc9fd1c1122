import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage

/// A member node's verification reads (docs/confidentiality.md, "A member node answers its bank by proof"): the
/// read is forwarded to a full node with `prove=true`, signed with the member's key; the answer's proof is checked
/// back to genesis (`AnswerVerifier`), its block against the member's own certified header of that height, and its
/// height against `answerWindow` blocks below the member's tip (ANSWER_STALE). A full node whose answer fails is
/// counted like a failed batch and the next is asked; the bank gets the verified answer with `"proven": true`, or
/// 502 with the last failure's code when no full node gave one — or 503 NOT_CAUGHT_UP while the member has no
/// header yet.
///
/// Thread rule: HTTP workers, any number at once; the store and the sync state keep their own locks.
struct MemberReads: Sendable {
    let sync: MemberSyncLoop
    let answerWindow: UInt64

    /// Whether `path` is a verification read a member node forwards.
    static func forwards(_ path: String) -> Bool {
        path.hasPrefix("/v1/mortgage/") || path.hasPrefix("/v1/trade/") || path.hasPrefix("/v1/greylist/checks/")
    }

    func forward(_ req: HTTPRequest) -> HTTPResponse {
        // With no certified header yet, nothing could say an answer is not stale: there is nothing to ask for.
        guard sync.height > 0 else {
            return APIError(NodeCode.notCaughtUp, "this member node has not synced a block yet, so it cannot check an answer's age; retry once its height (GET /v1/status) is above 0").response
        }
        var target = req.target.contains("prove=true") ? req.target : req.target + (req.target.contains("?") ? "&" : "?") + "prove=true"
        // A full node behind the one this member synced from answers once it has the member's height, not from
        // before it: a bank reading its own transaction just committed (a grey-list check's answer) is not told
        // "unknown" by a full node a block behind.
        if req.method == "GET", req.query["minHeight"] == nil { target += "&minHeight=\(sync.height)" }
        var last = APIError(NodeCode.answerUnverified, "no full node to ask")
        for source in sync.sources {
            let headers = RequestAuth.headers(method: req.method, target: target, body: req.body, key: sync.key, chainID: sync.genesis.chainID)
                + (req.headers["Content-Type"].map { [("Content-Type", $0)] } ?? [])
            let r: HTTPResponse
            do { r = try sync.client.send(req.method, url: source.url + target, headers: headers, body: req.body) } catch {
                sync.count(source, "UNREACHABLE", "\(error)", from: sync.height + 1)
                last = APIError(NodeCode.answerUnverified, "\(source.name): \(error)")
                continue
            }
            // A refusal of the request itself (a field, the caller's rights) carries no proof; the bank sees its code
            // and message, rebuilt here (nothing else of the full node's answer passes). A full node that is busy
            // (429) or failing (5xx) is passed over for the next.
            if r.body.firstRange(of: Array(#""proof""#.utf8)) == nil, r.status != 404, r.status >= 400 {
                let error = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["error"] as? [String: Any]
                let refusal = APIError(error?["code"] as? String ?? NodeCode.answerUnverified,
                                       error?["message"] as? String ?? "\(source.name) answered \(r.status)")
                if r.status == 429 || r.status >= 500 {
                    sync.count(source, "UNREACHABLE", "status \(r.status): \(refusal.code)", from: sync.height + 1)
                    last = refusal
                    continue
                }
                var out = refusal.response
                out.status = r.status
                return out
            }
            do {
                try check(r.body, asked: req)
                return HTTPResponse(status: r.status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Self.markProven(r.body))
            } catch let e as APIError {
                sync.count(source, e.code, e.message, from: sync.height + 1)
                last = e
            } catch {
                last = APIError(NodeCode.answerUnverified, "\(source.name): \(error)")
            }
        }
        var out = last.response
        out.status = 502
        return out
    }

    /// The answer's proof, its question against the bank's request, its block against the member's own header, and its
    /// height against the window.
    func check(_ body: [UInt8], asked req: HTTPRequest) throws {
        let verdict: AnswerVerifier.Verdict
        do { verdict = try AnswerVerifier.verify(response: body, genesis: sync.genesis) } catch let f as ProofFailure {
            throw APIError(f.code, f.message)
        }
        // The envelope's members and nothing else (AnswerEnvelope): a field the proof does not cover would reach
        // the bank under "proven": true.
        guard let top = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              Set(top.keys).isSubset(of: Self.envelopeKeys) else {
            throw APIError(ProofFailure.Reason.answerMismatch.rawValue, "the answer carries members no proof covers (an answer is \(Self.envelopeKeys.sorted()))")
        }
        guard Self.answers(verdict.query, req, bank: sync.key.publicKey) else {
            throw APIError(ProofFailure.Reason.answerMismatch.rawValue, "the proof answers another question than the bank's: \(verdict.question)")
        }
        let tip = sync.height
        if verdict.height <= tip {
            guard let own = try sync.store.header(at: verdict.height), own.header.hash == verdict.blockHash else {
                throw APIError(ProofFailure.Reason.answerMismatch.rawValue,
                               "the answer's block \(verdict.blockHash.short) at height \(verdict.height) is not the member's certified header of that height")
            }
        }
        if tip > answerWindow, verdict.height < tip - answerWindow {
            throw APIError(NodeCode.answerStale, "the answer is proven at height \(verdict.height), more than \(answerWindow) blocks below the member's height \(tip)")
        }
    }

    /// What a proven answer's JSON may hold (docs/openapi.yaml, `AnswerEnvelope`).
    static let envelopeKeys: Set<String> = ["blockHash", "error", "height", "proof", "result"]

    /// `{"proven":true,` before the answer's own members.
    static func markProven(_ body: [UInt8]) -> [UInt8] {
        guard body.first == UInt8(ascii: "{") else { return body }
        let rest = body.dropFirst()
        return Array(#"{"proven":true"#.utf8) + (rest.first == UInt8(ascii: "}") ? [] : [UInt8(ascii: ",")]) + rest
    }
}
