import Foundation
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// What a member node answers from what it holds (docs/confidentiality.md, "The member node"). Every other path is
/// NOT_FOUND. Verification reads (`/v1/mortgage/…`, `/v1/trade/…`, `/v1/greylist/checks/…`), signed by the member's
/// own key, are forwarded to full nodes and their proofs checked (`MemberReads`); so are grey-list pseudonym requests,
/// their VRF proofs checked (`MemberReads+Pseudonyms`).
extension MemberNodeRuntime {
    func handle(_ req: HTTPRequest) -> HTTPResponse {
        let parts = req.path.split(separator: "/", omittingEmptySubsequences: true)
        do {
            if MemberReads.forwards(req.path) || MemberReads.forwardsPseudonyms(req) {
                let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
                let me = key.publicKey
                if case .failure(let e) = requests.verify(method: req.method, target: req.target, headers: req.headers, body: req.body, nowMs: nowMs,
                                                          allowed: member, isKnown: { $0 == me }) {
                    throw e
                }
                return MemberReads.forwardsPseudonyms(req) ? reads.pseudonyms(req) : reads.forward(req)
            }
            switch (req.method, parts.count) {
            case ("GET", 1) where parts[0] == "healthz", ("HEAD", 1) where parts[0] == "healthz":
                if let why = sync.kindMismatch.withLock({ $0 }) {
                    var r = APIError(NodeCode.nodeKindMismatch, why).response
                    r.status = 503
                    return r
                }
                return .json(200, Array(#"{"status":"ok"}"#.utf8))
            case ("GET", 2) where parts == ["v1", "status"]:
                return try status()
            case ("GET", 1) where parts[0] == "metrics":
                return .text(200, metricsText(), contentType: "text/plain; version=0.0.4")
            case ("POST", 2) where parts == ["v1", "txs"]:
                return try transactions.submit(req)
            case ("GET", 3) where parts[0] == "v1" && parts[1] == "txs":
                return try transaction(String(parts[2]))
            default:
                throw APIError.notFound("a member node answers /healthz, /v1/status, /metrics, its own transactions at /v1/txs/{hash}, POST /v1/txs and verification reads; not \(req.method) \(req.path)")
            }
        } catch let e as APIError {
            return e.response
        } catch {
            logger.error("api", "\(req.method) \(req.path): \(error)")
            return APIError(NodeCode.internalError, "\(error)").response
        }
    }

    struct MemberStatusJSON: Encodable {
        let chainId: String, hashSuite: String
        let nodeId: String
        let moniker: String
        /// Always "member".
        let node: String
        let height: UInt64
        let latestBlockHash: String
        let latestBlockTime: Int64
        /// The height up to which a party-log proof confirmed the member holds all its own transactions.
        let provenHeight: UInt64
        let transport: String
    }

    private func status() throws -> HTTPResponse {
        let (height, proven) = sync.state.withLock { ($0.height, $0.proven.height) }
        let newest = height > 0 ? try store.header(at: height) : nil
        return .json(200, JSON.encode(MemberStatusJSON(
            chainId: genesis.chainID, hashSuite: genesis.chain.hashSuite.rawValue, nodeId: key.publicKey.keyID, moniker: config.moniker,
            node: "member", height: height, latestBlockHash: newest?.header.hash.hex ?? Hash.zero.hex,
            latestBlockTime: newest?.header.time ?? genesis.genesisTime, provenHeight: proven,
            transport: config.tlsEnabled ? "tls1.3" : "plain")))
    }

    private func transaction(_ text: String) throws -> HTTPResponse {
        guard let h = Hash(hex: text) else { throw APIError.badRequest(NodeCode.invalidHash, "a transaction hash is 64 hex digits") }
        guard let own = try store.ownTransaction(h) else {
            throw APIError.notFound("no transaction \(h.hex) of \(member) is held by this member node (it holds its own transactions only)")
        }
        return .json(200, JSON.encode(TxResultJSON(TxRecord(hash: h, height: own.height, index: Int(own.index),
                                                            result: TxResult(code: own.code, message: "")))))
    }

    /// The member's height and each full node's failures by code, in Prometheus text.
    private func metricsText() -> String {
        var out = "# TYPE yongchain_member_height gauge\nyongchain_member_height \(sync.height)\n"
        out += "# TYPE yongchain_member_sync_failures_total counter\n"
        for (k, n) in sync.failures.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            let p = k.split(separator: "|", maxSplits: 1).map(String.init)
            out += "yongchain_member_sync_failures_total{full_node=\"\(p[0])\",code=\"\(p[1])\"} \(n)\n"
        }
        return out
    }
}
