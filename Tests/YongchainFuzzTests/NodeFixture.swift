import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
import YongchainStorage
@testable import YongchainNode

/// A real node in this process, started (consensus, gossip, catch-up and its HTTP server all run), whose chain
/// already holds `preloadedBlocks` committed blocks with real transactions: a registered enterprise, an
/// authorisation, published declarations, a logged credit query, a registered property, a financing and a repayment. It is the only validator and keeps committing a
/// block every ~100 ms. Its two peers (the banks) refuse connections, so no peer is ever ahead of it: a node that
/// says it is catching up, or reports a peer above its own height, believed something it should not have.
///
/// Inputs go straight to `API.handle` (no socket): the bytes through `HTTPRequestParser`, then the router.
final class NodeFixture: @unchecked Sendable {
    static let preloadedBlocks = 130

    let dir: String
    let node: Node
    let api: API
    /// Hashes of committed transactions, and the id of the logged credit query (bank A asked about the exporter).
    private(set) var committedTxs: [Hash] = []
    private(set) var creditQueryID = Hash.zero
    /// One API session per caller index, opened in process; reopened when the node forgets it.
    private let sessions = Mutex<[Int: (id: String, key: [UInt8], seq: UInt64)]>([:])

    init(name: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-fuzz-\(name)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let home = NodeHome(dir)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try GenesisFile.write(FuzzWorld.genesis(time: now - 86_400_000), path: home.genesisPath)
        // The node also holds the grey-list's VRF key, admitted by governance in the preload (blocks 8 and 9).
        var config = NodeConfig(moniker: "registry", listen: "127.0.0.1:0")
        config.greylistVrfKeyFile = "greylist-vrf.pem"
        try config.write(path: home.configPath)
        try KeyFile.write(FuzzWorld.vrfKey, to: home.path + "/greylist-vrf.pem")
        try KeyFile.write(FuzzWorld.registry, to: home.keyPath)
        node = try Node(home: home, logger: Logger(level: .error))
        api = node.api
        try preload(startingAt: now - 60_000)
        try node.start()
    }

    deinit {
        node.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Commits the preloaded chain through the node's own executor and store (before consensus starts).
    private func preload(startingAt base: Int64) throws {
        let w = FuzzWorld.self
        var special: [Int: [Transaction]] = [
            1: [w.transaction(RegisterEnterprise.type, RegisterEnterprise(creditCode: w.exporter, name: "Fuzz Exporter 出口商",
                                                                          publicKey: w.enterpriseKey.publicKey).canonicalBytes, by: w.registry, nonce: 1)],
            2: [w.transaction(GrantAuthorization.type, GrantAuthorization(bank: w.bankA.publicKey, expiresAt: 4_102_444_800_000).canonicalBytes,
                              by: w.enterpriseKey, nonce: 1)],
            3: [w.transaction(PublishDeclarations.type, PublishDeclarations(declarations: [PublishedDeclaration(w.fields(1), suite: .sha256),
                                                                                           PublishedDeclaration(w.fields(2), suite: .sha256)]).canonicalBytes,
                              by: w.registry, nonce: 2)],
        ]
        let query = w.transaction(RecordCreditQuery.type, RecordCreditQuery(enterprise: w.exporter, purpose: "pre-loan review").canonicalBytes,
                                  by: w.bankA, nonce: 1)
        special[4] = [query]
        creditQueryID = query.hash(on: Chain(id: w.chainID, hashSuite: .sha256))
        special[5] = [w.transaction(RegisterProperty.type, w.property.canonicalBytes, by: w.registry, nonce: 3)]
        let financing = w.transaction(RecordFinancing.type, w.financing.canonicalBytes, by: w.bankA, nonce: 2)
        special[6] = [financing]
        special[8] = [w.transaction(ProposeGovernance.type, ProposeGovernance(action: try GreylistKeyPossession.action(w.vrfKey, chainID: w.chainID), description: "grey-list").canonicalBytes,
                                    by: w.registry, nonce: 4)]
        special[9] = [w.transaction(VoteGovernance.type, VoteGovernance(proposal: 1, approve: true).canonicalBytes, by: w.registry, nonce: 5)]
        special[7] = [w.transaction(RepayFinancing.type, RepayFinancing(financingId: financing.hash(on: Chain(id: w.chainID, hashSuite: .sha256)), amount: w.cny(10_000)).canonicalBytes,
                                    by: w.bankA, nonce: 3)]
        var lastCommit: CommitCertificate?
        for h in 1...Self.preloadedBlocks {
            // Every tenth block also carries a transaction the application refuses: committed, with a result code.
            let txs = special[h] ?? (h % 10 == 0 ? [w.transaction("fuzz.note", Array("block \(h)".utf8), by: w.bankB, nonce: UInt64(h))] : [])
            let tip = node.store.tip
            var block = w.block(after: tip, time: base + Int64(h) * 100, txs: txs, lastCommit: lastCommit)
            // Executed before it is certified, as a proposer does: the header carries the state after it.
            let executed = try node.executor.execute(block)
            block.header.resultsHash = executed.resultsHash
            block.header.stateRoot = executed.stateRoot
            let cert = w.certificate(for: block)
            let exec = try node.executor.apply(block, certificate: cert, checks: .full)
            node.view.committedHeight.store(block.height, ordering: .releasing)
            committedTxs += exec.results.map(\.hash)
            for r in exec.results where special[h] != nil && !r.result.isOK {
                throw NodeError(code: "FIXTURE", message: "preloaded block \(h): \(r.result.code) \(r.result.message)")
            }
            lastCommit = cert
        }
        // Recorded equivocation, so /v1/evidence has something to decode.
        var ev = CanonicalWriter()
        ev.item(w.signedVote(height: 5, hash: w.digest("a")))
        ev.item(w.signedVote(height: 5, hash: w.digest("b")))
        try node.store.addEvidence(height: 5, validator: 0, data: ev.bytes)
    }

    var height: UInt64 { node.view.height }

    /// Every value in the committed state: real encodings of the records the application reads back.
    var stateValues: [[UInt8]] { node.store.committedState.scan(prefix: [], after: nil, limit: 100_000).map(\.value) }

    /// Everything the node answers to `raw`, as the server would: each complete request handled in order (a
    /// mutated input may hold several), or the parser's error answer. At most `maxRequests` per input.
    func handle(raw: [UInt8], maxRequests: Int = 4) -> [(request: HTTPRequest?, response: HTTPResponse)] {
        var parser = HTTPRequestParser()
        parser.feed(raw)
        var out: [(HTTPRequest?, HTTPResponse)] = []
        while out.count < maxRequests {
            switch parser.next() {
            case .request(let req): out.append((req, api.handle(req)))
            case .needMoreData: return out
            case .error(let status, let code, let message):
                out.append((nil, HTTPResponse.error(status, code: code, message: message)))
                return out
            }
        }
        return out
    }

    /// A request the harness itself makes (oracles), straight to the router.
    func get(_ target: String) -> HTTPResponse {
        handle(raw: Array("GET \(target) HTTP/1.1\r\nHost: fuzz\r\n\r\n".utf8)).first?.response ?? HTTPResponse(status: 0)
    }

    // MARK: - Authentication

    /// The signed-request headers for `key`, with the timestamp text and nonce the caller chose. The signature
    /// covers the timestamp as the node will read it (`Int64(text)`), or the current time when it reads none.
    func signedHeaders(method: String, target: String, body: [UInt8], key: PrivateKey, timestampText: String?, nonce: String) -> [(String, String)] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let text = timestampText ?? String(now)
        let signed = RequestAuth.headers(method: method, target: target, body: body, key: key, chainID: FuzzWorld.chainID,
                                         timestampMs: Int64(text) ?? now, nonce: nonce)
        return signed.map { $0.0 == RequestAuth.timestampHeader ? ($0.0, text) : $0 }
    }

    /// The session-request headers for caller `index`: the next sequence number (or `seq` if given) and its MAC.
    /// Opens the session in process on first use, and again after `forget(session:)`.
    func sessionHeaders(method: String, target: String, body: [UInt8], caller index: Int, seq: UInt64?) -> [(String, String)] {
        guard let s = session(index) else { return [] }
        let n = seq ?? s.seq
        let mac = SessionAuth.mac(key: s.key, method: method, target: target, seq: n, body: body)
        return [(SessionAuth.sessionHeader, s.id), (SessionAuth.seqHeader, String(n)), (SessionAuth.macHeader, Hex.encode(mac))]
    }

    /// Drops caller `index`'s session (the node forgot it, or its window was pushed past use).
    func forgetSession(_ index: Int) { _ = sessions.withLock { $0.removeValue(forKey: index) } }

    private func session(_ index: Int) -> (id: String, key: [UInt8], seq: UInt64)? {
        if let s = sessions.withLock({ s -> (id: String, key: [UInt8], seq: UInt64)? in
            guard var v = s[index] else { return nil }
            v.seq += 1
            s[index] = v
            return v
        }) { return s }
        guard let opened = openSession(FuzzWorld.callers[index]) else { return nil }
        sessions.withLock { $0[index] = (opened.id, opened.key, 1) }
        return (opened.id, opened.key, 1)
    }

    private func openSession(_ key: PrivateKey) -> (id: String, key: [UInt8])? {
        guard let client = try? X25519PrivateKey.generate() else { return nil }
        let body = Array(#"{"clientPublicKey":"\#(client.publicKey.text)"}"#.utf8)
        var raw = "POST \(SessionAuth.path) HTTP/1.1\r\nHost: fuzz\r\nContent-Length: \(body.count)\r\n"
        for (n, v) in signedHeaders(method: "POST", target: SessionAuth.path, body: body, key: key, timestampText: nil, nonce: UUID().uuidString) {
            raw += "\(n): \(v)\r\n"
        }
        guard let r = handle(raw: Array((raw + "\r\n").utf8) + body).first?.response, r.status == 201 else { return nil }
        struct Answer: Decodable { let sessionId: String; let serverPublicKey: String }
        guard let a = try? JSONDecoder().decode(Answer.self, from: Data(r.body)), let id = SessionID(hex: a.sessionId),
              let server = X25519PublicKey(text: a.serverPublicKey), let secret = try? client.sharedSecret(with: server),
              let k = try? SessionAuth.sessionKey(sharedSecret: secret, sessionID: id.bytes, chainID: FuzzWorld.chainID,
                                                  caller: key.publicKey, client: client.publicKey, server: server) else { return nil }
        return (a.sessionId, k)
    }
}
