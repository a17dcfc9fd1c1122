import CSQLite
import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP

/// Faults an operator meets, on real processes (issue 11): a full disk, a block altered on disk, a peer that lies
/// about its height, a crashed node's pid left behind. Each test creates and removes what it breaks.
extension EndToEnd {
    @Suite(.serialized) struct Faults {
        /// (status, error code) of GET /healthz.
        static func health(_ c: ClusterHarness, _ node: String) -> (Int, String) {
            guard let r = try? c.http.send("GET", url: c.url(node) + "/healthz", timeout: 5) else { return (-1, "") }
            let o = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
            return (r.status, ((o["error"] as? [String: Any])?["code"] as? String) ?? "")
        }

        /// Runs one SQL statement on a stopped node's database, as someone editing the file would.
        static func sql(_ path: String, _ statement: String) throws {
            var db: OpaquePointer?
            guard sqlite3_open(path, &db) == SQLITE_OK else { throw CancellationError() }
            defer { sqlite3_close(db) }
            guard sqlite3_exec(db, statement, nil, nil, nil) == SQLITE_OK else {
                throw NSError(domain: "sql", code: 1, userInfo: [NSLocalizedDescriptionKey: String(cString: sqlite3_errmsg(db))])
            }
        }

        /// The disk fills under a running validator: /healthz says STORAGE_FAILED (not ok), the log says so once
        /// per interval (not hundreds of lines a second), nothing committed is lost, and it commits again once
        /// there is room. The data folder is a 4 MiB tmpfs the test mounts (root only) and removes.
        @Test(.enabled(if: getuid() == 0)) func aFullDiskIsReportedAndTheNodeRecoversWhenSpaceReturns() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            let data = "\(c.dir)/registry/data"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tmpfs", "-o", "size=4m", "tmpfs", data]
            try mount.run()
            mount.waitUntilExit()
            try #require(mount.terminationStatus == 0, "cannot mount a tmpfs here")
            defer {
                try? c.down()
                let umount = Process()
                umount.executableURL = URL(fileURLWithPath: "/bin/umount")
                umount.arguments = ["-l", data]
                try? umount.run()
                umount.waitUntilExit()
            }
            try c.up()
            #expect(c.eventually(20) { c.height("registry") >= 3 })
            #expect(Self.health(c, "registry").0 == 200)
            // Fill the disk.
            let filler = data + "/filler"
            FileManager.default.createFile(atPath: filler, contents: nil)
            let fh = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            let chunk = Data(repeating: 0, count: 64 * 1024)
            while (try? fh.write(contentsOf: chunk)) != nil {}
            try? fh.close()
            let logBefore = (try? String(contentsOfFile: "\(c.dir)/registry/node.log", encoding: .utf8))?.split(separator: "\n").count ?? 0
            #expect(c.eventually(20) { Self.health(c, "registry") == (503, "STORAGE_FAILED") }, "healthz: \(Self.health(c, "registry"))")
            let stuck = c.height("registry")
            let metrics = String(decoding: (try? c.http.send("GET", url: c.url("registry") + "/metrics", timeout: 5).body) ?? [], as: UTF8.self)
            #expect(metrics.contains("yongchain_storage_errors_total"))
            usleep(3_000_000)  // let it fail for a while: the log must not flood
            let log = (try? String(contentsOfFile: "\(c.dir)/registry/node.log", encoding: .utf8)) ?? ""
            let grown = log.split(separator: "\n").count - logBefore
            #expect(grown < 40, "\(grown) log lines in a few seconds of a full disk")
            #expect(c.height("registry") <= stuck + 1)
            // Room again: it commits on its own.
            try FileManager.default.removeItem(atPath: filler)
            #expect(c.eventually(20) { c.height("registry") > stuck + 2 })
            #expect(c.eventually(10) { Self.health(c, "registry").0 == 200 })
        }

        /// One byte of a committed block changed in a stopped node's file: the node refuses to start and names the
        /// height; `verify chain` finds it too. Changed while it runs: the block is not served, health says
        /// STORAGE_CORRUPT, and the node stops committing.
        @Test func aBlockAlteredOnDiskIsNeverServedAndStopsTheNode() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            try c.up()
            #expect(c.eventually(20) { c.height("registry") >= 8 })
            let db = "\(c.dir)/registry/data/chain.sqlite"
            // While running: flip a byte of block 3 (in the last transaction byte region: any byte will do).
            try Self.sql(db, "UPDATE blocks SET data = substr(data, 1, length(data) - 2) || x'ff' || substr(data, length(data)) WHERE height = 3")
            let r = try c.http.send("GET", url: c.url("registry") + "/v1/blocks/3", timeout: 5)
            #expect(r.status == 500 && String(decoding: r.body, as: UTF8.self).contains("STORAGE_CORRUPT"))
            #expect(Self.health(c, "registry") == (503, "STORAGE_CORRUPT"))
            let halted = c.height("registry")
            usleep(1_000_000)
            #expect(c.height("registry") == halted, "a node with a corrupt chain must not go on")
            try c.down()
            // Stopped, restarted: refused, with the height.
            let start = try c.cli(["cluster", "up", "--dir", c.dir])
            #expect(start.status != 0)
            let log = (try? String(contentsOfFile: "\(c.dir)/registry/node.log", encoding: .utf8)) ?? ""
            #expect(log.contains("STORAGE_CORRUPT") && log.contains("block 3 "), "\(log.suffix(600))")
            let audit = try c.cli(["verify", "chain", "--home", "\(c.dir)/registry"])
            #expect(audit.status != 0)
        }

        /// A state value changed in a stopped node's file under its intact leaf (schema 5): the tree built at start
        /// from the leaves still gives the recorded root, so the node starts; the background scrub then finds the
        /// row, health says STORAGE_CORRUPT, the log names the key, and the node stops committing.
        @Test func aStateValueAlteredOnDiskUnderItsLeafHaltsTheNodeAfterStart() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 100)
            try c.up()
            #expect(c.eventually(20) { c.height("registry") >= 3 })
            try c.down()
            let db = "\(c.dir)/registry/data/chain.sqlite"
            try Self.sql(db, "UPDATE state SET value = value || x'00' WHERE key = CAST('member-name/registry' AS BLOB)")
            let start = try c.cli(["cluster", "up", "--dir", c.dir])
            let startLog = (try? String(contentsOfFile: "\(c.dir)/registry/node.log", encoding: .utf8)) ?? ""
            #expect(start.status == 0, "\(start) \(startLog.suffix(1500))")
            #expect(c.eventually(20) { Self.health(c, "registry") == (503, "STORAGE_CORRUPT") }, "healthz: \(Self.health(c, "registry"))")
            let halted = c.height("registry")
            usleep(1_000_000)
            #expect(c.height("registry") == halted, "a node with a corrupt state must not go on")
            let log = (try? String(contentsOfFile: "\(c.dir)/registry/node.log", encoding: .utf8)) ?? ""
            #expect(log.contains("STORAGE_CORRUPT") && log.contains("the state row of key"), "\(log.suffix(600))")
        }

        /// A 41-byte unsigned gossip envelope claiming height 2^64−1 for a real peer: the node does not report
        /// catching up, reports no such height, and asks the named peer for blocks only a few times (the claim is
        /// dropped as soon as that peer has nothing above our tip), however often the lie is repeated.
        /// (Before the fix: 16 requests in the 4 s; now the lie costs about 3 — 1 s, 2 s, 4 s of being ignored — and
        /// ordinary catch-up of a block the peer committed first a few more.)
        @Test func aPeersUnsignedHeightClaimDecidesNothing() throws {
            let c = try ClusterHarness(validators: 2, emptyBlockMs: 200)
            try c.up()
            let (a, b) = (c.nodes[0].name, c.nodes[1].name)
            #expect(c.eventually(20) { c.height(a) >= 2 })
            let chain = (try c.getJSON(c.url(a) + "/v1/status"))["chainId"] as? String ?? ""
            var w = CanonicalWriter()
            w.string(chain); w.string(b); w.u64(UInt64.max); w.u32(0)
            func syncRequests() -> Int {
                let text = String(decoding: (try? c.http.send("GET", url: c.url(b) + "/metrics", timeout: 5).body) ?? [], as: UTF8.self)
                return text.split(separator: "\n").filter { $0.hasPrefix("yongchain_http_requests_total{route=\"/v1/sync/blocks\"") }
                    .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            }
            let before = syncRequests()
            let deadline = Date().addingTimeInterval(4)
            var catchingUp = false
            while Date() < deadline {
                _ = try c.http.send("POST", url: c.url(a) + "/v1/gossip", headers: [("Content-Type", "application/octet-stream")], body: w.bytes, timeout: 5)
                let s = try c.getJSON(c.url(a) + "/v1/status")
                catchingUp = catchingUp || (s["catchingUp"] as? Bool ?? true)
                usleep(100_000)
            }
            #expect(!catchingUp, "an unsigned claim made the node report catching up")
            let peers = (try c.getJSON(c.url(a) + "/v1/peers"))["peers"] as? [[String: Any]] ?? []
            #expect(peers.allSatisfy { (($0["height"] as? Int) ?? Int.max) < 1_000_000 }, "\(peers)")
            #expect(syncRequests() - before <= 9, "\(syncRequests() - before) catch-up requests to a peer that had nothing")
            #expect(c.eventually(10) { c.height(a) >= 4 }, "consensus goes on")
        }

        /// A vote for height 2^64−1, genuinely signed by a validator's own key, moves no reported height: a
        /// signature proves who makes a claim, not that it is true (issue 24, item 4). Before the fix /v1/peers and
        /// yongchain_p2p_peer_height showed 18446744073709551614 for that validator, for good.
        @Test func aSignedFarFutureVoteMovesNoReportedHeight() throws {
            let c = try ClusterHarness(validators: 2, emptyBlockMs: 200)
            try c.up()
            let (a, b) = (c.nodes[0].name, c.nodes[1].name)
            #expect(c.eventually(20) { c.height(a) >= 2 })
            let chain = (try c.getJSON(c.url(a) + "/v1/status"))["chainId"] as? String ?? ""
            let set = (try c.getJSON(c.url(a) + "/v1/validators"))["validators"] as? [[String: Any]] ?? []
            let index = try #require(set.first { $0["name"] as? String == b }?["index"] as? Int)
            var vote = Vote(type: .precommit, height: UInt64.max, round: 0, blockHash: nil, validator: index)
            vote.signature = try KeyFile.read(c.key(b)).sign(vote.signingBytes(chainID: chain))
            var w = CanonicalWriter()
            w.string(chain); w.string(b); w.u64(UInt64(c.height(a))); w.u32(1); w.u8(2); w.item(vote)
            for _ in 0..<3 {
                let r = try c.http.send("POST", url: c.url(a) + "/v1/gossip", headers: [("Content-Type", "application/octet-stream")], body: w.bytes, timeout: 5)
                #expect(r.status == 200, "the vote's signature verifies: it is b's")
            }
            let peers = (try c.getJSON(c.url(a) + "/v1/peers"))["peers"] as? [[String: Any]] ?? []
            let reported = peers.first { $0["name"] as? String == b }?["height"] as? UInt64
            #expect(reported.map { $0 < 1_000_000 } == true, "\(peers)")
            let metrics = String(decoding: try c.http.send("GET", url: c.url(a) + "/metrics", timeout: 5).body, as: UTF8.self)
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("yongchain_p2p_peer_height{peer=\"\(b)\"}") } ?? ""
            #expect((UInt64(line.split(separator: " ").last ?? "") ?? .max) < 1_000_000, "\(line)")
            #expect(c.eventually(10) { c.height(a) >= 4 }, "consensus goes on")
        }

        /// A node killed with SIGKILL stays a zombie until its parent reaps it: `cluster up --only` starts it again
        /// instead of saying "already running" for the dead process.
        @Test func clusterUpRestartsANodeWhosePidIsAZombie() throws {
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
            defer { argv.forEach { free($0) } }
            try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
            kill(pid, SIGKILL)
            // Not reaped yet: a zombie, and kill(pid, 0) still succeeds for it.
            #expect(c.eventually(5) { (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true })
            #expect(kill(pid, 0) == 0)
            try "\(pid)\n".write(toFile: "\(c.dir)/registry/node.pid", atomically: true, encoding: .utf8)
            let r = try c.cli(["cluster", "up", "--dir", c.dir, "--only", "registry"])
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            #expect(r.status == 0 && r.out.contains("started registry"), "\(r.out)\(r.err)")
            #expect(c.eventually(10) { c.height("registry") >= 1 })
            // A pid file saying -1 or 0 is never signalled (kill(-1) would reach every process we may signal).
            try c.down()
            try "-1\n".write(toFile: "\(c.dir)/registry/node.pid", atomically: true, encoding: .utf8)
            #expect(try c.cli(["cluster", "down", "--dir", c.dir]).status == 0)
        }
    }
}
