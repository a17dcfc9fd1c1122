import Foundation
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainStorage

extension ValidationError: ValidationErrorConvertible {
    var validationMessage: String { "\(field): \(message)" }
}

/// The node's HTTP JSON API (docs/openapi.yaml) and the gossip/sync endpoints peers use.
struct API: Sendable {
    let node: Node

    func handle(_ req: HTTPRequest) -> HTTPResponse {
        let started = DispatchTime.now()
        let (route, resp) = route(req)
        let secs = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        node.metrics.observeHTTP(route: route, status: resp.status, seconds: secs)
        return resp
    }

    private func route(_ req: HTTPRequest) -> (String, HTTPResponse) {
        let parts = req.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        do {
            if req.method == "GET", let text = req.query["minHeight"] { try waitForHeight(req, text) }
            switch (req.method, parts) {
            case ("GET", []): return ("/", StatusPage.render(node: node))
            case ("GET", ["healthz"]), ("HEAD", ["healthz"]):
                return ("/healthz", healthz())
            case ("GET", ["v1", "status"]): return ("/v1/status", try status())
            case ("GET", ["v1", "blocks", "latest"]): return ("/v1/blocks/{height}", try block(height: node.store.tip.height))
            case ("GET", ["v1", "blocks"]): return ("/v1/blocks", try blocks(req))
            case ("GET", let p) where p.count == 3 && p[0] == "v1" && p[1] == "blocks":
                let h = try Parameter.integer(p[2], name: "height", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
                return ("/v1/blocks/{height}", try block(height: h))
            case ("POST", ["v1", "txs"]): return ("/v1/txs", try submit(req))
            case ("POST", ["v1", "txs", "batch"]): return ("/v1/txs/batch", try submitBatch(req))
            case ("GET", let p) where p.count == 3 && p[0] == "v1" && p[1] == "txs" && p[2] != "batch":
                return ("/v1/txs/{hash}", try transaction(p[2]))
            case ("GET", ["v1", "validators"]): return ("/v1/validators", try validators(req))
            case ("GET", ["v1", "peers"]): return ("/v1/peers", peers())
            case ("GET", ["v1", "evidence"]): return ("/v1/evidence", try evidence())
            case ("GET", ["metrics"]): return ("/metrics", metrics())
            case ("POST", ["v1", "gossip"]): return ("/v1/gossip", try gossip(req))
            case ("GET", ["v1", "sync", "blocks"]): return ("/v1/sync/blocks", try syncBlocks(req))
            default:
                if let r = try AppRoutes(node: node).route(req, parts) { return r }
                let template = Self.label(parts)
                if let allowed = Self.methods[template] {
                    // A route that exists, asked with a method it does not have: 405 and what it does have (RFC 9110 15.5.6).
                    var r = APIError(NodeCode.methodNotAllowed, "\(template) answers \(allowed.joined(separator: ", ")), not \(req.method)").response
                    r.headers.set("Allow", allowed.joined(separator: ", "))
                    return (template, r)
                }
                return ("unmatched", APIError(NodeCode.notFound, "no route for \(req.method) \(req.path)").response)
            }
        } catch let e as APIError {
            return (Self.label(parts), e.response)
        } catch let e as StoredBlockCorrupt {
            node.storageError(e, "answering \(Self.label(parts))")
            return (Self.label(parts), APIError(e.code, "\(e); this node stopped and needs its operator").response)
        } catch let e as StorageError where e.code == ChainStore.snapshotGone {
            // Not the disk's fault: the chain moved on while a proof was read, three times over.
            return (Self.label(parts), APIError(NodeCode.storageUnavailable, "the chain moved on while this answer was read; retry").response)
        } catch let e as StorageError {
            node.storageError(e, "answering \(Self.label(parts))")
            return (Self.label(parts), APIError(e.code == NodeCode.storageCorrupt ? e.code : NodeCode.storageFailed, "this node could not read its database (\(e.code)); retry shortly or ask another node").response)
        } catch {
            return (Self.label(parts), APIError(NodeCode.internalError, "\(error)").response)
        }
    }

    /// Every route template: the only values the `route` label of the HTTP metrics takes (with "unmatched"), so
    /// that no request path, whatever it holds, becomes a metric series or lands unescaped in /metrics.
    static let routeTemplates = [
        "/", "/healthz", "/metrics", "/v1/status", "/v1/blocks", "/v1/blocks/{height}", "/v1/txs", "/v1/txs/batch",
        "/v1/txs/{hash}", "/v1/validators", "/v1/peers", "/v1/evidence", "/v1/gossip", "/v1/sync/blocks",
        SessionAuth.path, "/v1/mortgage/titles/verify", "/v1/mortgage/units/{unit}/encumbrances",
        "/v1/mortgage/certificates/{no}", "/v1/mortgage/applications/{id}", "/v1/mortgage/banks/{key}/filings",
        "/v1/trade/precheck", "/v1/trade/enterprises/{code}/credit-record", "/v1/trade/enterprises/{code}/queries",
        "/v1/governance/members", "/v1/governance/proposals", "/v1/governance/proposals/{id}",
    ].map { t in t.split(separator: "/").map(String.init) }

    /// The methods each route template answers, for the `Allow` header of a 405.
    static let methods: [String: [String]] = {
        var m: [String: [String]] = [:]
        for t in ["/", "/metrics", "/v1/status", "/v1/blocks", "/v1/blocks/{height}", "/v1/txs/{hash}", "/v1/validators", "/v1/peers",
                  "/v1/evidence", "/v1/sync/blocks", "/v1/mortgage/titles/verify", "/v1/mortgage/units/{unit}/encumbrances",
                  "/v1/mortgage/certificates/{no}", "/v1/mortgage/applications/{id}", "/v1/mortgage/banks/{key}/filings",
                  "/v1/trade/enterprises/{code}/credit-record", "/v1/trade/enterprises/{code}/queries", "/v1/governance/proposals",
                  "/v1/governance/proposals/{id}", "/v1/governance/members"] { m[t] = ["GET"] }
        for t in ["/v1/txs", "/v1/txs/batch", "/v1/gossip", SessionAuth.path, "/v1/trade/precheck"] { m[t] = ["POST"] }
        m["/healthz"] = ["GET", "HEAD"]
        precondition(Set(m.keys) == Set(routeTemplates.map { "/" + $0.joined(separator: "/") }), "every route template has its methods")
        return m
    }()

    /// The template a path's segments fit (a literal segment matches itself first), or "unmatched".
    static func label(_ parts: [String]) -> String {
        let fits = routeTemplates.filter { t in
            t.count == parts.count && zip(t, parts).allSatisfy { $0 == $1 || $0.hasPrefix("{") }
        }
        let best = fits.max { a, b in zip(a, parts).filter { $0 == $1 }.count < zip(b, parts).filter { $0 == $1 }.count }
        return best.map { "/" + $0.joined(separator: "/") } ?? "unmatched"
    }

    /// `?minHeight=N` on any read: answer only once this node has committed height N, waiting up to `timeoutMs`
    /// (default 5,000, at most 60,000), so a client that wrote through one node and reads through another sees its
    /// own write. A transaction's answer names the height it committed at; pass that.
    /// Heights further ahead than this are refused at once (a node that far behind is catching up: ask another),
    /// and at most `maxHeightWaiters` reads wait at a time, so waiting cannot be used to hold the server's threads.

    func waitForHeight(_ req: HTTPRequest, _ text: String) throws {
        let timeoutMs = try Parameter.integer(req, "timeoutMs", in: 0...60_000, default: 5_000)
        let h = try Parameter.integer(text, name: "minHeight", in: 0...Parameter.maxHeight, code: NodeCode.invalidMinHeight)
        // The atomic height, not the store's tip: that takes the writer's lock, held through each block's fsync.
        let tip = node.committedHeight.load(ordering: .acquiring)
        if h <= tip { return }
        guard h - tip <= node.apiLimits.maxHeightLead else {
            throw APIError(NodeCode.heightNotReached, "this node is at height \(tip), more than \(node.apiLimits.maxHeightLead) blocks below \(h); ask another node or retry later")
        }
        guard node.heightWaiters.add(1, ordering: .relaxed).newValue <= node.apiLimits.maxHeightWaiters else {
            node.heightWaiters.subtract(1, ordering: .relaxed)
            throw APIError(NodeCode.tooManyWaiters, "\(node.apiLimits.maxHeightWaiters) reads are already waiting for a height on this node; retry shortly")
        }
        defer { node.heightWaiters.subtract(1, ordering: .relaxed) }
        let ok = node.commits.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) { node.committedHeight.load(ordering: .acquiring) >= h }
        guard ok else {
            throw APIError(NodeCode.heightNotReached, "this node is at height \(node.committedHeight.load(ordering: .acquiring)) and did not reach \(h) within \(timeoutMs) ms; retry, or ask another node")
        }
    }

    func block(height: UInt64) throws -> HTTPResponse {
        guard height > 0, let b = try node.store.block(at: height) else {
            throw APIError.notFound("no block at height \(height) (tip is \(node.store.tip.height))")
        }
        let cert = try node.store.certificate(at: height)
        let results = try node.store.read { v in try b.transactions.map { try v.transaction($0.hash(on: node.chain)) } }
        return .json(200, JSON.encode(BlockJSON(b, chain: node.chain, certificate: cert, results: results)))
    }

    func blocks(_ req: HTTPRequest) throws -> HTTPResponse {
        let limit = try Parameter.integer(req, "limit", in: 1...100, default: 20)
        let before = try Parameter.optionalInteger(req, "before", in: 1...Parameter.maxHeight)
        let rows = try node.store.read { try $0.recentBlocks(limit: limit, before: before) }
        struct Row: Encodable { let height: UInt64; let hash: String; let time: Int64; let txCount: Int }
        return .json(200, JSON.encode(["blocks": rows.map { Row(height: $0.height, hash: $0.hash.hex, time: $0.time, txCount: $0.txCount) }]))
    }

    // MARK: - Transactions

    func submit(_ req: HTTPRequest) throws -> HTTPResponse {
        let wait = req.query["wait"]
        guard wait == nil || wait == "commit" else { throw APIError.badRequest(NodeCode.invalidParameter, "wait: 'commit' or absent") }
        let timeoutMs = try Parameter.integer(req, "timeoutMs", in: 1...60_000, default: 10_000)
        let j = try JSON.decode(TransactionJSON.self, req.body)
        let tx = try j.transaction()
        // A waiting request holds a server thread for up to a minute: bound them, and refuse before admitting, so
        // a refused caller can simply send the same transaction again.
        if wait == "commit" {
            guard node.commitWaiters.add(1, ordering: .relaxed).newValue <= node.apiLimits.maxCommitWaiters else {
                node.commitWaiters.subtract(1, ordering: .relaxed)
                throw APIError(NodeCode.tooManyWaiters, "\(node.apiLimits.maxCommitWaiters) submissions are already waiting for their commit on this node; retry shortly, or submit without wait=commit and read GET /v1/txs/{hash}")
            }
        }
        defer { if wait == "commit" { node.commitWaiters.subtract(1, ordering: .relaxed) } }
        let hash: Hash
        switch node.admit([tx], relay: true)[0] {
        case .success(let h): hash = h
        case .failure(let e) where e.code == NodeCode.txAlreadyCommitted && wait == "commit":
            // A retry that waits for the commit gets what the first submission got: the committed outcome. Only
            // a retry without wait learns that it was a replay (409), so `wait=commit` is safe to repeat.
            hash = tx.hash(on: node.chain)
        case .failure(let e): throw e
        }
        guard wait == "commit" else {
            return .json(202, JSON.encode(["hash": hash.hex, "status": "pending"]))
        }
        var record: TxRecord?, failed: Error?
        let ok = node.commits.wait(until: Date().addingTimeInterval(Double(timeoutMs) / 1000)) {
            do { record = try node.store.transaction(hash) } catch { failed = error }  // a failed read is no "not yet"
            return record != nil || failed != nil
        }
        if let failed { throw failed }
        guard ok, let record else {
            throw APIError(NodeCode.commitTimeout, "transaction \(hash.hex) was not committed within \(timeoutMs) ms; it may still commit: GET /v1/txs/\(hash.hex)")
        }
        return .json(200, JSON.encode(TxResultJSON(record)))
    }


    /// Several signed transactions in one request, e.g. a registry's back office sending a morning's filings.
    /// A request that breaks the schema (docs/openapi.yaml) is refused whole, nothing admitted: 400 naming the item
    /// and field (`transactions[3].nonce: …`). Otherwise each transaction is admitted or refused on its own, exactly
    /// as `POST /v1/txs` would (no all-or-nothing: they are independent transactions); the answer lists each one's
    /// outcome in order.
    func submitBatch(_ req: HTTPRequest) throws -> HTTPResponse {
        struct Batch: Decodable { let transactions: [TransactionJSON] }
        struct Outcome: Encodable {
            let hash: String
            let status: String
            let error: [String: String]?
        }
        let batch = try JSON.decode(Batch.self, req.body)
        guard !batch.transactions.isEmpty, batch.transactions.count <= node.apiLimits.maxBatchTransactions else {
            throw APIError.badRequest(NodeCode.invalidBatch, "a batch carries 1 to \(node.apiLimits.maxBatchTransactions) transactions, not \(batch.transactions.count)")
        }
        let txs = try batch.transactions.enumerated().map { i, j in
            do { return try j.transaction() } catch let e as APIError { throw APIError(e.code, "transactions[\(i)].\(e.message)") }
        }
        let results: [Outcome] = zip(txs, node.admit(txs, relay: true)).map { tx, admitted in
            switch admitted {
            case .success(let h): return Outcome(hash: h.hex, status: "pending", error: nil)
            case .failure(let e): return Outcome(hash: tx.hash(on: node.chain).hex, status: "refused", error: ["code": e.code, "message": e.message])
            }
        }
        let accepted = results.filter { $0.status == "pending" }.count
        struct Answer: Encodable { let accepted: Int; let refused: Int; let results: [Outcome] }
        return .json(200, JSON.encode(Answer(accepted: accepted, refused: results.count - accepted, results: results)))
    }

    func transaction(_ hex: String) throws -> HTTPResponse {
        guard let h = Hash(hex: hex) else { throw APIError.badRequest(NodeCode.invalidHash, "a transaction hash is 64 hex digits") }
        if let r = try node.store.transaction(h) { return .json(200, JSON.encode(TxResultJSON(r))) }
        if node.mempool.contains(h) { return .json(200, JSON.encode(["hash": h.hex, "status": "pending"])) }
        throw APIError.notFound("no transaction \(h.hex) is committed or pending on this node")
    }

    // MARK: - Consensus views

    /// Every validator set the chain has had, with the first height each signed (committed state).
    func setHistory() throws -> [(from: UInt64, set: ValidatorSet)] {
        try node.store.read { try node.application.validatorSetHistory(state: $0) }
    }

    /// The set that signs the next height, with who proposes it and each member's latest certificate signature;
    /// or, with `?height=H`, the set that signed H (from the set history in committed state).
    func validators(_ req: HTTPRequest) throws -> HTTPResponse {
        struct V: Encodable {
            let index: Int; let name: String; let publicKey: String; let power: UInt64; let proposerNext: Bool?; let lastSignedHeight: UInt64?
        }
        struct Out: Encodable {
            let height: UInt64; let totalPower: UInt64; let quorum: UInt64; let validatorsHash: String; let since: UInt64
            let validators: [V]
        }
        let tip = node.store.tip
        if let text = req.query["height"] {
            let h = try Parameter.integer(text, name: "height", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
            guard h <= tip.height + ValidatorSchedule.delay else {
                throw APIError.notFound("height \(h) is beyond what this node's committed height \(tip.height) can say (up to \(tip.height + ValidatorSchedule.delay))")
            }
            let history = try setHistory()
            guard let entry = history.last(where: { $0.from <= h }) else { throw APIError.notFound("no validator set signs height \(h)") }
            let s = entry.set
            let list = s.validators.enumerated().map {
                V(index: $0.offset, name: $0.element.name, publicKey: $0.element.publicKey.text, power: $0.element.power,
                  proposerNext: nil, lastSignedHeight: nil)
            }
            return .json(200, JSON.encode(Out(height: h, totalPower: s.totalPower, quorum: s.quorum, validatorsHash: s.hash(node.chain.hashSuite).hex,
                                              since: entry.from, validators: list)))
        }
        let rules = node.rules.withLock { $0 }
        // The rules' own tip, not the store's: a commit lands in the store a moment before its rules are read.
        let height = rules.tip + 1
        let set = rules.schedule.set(at: height)
        let next = set.proposer(height: height, round: 0)
        // The latest height each validator's precommit made it into a commit certificate, over the last 100 blocks
        // (indices of the sets that signed them, matched to this set by key).
        // One snapshot for the history and the certificates it is matched against.
        let (history, lastSigned): ([(from: UInt64, set: ValidatorSet)], [PublicKey: UInt64]) = (try? node.store.read { view in
            let history = try node.application.validatorSetHistory(state: view)
            var seen: [PublicKey: UInt64] = [:]
            var h = tip.height
            while h > 0, h + 100 > tip.height, seen.count < set.count {
                if let signers = history.last(where: { $0.from <= h })?.set {
                    for s in try view.certificate(at: h)?.signatures ?? [] where s.validator < signers.count {
                        let k = signers[s.validator].publicKey
                        if seen[k] == nil { seen[k] = h }
                    }
                }
                h -= 1
            }
            return (history, seen)
        }) ?? ([], [:])
        let list = set.validators.enumerated().map {
            V(index: $0.offset, name: $0.element.name, publicKey: $0.element.publicKey.text, power: $0.element.power,
              proposerNext: $0.offset == next, lastSignedHeight: lastSigned[$0.element.publicKey])
        }
        let since = history.last(where: { $0.from <= height })?.from ?? 1
        return .json(200, JSON.encode(Out(height: height, totalPower: set.totalPower, quorum: set.quorum, validatorsHash: set.hash(node.chain.hashSuite).hex,
                                          since: since, validators: list)))
    }


    func peers() -> HTTPResponse {
        struct P: Encodable { let name: String; let url: String; let height: UInt64; let lastContactMs: Int64?; let lastError: String?; let sent: Int; let failures: Int }
        let list = node.gossip.snapshot.map {
            P(name: $0.name, url: $0.url, height: $0.height, lastContactMs: $0.lastContactMs, lastError: $0.lastError, sent: $0.sent, failures: $0.failures)
        }
        return .json(200, JSON.encode(["peers": list]))
    }

    func evidence() throws -> HTTPResponse {
        struct E: Encodable { let height: UInt64; let validator: Int; let voteA: VoteJSON; let voteB: VoteJSON }
        let rows = try node.store.evidence()
        let list: [E] = rows.compactMap { row in
            var r = CanonicalReader(row.data)
            guard let a = try? Vote(from: &r), let b = try? Vote(from: &r) else { return nil }
            return E(height: row.height, validator: row.validator, voteA: VoteJSON(a), voteB: VoteJSON(b))
        }
        return .json(200, JSON.encode(["evidence": list]))
    }

    // MARK: - Peer endpoints

    func gossip(_ req: HTTPRequest) throws -> HTTPResponse {
        // Over TLS only members push consensus messages: the handshake proved the key, here it must be a member's.
        if let tls = node.tls {
            guard let key = req.peerPublicKey, tls.acceptsPeer(key) else {
                throw APIError(NodeCode.peerNotAuthenticated,
                               "gossip needs a TLS client certificate over a member's node key; this connection presented none")
            }
        }
        let env: GossipEnvelope
        do { env = try GossipEnvelope(canonical: req.body, hashSuite: node.chain.hashSuite) } catch {
            node.metrics.count("gossip_invalid_total")
            throw APIError.badRequest(NodeCode.malformedGossip, "\(error)")
        }
        guard env.chainID == node.chainID else { throw APIError.badRequest(NodeCode.wrongChain, "this node is on chain \(node.chainID)") }
        // The envelope is not signed: its sender and height are a claim, a hint for catch-up and nothing more.
        node.gossip.noteClaim(name: env.sender, height: env.senderHeight, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        _ = node.receiveGossip(env)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: GossipReply.encode(height: node.store.tip.height))
    }

    func syncBlocks(_ req: HTTPRequest) throws -> HTTPResponse {
        guard let text = req.query["from"] else { throw APIError.badRequest(NodeCode.invalidHeight, "from: required, a height ≥ 1") }
        let from = try Parameter.integer(text, name: "from", in: 1...Parameter.maxHeight, code: NodeCode.invalidHeight)
        let limit = try Parameter.integer(req, "limit", in: 1...node.apiLimits.maxSyncBlocks, default: 100)
        let entries = try node.store.read { v -> [(block: Block, certificate: CommitCertificate)] in
            var out: [(block: Block, certificate: CommitCertificate)] = []
            var h = from
            var bytes = 0
            while out.count < limit, bytes < node.apiLimits.maxSyncBytes, let (b, c) = try v.committedBlock(at: h) {
                out.append((b, c))
                bytes += b.transactions.count * 300
                h += 1
            }
            return out
        }
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                            body: SyncBatch(entries: entries).canonicalBytes)
    }
}
