import Foundation
import Synchronization
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainLightClient
import YongchainStorage
@testable import YongchainNode

/// The member node's runtime against VectorChain's full node served over HTTP: it syncs redacted batches into its
/// own store, refuses a tampered batch (counted against the full node that served it) and takes the next full
/// node's, resumes after a restart from the stored position, and answers its own transactions only.
@Suite struct MemberNodeRuntimeTests {
    let chain: VectorChain
    let dir: String
    init() throws {
        chain = try VectorChain()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-member-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// An HTTP server answering with `chain`'s API, each redacted batch passed through `tamper`.
    func serve(_ tamper: @escaping @Sendable (RedactedBatch) -> RedactedBatch) throws -> HTTPServer {
        let api = chain.api
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            let r = api.handle(req)
            guard req.path == "/v1/sync/redacted", r.status == 200,
                  let batch = try? RedactedBatch(canonical: r.body, hashSuite: .sha256) else { return r }
            return HTTPResponse(status: 200, headers: r.headers, body: tamper(batch).canonicalBytes)
        })
        server.start()
        return server
    }

    func loop(_ store: MemberStore, member: String, key: PrivateKey, sources: [MemberSyncLoop.Source], batchLimit: Int = 100) throws -> MemberSyncLoop {
        try MemberSyncLoop(genesis: VectorChain.genesis, member: member, key: key, store: store, sources: sources, client: HTTPClient(),
                           logger: Logger(level: .error), batchLimit: batchLimit)
    }

    /// A batch short of the tip is stored provisionally; a restart before a proof drops it and asks again from the
    /// last proven position, and the next batches reach the tip.
    @Test func aRestartDropsProvisionalBatches() throws {
        let honest = try serve { $0 }
        defer { honest.stop() }
        let source = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let path = dir + "/provisional.sqlite"
        let first = try loop(try MemberStore(path: path).opened(), member: "bank-a", key: VectorChain.bankA, sources: [source], batchLimit: 3)
        #expect(first.step(source) == .more)
        #expect(try first.height == 3 && first.store.height() == 3 && first.state.withLock { $0.proven.height } == 0)
        let again = try loop(try MemberStore(path: path).opened(), member: "bank-a", key: VectorChain.bankA, sources: [source], batchLimit: 3)
        #expect(try again.height == 0 && again.store.height() == 0)
        while again.step(source) == .more {}
        #expect(again.height == chain.node.store.tip.height && again.state.withLock { $0.proven.height } == again.height)
    }

    /// What a member node answers itself: health, its status, its own transactions; another's is NOT_FOUND, and a
    /// verification read that its own key did not sign is refused before anything is forwarded.
    @Test func aMemberNodeAnswersFromWhatItHolds() throws {
        let home = NodeHome(dir + "/home")
        try FileManager.default.createDirectory(atPath: home.path + "/data", withIntermediateDirectories: true)
        try GenesisFile.write(NodeKindStartTests.genesis(bankNode: .member), path: home.genesisPath)
        var config = NodeConfig(moniker: "bank-m", listen: "127.0.0.1:0")
        config.node = "member"
        try config.write(path: home.configPath)
        try KeyFile.write(NodeKindStartTests.key(2), to: home.keyPath)
        let node = try MemberNodeRuntime(home: home, logger: Logger(level: .error))
        func get(_ target: String) -> (Int, String) {
            var parser = HTTPRequestParser()
            parser.feed(Array("GET \(target) HTTP/1.1\r\nHost: member\r\n\r\n".utf8))
            guard case .request(let req) = parser.next() else { return (0, "") }
            let r = node.handle(req)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        #expect(get("/healthz").0 == 200)
        let status = get("/v1/status")
        #expect(status.0 == 200 && status.1.contains(#""node":"member""#) && status.1.contains(#""height":0"#), "\(status.1)")
        #expect(get("/v1/txs/\(String(repeating: "ab", count: 32))").0 == 404)
        #expect(get("/v1/mortgage/units/320505001001GB00001F00010001/encumbrances").0 == 401)
        #expect(get("/v1/blocks/1").0 == 404)
    }

    /// bank-a's batch without its last own transaction.
    static func withhold(_ batch: RedactedBatch) -> RedactedBatch {
        var b = batch
        guard let i = b.blocks.lastIndex(where: { !$0.own.isEmpty }) else { return b }
        let x = b.blocks[i]
        b.blocks[i] = .init(header: x.header, certificate: x.certificate, txCount: x.txCount, own: Array(x.own.dropLast()), nextValidators: x.nextValidators)
        return b
    }

    @Test func aTamperedBatchIsCountedAndTheNextFullNodeServesTheMember() throws {
        let liar = try serve(Self.withhold), honest = try serve { $0 }
        defer { liar.stop(); honest.stop() }
        let sources = [MemberSyncLoop.Source(name: "liar", url: "http://127.0.0.1:\(liar.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let path = dir + "/member.sqlite"
        let store = try MemberStore(path: path)
        try store.open(genesis: VectorChain.genesis)
        let sync = try loop(store, member: "bank-a", key: VectorChain.bankA, sources: sources)
        #expect(sync.step(sources[0]) == .failed)
        #expect(sync.failures.withLock { $0 } == ["liar|SYNC_INCOMPLETE": 1])
        #expect(try sync.height == 0 && store.height() == 0)
        let tip = chain.node.store.tip.height
        #expect(sync.step(sources[1]) == .atTip)
        #expect(try sync.height == tip && store.height() == tip)
        #expect(sync.state.withLock { $0.proven.height } == tip)
        // Its own transactions with their results; a header and certificate of every height.
        let own = try #require(try store.ownTransaction(chain.financingID))
        #expect(own.transaction.type == "financing.record" && own.code == "OK")
        for h in 1...tip { #expect(try store.header(at: h)?.header.height == h) }
        // The search bank-b's test makes finds bank-a's contract hash in bank-a's own database: the search can see.
        #expect(Self.fileBytes(path).firstRange(of: HashSuite.sha256.digest(Array("contract 1".utf8)).bytes) != nil)

        // A restart resumes from the stored position: nothing is asked again.
        let again = try loop(try MemberStore(path: path).opened(), member: "bank-a", key: VectorChain.bankA, sources: sources)
        #expect(again.height == tip)
        #expect(again.step(sources[1]) == .atTip && again.height == tip)
    }

    @Test func bankBsStoreHoldsNoneOfBankAsBusiness() throws {
        let honest = try serve { $0 }
        defer { honest.stop() }
        let source = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let path = dir + "/member-b.sqlite"
        let store = try MemberStore(path: path).opened()
        let sync = try loop(store, member: "bank-b", key: VectorChain.bankB, sources: [source])
        #expect(sync.step(source) == .atTip && sync.height == chain.node.store.tip.height)
        #expect(try store.ownTransaction(chain.financingID) == nil)
        // The database file, WAL included, holds none of bank-a's contract hash, debtor, purpose or declarations.
        let bytes = Self.fileBytes(path)
        #expect(bytes.count > 0)
        let contract = HashSuite.sha256.digest(Array("contract 1".utf8)).bytes
        for (what, needle) in [("the contract hash", contract), ("the debtor", Array("Suzhou Widget".utf8)),
                               ("the credit query's purpose", Array("pre-loan review".utf8)), ("a declaration number", Array("223120200000000001".utf8))] {
            #expect(bytes.firstRange(of: needle) == nil, "\(what) is in bank-b's member database")
        }
    }

    /// A verification read forwarded by bank-b's member node: a full node whose answer was altered is counted and the
    /// next one's verified answer is what the bank gets, marked proven.
    @Test func aForwardedReadIsVerifiedAndAnAlteredAnswerRefused() throws {
        let api = chain.api
        let liar = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            var r = api.handle(req)
            // The unit's encumbrances, with the lien's priority moved: the proof no longer gives this answer.
            r.body = Array(String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: "\"priority\":1", with: "\"priority\":2").utf8)
            return r
        })
        let honest = try serve { $0 }
        liar.start()
        defer { liar.stop(); honest.stop() }
        let sources = [MemberSyncLoop.Source(name: "liar", url: "http://127.0.0.1:\(liar.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let sync = try loop(try MemberStore(path: dir + "/reads.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: sources)
        #expect(sync.step(sources[1]) == .atTip)
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /v1/mortgage/units/\(VectorChain.unit)/encumbrances HTTP/1.1\r\nHost: member\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { Issue.record("no request"); return }
        let r = MemberReads(sync: sync, answerWindow: 10).forward(req)
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && text.hasPrefix(#"{"proven":true,"#) && text.contains("\"priority\":1"), "\(text.prefix(300))")
        #expect(sync.failures.withLock { $0 } == ["liar|PROOF_ANSWER_MISMATCH": 1])
    }

    /// A forwarded read asks for the member's own height (`minHeight`): a full node a block behind the one the member
    /// synced from waits for that block rather than answering from before it.
    @Test func aForwardedReadAsksForTheMembersHeight() throws {
        let api = chain.api
        let asked = Mutex<[String]>([])
        let recorder = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            asked.withLock { $0.append(req.target) }
            return api.handle(req)
        })
        recorder.start()
        defer { recorder.stop() }
        let source = MemberSyncLoop.Source(name: "recorder", url: "http://127.0.0.1:\(recorder.port)")
        let sync = try loop(try MemberStore(path: dir + "/min-height.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: [source])
        #expect(sync.step(source) == .atTip)
        let req = try #require(Self.encumbrancesRequest())
        #expect(MemberReads(sync: sync, answerWindow: 10).forward(req).status == 200)
        let forwarded = try #require(asked.withLock { $0 }.last { $0.hasPrefix("/v1/mortgage/") })
        #expect(sync.height > 0 && forwarded.hasSuffix("?prove=true&minHeight=\(sync.height)"), "\(forwarded)")
    }

    static func encumbrancesRequest() -> HTTPRequest? {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /v1/mortgage/units/\(VectorChain.unit)/encumbrances HTTP/1.1\r\nHost: member\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { return nil }
        return req
    }

    /// A full node that replays a genuine proven answer of long ago: the proof verifies, but the answer is more than
    /// `answerWindow` blocks below the member's height, so it is refused (ANSWER_STALE, counted) and the next full
    /// node's fresh answer is the one the bank gets.
    @Test func aStaleButGenuineAnswerIsRefusedAndAnotherFullNodeAsked() throws {
        let old = chain.ask("GET", "/v1/mortgage/units/\(VectorChain.unit)/encumbrances?prove=true", as: VectorChain.bankB)
        #expect(old.status == 200)
        let oldHeight = chain.node.store.tip.height
        for _ in 0..<4 { try chain.emptyBlock() }
        let replay = try HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in old })
        let honest = try serve { $0 }
        replay.start()
        defer { replay.stop(); honest.stop() }
        let sources = [MemberSyncLoop.Source(name: "replay", url: "http://127.0.0.1:\(replay.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let sync = try loop(try MemberStore(path: dir + "/stale.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: sources)
        #expect(sync.step(sources[1]) == .atTip && sync.height == oldHeight + 4)
        let req = try #require(Self.encumbrancesRequest())
        // Within the window, the old answer is still taken (it is genuine): the window is what refuses it.
        #expect(MemberReads(sync: sync, answerWindow: 10).forward(req).status == 200)
        #expect(sync.failures.withLock { $0 }.isEmpty)
        let r = MemberReads(sync: sync, answerWindow: 2).forward(req)
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && text.hasPrefix(#"{"proven":true,"#), "\(text.prefix(300))")
        #expect(sync.failures.withLock { $0 } == ["replay|ANSWER_STALE": 1])
        // With only the replaying full node to ask, the bank gets the refusal's code.
        let alone = MemberReads(sync: try loop(try MemberStore(path: dir + "/stale-2.sqlite").opened(), member: "bank-b", key: VectorChain.bankB,
                                               sources: [sources[0]]), answerWindow: 2)
        #expect(alone.sync.step(sources[1]) == .atTip)
        let refused = alone.forward(req)
        #expect(refused.status == 502 && String(decoding: refused.body, as: UTF8.self).contains("ANSWER_STALE"))
    }

    /// A full node that answers another question with a genuine proof: the bank asked about one unit, the answer
    /// proves the encumbrances of another (registered) one. The proof verifies; the question does not match the
    /// request, so it is refused (PROOF_ANSWER_MISMATCH, counted) and the next full node's answer is the bank's.
    @Test func aGenuineProofOfAnotherQuestionIsRefused() throws {
        let other = chain.ask("GET", "/v1/mortgage/units/\(VectorChain.unit)/encumbrances?prove=true", as: VectorChain.bankB)
        #expect(other.status == 200)
        let swapper = try HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in other })
        let honest = try serve { $0 }
        swapper.start()
        defer { swapper.stop(); honest.stop() }
        let sources = [MemberSyncLoop.Source(name: "swapper", url: "http://127.0.0.1:\(swapper.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let sync = try loop(try MemberStore(path: dir + "/swap.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: sources)
        #expect(sync.step(sources[1]) == .atTip)
        var parser = HTTPRequestParser()
        let unasked = "320505001001GB00001F00010099"
        parser.feed(Array("GET /v1/mortgage/units/\(unasked)/encumbrances HTTP/1.1\r\nHost: member\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { Issue.record("request"); return }
        let r = MemberReads(sync: sync, answerWindow: 10).forward(req)
        let text = String(decoding: r.body, as: UTF8.self)
        // The honest node's answer: nothing is registered under the unit asked about (proven NOT_FOUND).
        #expect(r.status == 404 && text.hasPrefix(#"{"proven":true,"#) && text.contains("NOT_FOUND"), "\(r.status) \(text.prefix(300))")
        #expect(sync.failures.withLock { $0 } == ["swapper|PROOF_ANSWER_MISMATCH": 1])
        // The bank's own question is still answered from the same proof: the check compares, it does not refuse all.
        let same = try #require(Self.encumbrancesRequest())
        #expect(MemberReads(sync: sync, answerWindow: 10).forward(same).status == 200)
        #expect(sync.failures.withLock { $0 } == ["swapper|PROOF_ANSWER_MISMATCH": 1])
    }

    /// A full node that always answers "nothing newer" (lagging, or withholding) is listed first: the running loop
    /// asks the full nodes in turn, so the member still reaches the tip, proven, from the other one.
    @Test func aFullNodeThatAnswersNothingDoesNotHoldTheMemberBack() throws {
        let honest = try serve { $0 }
        let stuck = try serve { _ in RedactedBatch(blocks: [], party: nil) }
        defer { honest.stop(); stuck.stop() }
        let sources = [MemberSyncLoop.Source(name: "stuck", url: "http://127.0.0.1:\(stuck.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let sync = try MemberSyncLoop(genesis: VectorChain.genesis, member: "bank-b", key: VectorChain.bankB,
                                      store: try MemberStore(path: dir + "/stuck.sqlite").opened(), sources: sources, client: HTTPClient(),
                                      logger: Logger(level: .error), pollSeconds: 0.05)
        sync.start()
        defer { sync.stop() }
        let tip = chain.node.store.tip.height
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, sync.state.withLock({ $0.proven.height }) < tip { Thread.sleep(forTimeInterval: 0.02) }
        #expect(sync.state.withLock { $0.proven.height } == tip)
    }

    /// A full node that is busy (429, unproven) is passed over for the next, and counted; one that refuses the
    /// request itself (400) is the bank's answer, with only its code and message.
    @Test func aBusyFullNodeIsPassedOverAndARefusalIsRebuilt() throws {
        let busy = try HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in
            HTTPResponse(status: 429, headers: HTTPHeaders([("X-Extra", "from the full node")]), body: Array(#"{"error":{"code":"RATE_LIMITED","message":"slow down"}}"#.utf8))
        })
        let refusing = try HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in
            HTTPResponse(status: 400, headers: HTTPHeaders([("X-Extra", "from the full node")]), body: Array(#"{"error":{"code":"INVALID_FIELD","message":"unit"},"extra":1}"#.utf8))
        })
        let honest = try serve { $0 }
        busy.start(); refusing.start()
        defer { busy.stop(); refusing.stop(); honest.stop() }
        let h = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let sync = try loop(try MemberStore(path: dir + "/busy.sqlite").opened(), member: "bank-b", key: VectorChain.bankB,
                            sources: [MemberSyncLoop.Source(name: "busy", url: "http://127.0.0.1:\(busy.port)"), h])
        #expect(sync.step(h) == .atTip)
        let req = try #require(Self.encumbrancesRequest())
        let r = MemberReads(sync: sync, answerWindow: 10).forward(req)
        #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self).hasPrefix(#"{"proven":true,"#))
        #expect(sync.failures.withLock { $0 } == ["busy|UNREACHABLE": 1])
        let sync2 = try loop(try MemberStore(path: dir + "/refusing.sqlite").opened(), member: "bank-b", key: VectorChain.bankB,
                             sources: [MemberSyncLoop.Source(name: "refusing", url: "http://127.0.0.1:\(refusing.port)"), h])
        #expect(sync2.step(h) == .atTip)
        let refused = MemberReads(sync: sync2, answerWindow: 10).forward(req)
        let text = String(decoding: refused.body, as: UTF8.self)
        #expect(refused.status == 400 && text.contains("INVALID_FIELD") && !text.contains("extra") && refused.headers["X-Extra"] == nil, "\(text)")
    }

    /// A full node that adds a member to a genuine proven answer (one no proof covers, which would reach the bank
    /// under "proven": true) is refused and the next asked.
    @Test func anAnswerWithAnUncoveredMemberIsRefused() throws {
        let api = chain.api
        let padder = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            var r = api.handle(req)
            if r.body.first == UInt8(ascii: "{") { r.body = Array(#"{"approved":true,"#.utf8) + r.body.dropFirst() }
            return r
        })
        let honest = try serve { $0 }
        padder.start()
        defer { padder.stop(); honest.stop() }
        let sources = [MemberSyncLoop.Source(name: "padder", url: "http://127.0.0.1:\(padder.port)"),
                       MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")]
        let sync = try loop(try MemberStore(path: dir + "/pad.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: sources)
        #expect(sync.step(sources[1]) == .atTip)
        let r = MemberReads(sync: sync, answerWindow: 10).forward(try #require(Self.encumbrancesRequest()))
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && !text.contains("approved"), "\(text.prefix(200))")
        #expect(sync.failures.withLock { $0 } == ["padder|PROOF_ANSWER_MISMATCH": 1])
    }

    /// A member node that has synced nothing yet says so (503 NOT_CAUGHT_UP) rather than ask a full node for an
    /// answer whose age it cannot check.
    @Test func aMemberNodeAtHeightZeroAnswersNotCaughtUp() throws {
        let honest = try serve { $0 }
        defer { honest.stop() }
        let source = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let sync = try loop(try MemberStore(path: dir + "/zero.sqlite").opened(), member: "bank-b", key: VectorChain.bankB, sources: [source])
        let req = try #require(Self.encumbrancesRequest())
        let r = MemberReads(sync: sync, answerWindow: 10).forward(req)
        #expect(r.status == 503 && String(decoding: r.body, as: UTF8.self).contains("NOT_CAUGHT_UP"))
        #expect(sync.step(source) == .atTip)
        #expect(MemberReads(sync: sync, answerWindow: 10).forward(req).status == 200)
    }

    /// A member admitted by governance has no genesis entry: its node learns its recorded kind from a proven answer
    /// (the member record, question 8) and refuses to sync while the chain records it as a full node's, under
    /// another name, or not at all; an altered answer is counted against its full node and settles nothing.
    @Test func aMemberAdmittedAfterGenesisHasItsKindCheckedByProof() throws {
        let keyN = VectorChain.key(9)
        try chain.decide(.addMember(NewMember(name: "bank-n", role: .bank, publicKey: keyN.publicKey, address: "http://127.0.0.1:9", power: 0)), proposal: 2)
        let honest = try serve { $0 }
        let api = chain.api
        let liar = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            var r = api.handle(req)
            r.body = Array(String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: #""address":"#, with: #""node":"member","address":"#).utf8)
            return r
        })
        liar.start()
        defer { honest.stop(); liar.stop() }
        let source = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let lying = MemberSyncLoop.Source(name: "liar", url: "http://127.0.0.1:\(liar.port)")
        let n = try loop(try MemberStore(path: dir + "/n.sqlite").opened(), member: "bank-n", key: keyN, sources: [lying, source])
        // Admitted as a full node's organisation (member.add makes full ones).
        guard case .mismatch(let why) = n.recordedKind(from: source) else { Issue.record("a full node's record taken as a member node's"); return }
        #expect(why.contains("running a full node"))
        #expect(n.recordedKind(from: lying) == .unanswered)
        #expect(n.failures.withLock { $0 }.keys.contains { $0.hasPrefix("liar|PROOF_") })
        try chain.decide(.setNode(name: "bank-n", node: .member), proposal: 3)
        #expect(n.recordedKind(from: source) == .member)
        // Under another name than the chain's, or a key that is no member's: refused.
        let renamed = try loop(try MemberStore(path: dir + "/x.sqlite").opened(), member: "bank-x", key: keyN, sources: [source])
        guard case .mismatch = renamed.recordedKind(from: source) else { Issue.record("another name accepted"); return }
        let stranger = try loop(try MemberStore(path: dir + "/s.sqlite").opened(), member: "bank-s", key: VectorChain.key(10), sources: [source])
        guard case .mismatch(let none) = stranger.recordedKind(from: source) else { Issue.record("a key that is no member's accepted"); return }
        #expect(none.contains("no member"))
    }

    /// A transaction submitted to the member node goes to a validator; `wait=commit` is answered from the member's
    /// own sync (here the transaction is already committed: the validator says so, and the member's store has it).
    @Test func aSubmittedTransactionWaitsForTheMembersOwnSync() throws {
        let honest = try serve { $0 }
        defer { honest.stop() }
        let source = MemberSyncLoop.Source(name: "honest", url: "http://127.0.0.1:\(honest.port)")
        let sync = try loop(try MemberStore(path: dir + "/txs.sqlite").opened(), member: "bank-a", key: VectorChain.bankA, sources: [source])
        let financing = try #require(chain.committed.first { $0.hash(on: VectorChain.chain) == chain.financingID })
        let body = JSON.encode(TransactionJSON(financing))
        var parser = HTTPRequestParser()
        parser.feed(Array("POST /v1/txs?wait=commit&timeoutMs=100 HTTP/1.1\r\nHost: member\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        guard case .request(let req) = parser.next() else { Issue.record("no request"); return }
        let submit = MemberTransactions(sync: sync, validators: [source])
        // Before the member has synced the block, the wait runs out; after, the member's own record answers.
        #expect(throws: APIError.self) { try submit.submit(req) }
        #expect(sync.step(source) == .atTip)
        let r = try submit.submit(req)
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && text.contains(chain.financingID.hex) && text.contains(#""code":"OK""#), "\(text)")
    }

    /// `wait=commit` through a member node wakes its sync loop and has it ask often while the wait lasts: the answer
    /// comes as soon as a full node has the block, not at the end of the loop's pause (half a second by default; 30 s
    /// here, so that the old code's wait runs out).
    @Test func aWaitForCommitWakesTheSyncLoopOutOfItsPause() throws {
        let api = chain.api
        let open = Atomic<Bool>(false)
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: { req in
            open.load(ordering: .relaxed) ? api.handle(req) : APIError(NodeCode.peersUnreachable, "not yet").response
        })
        server.start()
        defer { server.stop() }
        let source = MemberSyncLoop.Source(name: "late", url: "http://127.0.0.1:\(server.port)")
        let sync = try MemberSyncLoop(genesis: VectorChain.genesis, member: "bank-a", key: VectorChain.bankA,
                                      store: try MemberStore(path: dir + "/wake.sqlite").opened(), sources: [source], client: HTTPClient(),
                                      logger: Logger(level: .error), pollSeconds: 30)
        sync.start()
        defer { sync.stop() }
        // The loop's first request fails and it pauses for 30 s; then the full node answers.
        let deadline = Date().addingTimeInterval(10)
        while sync.failures.withLock({ $0.isEmpty }) && Date() < deadline { usleep(5_000) }
        #expect(!sync.failures.withLock { $0.isEmpty })
        open.store(true, ordering: .relaxed)
        let financing = try #require(chain.committed.first { $0.hash(on: VectorChain.chain) == chain.financingID })
        let body = JSON.encode(TransactionJSON(financing))
        var parser = HTTPRequestParser()
        parser.feed(Array("POST /v1/txs?wait=commit&timeoutMs=5000 HTTP/1.1\r\nHost: member\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        guard case .request(let req) = parser.next() else { Issue.record("no request"); return }
        let started = Date()
        let r = try MemberTransactions(sync: sync, validators: [source]).submit(req)
        #expect(r.status == 200 && Date().timeIntervalSince(started) < 4, "\(String(decoding: r.body, as: UTF8.self))")
    }

    /// A SQLite database's bytes, its write-ahead log's included.
    static func fileBytes(_ path: String) -> [UInt8] {
        [path, path + "-wal"].flatMap { FileManager.default.contents(atPath: $0).map { Array($0) } ?? [] }
    }

    @Test func aMemberNodeConfigOnAChainThatRecordsAFullNodeIsRefused() throws {
        let key = NodeKindStartTests.key(2).publicKey
        #expect(throws: NodeError.self) { try MemberNodeRuntime.checkNodeKind(key: key, genesis: NodeKindStartTests.genesis(bankNode: .full), moniker: "bank-m") }
        do { _ = try MemberNodeRuntime.checkNodeKind(key: key, genesis: NodeKindStartTests.genesis(bankNode: .full), moniker: "bank-m") } catch let e as NodeError {
            #expect(e.code == NodeCode.nodeKindMismatch)
        }
        #expect(try MemberNodeRuntime.checkNodeKind(key: key, genesis: NodeKindStartTests.genesis(bankNode: .member), moniker: "x") == "bank-m")
    }
}

extension MemberStore {
    func opened() throws -> MemberStore {
        try open(genesis: VectorChain.genesis)
        return self
    }
}
