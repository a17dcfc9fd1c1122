import Foundation
import Testing
import YongchainHTTP

extension EndToEnd {
    /// Issue 24, items 1 and 2, with real processes on 127.0.0.1: floods from a handful of addresses (127.0.0.2 and
    /// up; the nodes and their peers are 127.0.0.1) against the default connection limits. Each test prints a
    /// `flood figure` line: the honest client's answers and the longest gap between blocks while the flood ran.
    @Suite(.serialized) struct Floods {
        static func port(_ url: String) -> UInt16 { UInt16(url.split(separator: ":").last!)! }

        /// The longest time without a block from `since` (ms since the epoch) to now, as `node`'s blocks' times say:
        /// from the last block before `since`, between blocks, and from the last block to now.
        static func longestBlockGap(_ c: ClusterHarness, _ node: String, since: Int64) -> Int64 {
            let blocks = ((try? c.getJSON(c.url(node) + "/v1/blocks?limit=100"))?["blocks"] as? [[String: Any]]) ?? []
            let times = blocks.compactMap { ($0["time"] as? NSNumber)?.int64Value }.sorted() + [nowMs()]
            guard let first = times.lastIndex(where: { $0 < since }) else { return -1 }
            return zip(times[first...], times[(first + 1)...]).map { $1 - $0 }.max() ?? 0
        }

        static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

        /// Item 1: two addresses hold 128 half-open TLS handshakes each on every node (`16 03 01 02 00`, then nothing;
        /// reconnecting when closed) while two of four validators are killed and restarted. The restarted
        /// validators' peers connect from 127.0.0.1, a member's address: the chain commits again within 10 s of the
        /// restart, and an honest client from a third address gets at least 90 % of its answers.
        /// (Before: every node's 256 handshake slots were the flood's; no block for the whole flood, 0 answers.)
        @Test func aHalfOpenTLSFloodLetsRestartedValidatorsBackInAndServesAnHonestClient() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 300, tls: true)
            try c.up()
            try #require(c.eventually(30) { c.height("bank-a") >= 2 }, "the cluster does not commit")
            let members = Set(try c.genesisMemberKeys().values)
            let pinned = try OpenSSLTransport.client(identity: nil, acceptPeer: { members.contains($0) })
            let ports = c.nodes.map { Self.port($0.url) }
            let flood = Flood(.halfOpenTLS, ports: ports, sources: ["127.0.0.2", "127.0.0.3"], perSource: 128)
            let started = Self.nowMs()
            flood.start()
            defer { flood.stop() }
            #expect(c.eventually(10) { flood.connects.load(ordering: .relaxed) >= 2 * 128 * ports.count })
            usleep(1_000_000)  // the flood in place: every connection has sent its record header
            let honest = HonestClient(ports: [Self.port(c.url("bank-a")), Self.port(c.url("bank-b"))], from: "127.0.0.9", tls: pinned)
            let honestFrom = Date()
            honest.start()

            let restarted = ["registry", "trade-authority"]
            for name in restarted { c.crash(name) }
            // Two of four down: no quorum. A block may still have been on its way; the one after it needs them.
            let stalled = max(c.height("bank-a"), c.height("bank-b"))
            let restartedAt = Date()
            let up = Thread { _ = try? c.cli(["cluster", "up", "--dir", c.dir, "--only", restarted.joined(separator: ",")]) }
            up.start()
            let committed = c.eventually(10) { c.height("bank-a") >= stalled + 2 }
            let resumedAfter = Date().timeIntervalSince(restartedAt)
            let asking = Date().timeIntervalSince(honestFrom)
            if asking < 8 { usleep(UInt32((8 - asking) * 1e6)) }  // the honest client asks for 8 s at least
            let answers = honest.stop()
            let gap = Self.longestBlockGap(c, "bank-a", since: started)
            print("flood figure: half-open TLS, 2 addresses x 128 on 4 nodes, 2 validators restarted: honest \(answers.ok)/\(answers.asked), commits again after \(String(format: "%.1f", resumedAfter)) s (\(committed ? "yes" : "no")), longest block gap \(gap) ms")
            #expect(committed, "no block within 10 s of restarting two validators under the flood")
            #expect(answers.asked >= 20 && Double(answers.ok) >= 0.9 * Double(answers.asked), "honest client: \(answers.ok) of \(answers.asked)")
            // After the flood every node is back to its peers, and the chain goes on.
            flood.stop()
            let height = c.height("bank-a")
            #expect(c.eventually(15) { restarted.allSatisfy { c.height($0) > height } }, "restarted validators did not catch up")
        }

        /// Item 2: ten addresses hold 120 connections each to one node (1,200 against its 960 client slots), each
        /// sending a request line and then one header line a second (and reconnecting a second after a close); an honest client
        /// from an eleventh address gets at least 90 % of its answers, over plain HTTP and over TLS.
        /// (Before: the trickling connections were never idle, so never evicted: 10 of 48 answers over plain HTTP,
        /// 12 of 38 over TLS.)
        @Test(arguments: [false, true])
        func aSlowHeaderFloodFromTenAddressesLeavesAnHonestClientItsAnswers(tls: Bool) throws {
            let c = try ClusterHarness(validators: 3, emptyBlockMs: 300, tls: tls)
            try c.up()
            try #require(c.eventually(30) { c.height("bank-a") >= 2 }, "the cluster does not commit")
            var pinned: (any SecureTransport)?
            var attacker: (any SecureTransport)?
            if tls {
                let members = Set(try c.genesisMemberKeys().values)
                pinned = try OpenSSLTransport.client(identity: nil, acceptPeer: { members.contains($0) })
                attacker = try OpenSSLTransport.client(identity: nil, acceptPeer: { _ in true })
            }
            let port = Self.port(c.url("bank-a"))
            let sources = (10..<20).map { "127.0.0.\($0)" }
            let flood = Flood(.slowHeaders(tls: attacker), ports: [port], sources: sources, perSource: 120, reconnectAfter: 1)
            let started = Self.nowMs()
            flood.start()
            defer { flood.stop() }
            #expect(c.eventually(15) { flood.connects.load(ordering: .relaxed) >= 1_200 })
            usleep(2_000_000)  // the flood in place: every connection in its request, trickling
            let honest = HonestClient(ports: [port], from: "127.0.0.9", tls: pinned)
            honest.start()
            usleep(10_000_000)
            let answers = honest.stop()
            flood.stop()
            let gap = Self.longestBlockGap(c, "bank-a", since: started)
            print("flood figure: slow headers over \(tls ? "TLS" : "plain HTTP"), 10 addresses x 120 on one of 3 nodes: honest \(answers.ok)/\(answers.asked), longest block gap \(gap) ms")
            #expect(answers.asked >= 20 && Double(answers.ok) >= 0.9 * Double(answers.asked), "honest client: \(answers.ok) of \(answers.asked)")
        }
    }
}
