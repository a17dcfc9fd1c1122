import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode
import YongchainStorage

extension EndToEnd {
    /// Ways a node used to fail without saying so (issue 24, items 6 and 9), on real processes: each now has a code
    /// in /healthz, /v1/status, /metrics and a line in its log.
    @Suite(.serialized) struct SilentFailures {
        /// (status, code, message) of GET /healthz through `client`.
        static func health(_ client: HTTPClient, _ url: String) -> (Int, String, String) {
            guard let r = try? client.send("GET", url: url + "/healthz", timeout: 5) else { return (-1, "", "") }
            let e = ((try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["error"] as? [String: Any]) ?? [:]
            return (r.status, e["code"] as? String ?? "", e["message"] as? String ?? "")
        }

        static func log(_ c: ClusterHarness, _ node: String) -> String {
            (try? String(contentsOfFile: "\(c.dir)/\(node)/node.log", encoding: .utf8)) ?? ""
        }

        /// One validator's state differs from the others' from genesis on: its database was made with one state row
        /// more, its own roots computed from it (what a binary that computes another genesis state would write), so
        /// every check it makes of its own store passes. The chain moves on without it; it says STATE_DIVERGED with
        /// the heights, stops taking part, and blames no peer. (Before: an error line, then catch-up warned "peer
        /// sent a block that does not verify" and dropped the peers' claims, and /healthz had no code for it.)
        @Test func aValidatorWhoseStateDiffersStopsAndSaysStateDiverged() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200)
            let odd = c.nodes[3].name, home = "\(c.dir)/\(odd)"
            do {
                let genesis = try GenesisFile.load(path: home + "/genesis.json")
                try FileManager.default.createDirectory(atPath: home + "/data", withIntermediateDirectories: true)
                let store = try ChainStore(path: home + "/data/chain.sqlite")
                let executor = BlockExecutor(chain: genesis.chain, application: LedgerApplication(chainID: genesis.chainID), store: store, signatures: nil)
                let honest = try executor.genesisState(genesis)
                let writes = (honest.writes + [(key: Array("tampered/row".utf8), value: [1] as [UInt8]?)])
                    .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                let tree = try StateTree.update(root: nil, version: 0, writes: writes, reader: MemoryTreeStore(), suite: genesis.chain.hashSuite)
                try store.open(genesis: genesis, initialWrites: writes, initialTree: tree)
            }
            try c.up()
            let others = c.nodes.map(\.name).filter { $0 != odd }
            #expect(c.eventually(30) { others.allSatisfy { c.height($0) >= 5 } }, "three of four validators commit without it")
            #expect(c.eventually(20) { Self.health(c.http, c.url(odd)).1 == "STATE_DIVERGED" }, "\(Self.health(c.http, c.url(odd)))")
            let (status, _, message) = Self.health(c.http, c.url(odd))
            #expect(status == 503 && message.contains("block 1") && message.contains("stays at height 0"), "\(message)")
            let s = try c.getJSON(c.url(odd) + "/v1/status")
            #expect(s["health"] as? String == "STATE_DIVERGED" && s["height"] as? Int == 0, "\(s)")
            let metrics = String(decoding: try c.http.send("GET", url: c.url(odd) + "/metrics", timeout: 5).body, as: UTF8.self)
            #expect(metrics.contains("yongchain_node_health_problem{code=\"STATE_DIVERGED\"} 1"))
            let top = c.height(others[0])
            #expect(c.eventually(10) { c.height(others[0]) >= top + 5 }, "the others go on")
            #expect(c.height(odd) == 0, "it stopped: nothing committed on a state the others do not have")
            let log = Self.log(c, odd)
            let lines = log.split(separator: "\n").filter { $0.contains("\"code\":\"STATE_DIVERGED\"") }
            #expect(lines.count == 1 && lines[0].contains("\"level\":\"error\"") && lines[0].contains("\"height\":1"), "\(lines)")
            #expect(!log.contains("does not verify"), "it blamed a peer for its own divergence")
        }

        /// A node that speaks TLS while its peers speak plain HTTP (what `org join` wrote by default before it
        /// followed the peers' scheme) reaches no one: within the bound (30 s) /healthz, /v1/status and the log say
        /// PEERS_UNREACHABLE, naming the peer and why. (Before: it sat at height 0 and /healthz said ok.)
        @Test func aNodeThatReachesNoPeerSaysPeersUnreachableAndWhy() throws {
            let c = try ClusterHarness(validators: 1, observers: 1, emptyBlockMs: 200)
            let name = "observer-1", home = "\(c.dir)/observer-1"
            var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/config.json"))) as! [String: Any]
            config["tls"] = "on"
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: home + "/config.json"))
            // It serves TLS with a key of its own, which `cluster up` pins from its home.
            let key = try PrivateKey.generate()
            try KeyFile.write(key, to: home + "/node.key")
            let url = c.url(name).replacingOccurrences(of: "http://", with: "https://")
            var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: c.dir + "/cluster.json"))) as! [String: Any]
            manifest["nodes"] = (manifest["nodes"] as! [[String: Any]]).map { n in
                var n = n
                if n["name"] as? String == name { n["url"] = url }
                return n
            }
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: c.dir + "/cluster.json"))
            try c.up()
            let pinned = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == key.publicKey.bytes }))
            #expect(Self.health(pinned, url).1 != "PEERS_UNREACHABLE", "not before the bound")
            #expect(c.eventually(45) { Self.health(pinned, url).1 == "PEERS_UNREACHABLE" }, "\(Self.health(pinned, url))")
            let (status, _, message) = Self.health(pinned, url)
            #expect(status == 503 && message.contains("registry (\(c.url("registry")))"), "\(message)")
            let s = Self.json(String(decoding: try pinned.send("GET", url: url + "/v1/status", timeout: 5).body, as: UTF8.self))
            #expect(s["health"] as? String == "PEERS_UNREACHABLE" && s["height"] as? Int == 0, "\(s)")
            #expect(c.eventually(5) { Self.log(c, name).contains("PEERS_UNREACHABLE") }, "the log says it too")
            print("PEERS_UNREACHABLE says: \(message)")
            #expect(Self.health(c.http, c.url("registry")).0 == 200, "the consortium itself is fine")
        }

        /// `org join` follows the scheme of the card and the peers it is given; a contradicting --tls, or mixed
        /// schemes, is refused before anything is written. (Before: --tls defaulted to on for an http:// consortium.)
        @Test func orgJoinFollowsTheSchemeOfTheCardAndPeers() throws {
            let c = try ClusterHarness(validators: 1)
            try c.up()
            let home = c.dir + "/bank-e"
            #expect(try c.cli(["org", "init", "--home", home, "--name", "bank-e", "--role", "bank", "--address", "http://127.0.0.1:\(c.basePort + 8)", "--power", "0"]).status == 0)
            let join = ["org", "join", "--home", home, "--genesis", c.genesisPath, "--peer", c.url("registry")]
            let mixed = try c.cli(join + ["--peer", "https://127.0.0.1:\(c.basePort + 9)"])
            #expect(mixed.status == 2 && mixed.err.contains("mix http:// and https://"), "\(mixed.err)")
            let contradicting = try c.cli(join + ["--tls", "on"])
            #expect(contradicting.status == 2 && contradicting.err.contains("--tls on contradicts"), "\(contradicting.err)")
            #expect(!FileManager.default.fileExists(atPath: home + "/config.json"))
            let joined = try c.cli(join)
            #expect(joined.status == 0, "\(joined.err)")
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/config.json"))) as? [String: Any]
            #expect(config?["tls"] as? String == "off", "an http:// consortium: plain HTTP, as its card and peers say")
        }

        static func json(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }
    }
}
