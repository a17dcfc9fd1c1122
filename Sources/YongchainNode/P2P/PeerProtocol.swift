import Foundation
import YongchainApplication
import YongchainConsensus
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

/// The inbound half of the peer protocol: `POST /v1/gossip` (consensus messages and transactions from members'
/// nodes) and `GET /v1/sync/blocks` (committed blocks for catch-up). Signatures are verified on the HTTP thread
/// that received them, in parallel; only what verifies reaches the consensus queue (`ConsensusShell.receive`) or
/// admission. The outbound half is `Gossip`.
///
/// Thread rule: HTTP worker threads, any number at once; it keeps no state of its own (peers' claims and verified
/// heights go to `Gossip`, signed heights to `CatchUpStatus`).
final class PeerProtocol: Sendable {
    let chain: Chain
    let gossip: Gossip
    let consensus: ConsensusShell
    let admission: Admission
    let catchUp: CatchUpStatus
    let view: ChainView
    let store: ChainStore
    let metrics: Metrics
    let limits: APILimits
    /// Proposals received with the bytes of their blocks, so a re-sent copy is not decoded again.
    let received = ReceivedProposals()

    init(gossip: Gossip, consensus: ConsensusShell, admission: Admission, catchUp: CatchUpStatus, metrics: Metrics, limits: APILimits) {
        chain = consensus.chain
        self.gossip = gossip
        self.consensus = consensus
        self.admission = admission
        self.catchUp = catchUp
        view = consensus.view
        store = consensus.store
        self.metrics = metrics
        self.limits = limits
    }

    var signatures: SignatureCache { admission.signatures }

    // MARK: - Routes

    /// `POST /v1/gossip`: the envelope's messages, each checked by its own signature. Over TLS the route table
    /// lets only members' nodes reach it (`RouteAuth.peer`).
    func gossipRequest(_ call: Call) throws -> HTTPResponse {
        let req = call.request
        let env: GossipEnvelope
        var found = GossipEnvelope.Decoding()
        do { env = try GossipEnvelope(canonical: req.body, hashSuite: chain.hashSuite, received: received, found: &found) } catch {
            metrics.count("gossip_invalid_total")
            throw APIError.badRequest(NodeCode.malformedGossip, "\(error)")
        }
        if !found.decoded.isEmpty { metrics.count("gossip_proposals_decoded", by: found.decoded.count) }
        if found.alreadyHeld > 0 { metrics.count("gossip_proposals_already_held", by: found.alreadyHeld) }
        guard env.chainID == chain.id else { throw APIError.badRequest(NodeCode.wrongChain, "this node is on chain \(chain.id)") }
        // The envelope is not signed: its sender and height are a claim, a hint for catch-up and nothing more.
        gossip.noteClaim(name: env.sender, height: env.senderHeight, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        _ = receiveGossip(env, body: req.body, found: found)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: GossipReply.encode(height: store.tip.height))
    }

    /// `GET /v1/sync/blocks?from=H&limit=N`: committed blocks with their certificates, from one snapshot — whole
    /// blocks, so only to a caller whose `ServingScope` is everything. A member node is refused with 403
    /// SYNC_NOT_FULL_NODE (it syncs `GET /v1/sync/redacted`), a caller that names no member with 401 AUTH_REQUIRED
    /// once some member runs a member node.
    func syncRequest(_ call: Call, _ state: ReadView) throws -> HTTPResponse {
        let req = call.request
        guard let text = req.query["from"] else { throw APIError.badRequest(NodeCode.invalidHeight, "from: required, a height ≥ 1") }
        let from = try Parameter.integer(text, name: "from", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
        let limit = try Parameter.integer(req, "limit", in: 1...limits.maxSyncBlocks, default: 100)
        switch try ServingScope.of(call, state) {
        case .everything: break
        case .own(let m):
            throw APIError(NodeCode.syncNotFullNode, "\(m.name) runs a member node: it is served redacted batches (GET /v1/sync/redacted), not whole blocks")
        case .headers:
            throw APIError(NodeCode.authRequired, "whole blocks are served to full nodes only: sign the request with a full node's member key (docs/confidentiality.md)")
        }
        var entries: [(block: Block, certificate: CommitCertificate)] = []
        var h = from
        var bytes = 0
        while entries.count < limit, bytes < limits.maxSyncBytes, let (b, c) = try state.committedBlock(at: h) {
            entries.append((b, c))
            bytes += b.transactions.count * 300
            h += 1
        }
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: SyncBatch(entries: entries).canonicalBytes)
    }

    // MARK: - Inbound gossip

    /// Verifies signatures here, on the caller's thread, then queues what is valid for consensus. A proposal for
    /// consensus whose block was decoded from `body` (`found`) is kept with those bytes (`received`).
    func receiveGossip(_ env: GossipEnvelope, body: [UInt8], found: GossipEnvelope.Decoding) -> Int {
        var rejected = 0
        var forConsensus: [GossipMessage] = []
        let rules = view.currentRules
        for (i, m) in env.messages.enumerated() {
            switch m {
            case .proposal(let p, let b):
                guard let (signer, forward) = signer(at: p.height, index: p.proposer, rules),
                      signatures.verify(signer.publicKey, p.signature, p.signingBytes(chainID: chain.id)),
                      b.hash == p.blockHash else { rejected += 1; continue }
                noteSigned(signer, height: p.height)
                guard forward else { continue }
                if let range = found.decoded[i], range.upperBound <= body.count {
                    received.keep(p, bytes: Array(body[range]), block: b, tip: rules.tip)
                }
                forConsensus.append(m)
            case .vote(let v):
                guard let (signer, forward) = signer(at: v.height, index: v.validator, rules),
                      signatures.verify(signer.publicKey, v.signature, v.signingBytes(chainID: chain.id)) else {
                    rejected += 1; continue
                }
                noteSigned(signer, height: v.height)
                if forward { forConsensus.append(m) }
            case .transactions(let txs):
                rejected += admission.admit(txs, relay: false).filter { $0.refusal != nil }.count
            }
        }
        if rejected > 0 { metrics.count("gossip_invalid_total", by: rejected) }
        consensus.receive(forConsensus)
        return rejected
    }

    /// Who signed a message of `height` as validator `index`, and whether consensus can use it. The rules at the
    /// tip know the sets of the tip and the two heights after it: those messages are checked exactly and the
    /// current and next heights' go to consensus. A message from further ahead is checked against the newest set
    /// known — a hint that this node is behind (`CatchUpStatus`), never an input to consensus; older ones are
    /// ignored. Nil when the index is not in that set.
    func signer(at height: UInt64, index: Int, _ rules: ChainRules) -> (Validator, forward: Bool)? {
        guard height >= rules.tip, index >= 0 else { return nil }
        let exact = rules.validators(at: height)
        let set = exact ?? rules.schedule.current
        guard index < set.count else { return nil }
        return (set[index], exact != nil && height > rules.tip)
    }

    /// A verified signature of `validator` at `height`: that validator committed `height − 1` — if it is
    /// correct. A signature proves who makes a claim, not that it is true, so it counts toward the peer's reported
    /// height only up to `Gossip.signedHeightWindow` above this node's tip; beyond, only certified blocks the peer
    /// serves count (`CatchUpStatus` weighs signatures by power on its own).
    func noteSigned(_ validator: Validator, height: UInt64) {
        catchUp.signed(key: validator.publicKey, height: height)
        guard height > 0 else { return }
        let committed = height - 1, tip = view.height
        if committed <= tip || committed - tip <= Gossip.signedHeightWindow { gossip.noteVerified(name: validator.name, height: committed) }
    }
}
