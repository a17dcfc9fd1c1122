import Foundation
import Testing
import YongchainCrypto
import YongchainHTTP

extension EndToEnd {
    /// The genesis ceremony of a consortium deployed one node per organisation (issue 16), driven through the
    /// CLI: `org init` on each host, `genesis assemble` from the public cards, `org bundle` per host.
    @Suite struct Ceremony {
        static func json(_ path: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        }

        /// Four organisations' homes made with `org init`, each at https://127.0.0.1:BASE+5... (between
        /// organisations TLS is the only real setting).
        static func initOrgs(_ c: ClusterHarness, in dir: String) throws -> [(name: String, home: String, port: Int)] {
            let orgs: [(String, [String])] = [("registry", ["--role", "registry", "--authorities", "realEstate+trade"]),
                                               ("bank-a", ["--role", "bank"]), ("bank-b", ["--role", "bank"]), ("bank-c", ["--role", "bank"])]
            var made: [(String, String, Int)] = []
            for (i, (name, role)) in orgs.enumerated() {
                let home = "\(dir)/\(name)", port = c.basePort + 5 + i
                let r = try c.cli(["org", "init", "--home", home, "--name", name, "--address", "https://127.0.0.1:\(port)"] + role)
                try #require(r.status == 0, "org init \(name): \(r.err)")
                made.append((name, home, port))
            }
            return made
        }

        @Test func theCeremonyMovesOnlyPublicCardsAndItsBundlesRunAChain() throws {
            let c = try ClusterHarness(validators: 1)
            let dir = c.dir + "/ceremony"
            let orgs = try Self.initOrgs(c, in: dir)
            let cards = orgs.map { "\($0.home)/member.json" }
            for (org, card) in zip(orgs, cards) {
                let text = try String(contentsOfFile: card, encoding: .utf8)
                let key = try String(contentsOfFile: org.home + "/node.key", encoding: .utf8)
                #expect(!text.contains("PRIVATE") && !text.contains(key.split(separator: "\n")[1]), "a member card holds only public fields")
                let o = try Self.json(card)
                #expect(Set(o.keys) == ["kind", "name", "role", "authorities", "publicKey", "address", "power"])
                #expect(o["address"] as? String == "https://127.0.0.1:\(org.port)")
                let attrs = try FileManager.default.attributesOfItem(atPath: org.home + "/node.key")
                #expect((attrs[.posixPermissions] as? Int) == 0o600)
            }
            // The same cards and time give the same genesis, in whatever order the coordinator lists them.
            let a = try c.cli(["genesis", "assemble", "--chain-id", "ceremony-1", "--time", "1700000000000", "--out", dir + "/genesis.json"] + cards)
            let b = try c.cli(["genesis", "assemble", "--chain-id", "ceremony-1", "--time", "1700000000000", "--out", dir + "/check.json"] + cards.reversed())
            #expect(a.status == 0 && b.status == 0, "\(a.err) \(b.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/genesis.json")) == Data(contentsOf: URL(fileURLWithPath: dir + "/check.json")))
            #expect(a.out.split(separator: " ").dropFirst().first == b.out.split(separator: " ").dropFirst().first)
            let g = try Self.json(dir + "/genesis.json")
            #expect((g["organizations"] as! [[String: Any]]).map { $0["name"] as! String } == ["bank-a", "bank-b", "bank-c", "registry"])

            // Each host's bundle: its genesis, config and a compose file whose mounts are relative to it.
            var manifest: [[String: Any]] = []
            for org in orgs {
                let r = try c.cli(["org", "bundle", "--home", org.home, "--genesis", dir + "/genesis.json"])
                #expect(r.status == 0, "org bundle \(org.name): \(r.err)")
                #expect(r.out.contains("podman-compose -p yongchain-\(org.name) -f \(org.home)/compose.yaml up -d"), "\(r.out)")
                let compose = try String(contentsOfFile: org.home + "/compose.yaml", encoding: .utf8)
                #expect(compose.contains("ports: [\"\(org.port):26601\"]"))
                for file in ["config.json", "genesis.json", "node.key"] { #expect(compose.contains("- ./\(file):/yongchain/\(file):ro")) }
                #expect(try Self.json(org.home + "/config.json")["moniker"] as? String == org.name)
                #expect(try Self.json(org.home + "/config.json")["tls"] as? String == "on")
                let key = try KeyFile.read(org.home + "/node.key").publicKey.text
                #expect(compose.contains("YONGCHAIN_NODE_PUBKEY: \"\(key)\""), "the health check pins the node's own key")
                #expect(compose.contains("test: [\"CMD\", \"yongchain\", \"status\", \"--node\", \"https://127.0.0.1:26601\"]"),
                        "the health check speaks the node's transport")
                if let tool = Compose.which("check-jsonschema") {
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: tool)
                    p.arguments = ["--builtin-schema", "vendor.compose-spec", org.home + "/compose.yaml"]
                    p.standardOutput = FileHandle.nullDevice
                    try p.run()
                    p.waitUntilExit()
                    #expect(p.terminationStatus == 0, "\(org.name)'s compose.yaml is not a valid compose file")
                }
                // In the container the node listens on 26601 behind the published port; on this host, on that port.
                var config = try Self.json(org.home + "/config.json")
                config["listen"] = "127.0.0.1:\(org.port)"
                try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: org.home + "/config.json"))
                manifest.append(["name": org.name, "home": org.home, "url": "https://127.0.0.1:\(org.port)", "validator": true])
            }
            try JSONSerialization.data(withJSONObject: ["chainId": "ceremony-1", "nodes": manifest]).write(to: URL(fileURLWithPath: dir + "/cluster.json"))
            let up = try c.cli(["cluster", "up", "--dir", dir])
            defer { _ = try? c.cli(["cluster", "down", "--dir", dir]) }
            try #require(up.status == 0, "\(up.out) \(up.err)")
            // A bank reaches the nodes as it would: TLS, each node pinned by its key in genesis.
            let members = Set(try (g["organizations"] as! [[String: Any]]).map { try #require(PublicKey(text: $0["publicKey"] as! String)).bytes })
            let bank = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { members.contains($0) }))
            func get(_ url: String) -> [String: Any]? {
                (try? bank.send("GET", url: url, timeout: 5)).flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
            }
            let heights = { orgs.map { org in (get("https://127.0.0.1:\(org.port)/v1/status")?["height"] as? Int) ?? -1 } }
            #expect(c.eventually(30) { heights().allSatisfy { $0 >= 2 } }, "the four bundled nodes commit blocks together: \(heights())")
            let hashes = Set(orgs.compactMap { org in get("https://127.0.0.1:\(org.port)/v1/blocks/2")?["hash"] as? String })
            #expect(hashes.count == 1, "one chain: \(hashes)")
            // Each bundle's health check, as its engine runs it (here against the host's port instead of the
            // container's): healthy, and only with the node's own key pinned.
            for org in orgs {
                let compose = try String(contentsOfFile: org.home + "/compose.yaml", encoding: .utf8)
                let pin = try #require(compose.split(separator: "\n").first { $0.contains("YONGCHAIN_NODE_PUBKEY:") }?
                    .split(separator: "\"").dropFirst().first.map(String.init))
                let check = ["status", "--node", "https://127.0.0.1:\(org.port)"]
                let healthy = try c.cli(check, env: ["YONGCHAIN_NODE_PUBKEY": pin])
                #expect(healthy.status == 0, "\(org.name)'s health check: \(healthy.err)")
                let other = orgs.first { $0.name != org.name }!
                let wrong = try c.cli(check, env: ["YONGCHAIN_NODE_PUBKEY": try KeyFile.read(other.home + "/node.key").publicKey.text])
                #expect(wrong.status != 0, "\(org.name)'s check accepted another node's key")
            }
        }

        @Test func assemblyRefusesCardsGenesisCouldNotHoldNamingTheFileAndField() throws {
            let c = try ClusterHarness(validators: 1)
            let dir = c.dir + "/cards"
            let orgs = try Self.initOrgs(c, in: dir)
            let card = orgs[1].home + "/member.json"
            func assemble(_ cards: [String], _ extra: [String] = ["--time", "1700000000000"]) throws -> ClusterHarness.Result {
                try c.cli(["genesis", "assemble", "--chain-id", "x-1", "--out", dir + "/g.json", "--output", "json"] + extra + cards)
            }
            func error(_ r: ClusterHarness.Result) -> [String: Any]? {
                (try? JSONSerialization.jsonObject(with: Data(r.err.utf8)) as? [String: Any])?["error"] as? [String: Any]
            }
            func code(_ r: ClusterHarness.Result) -> String? { error(r)?["code"] as? String }
            func message(_ r: ClusterHarness.Result) -> String { error(r)?["message"] as? String ?? r.err }
            func variant(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
                var o = try Self.json(card)
                edit(&o)
                let path = "\(dir)/\(name).json"
                try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
                return path
            }
            #expect(code(try assemble([card, card])) == "MEMBER_CARD_DUPLICATE")
            let sameKey = try variant("same-key") { $0["name"] = "bank-z"; $0["address"] = "http://127.0.0.1:1" }
            let r = try assemble([card, sameKey])
            #expect(code(r) == "MEMBER_CARD_DUPLICATE" && message(r).contains("same public key"), "\(r.err)")
            let sameAddress = try variant("same-address") { $0["name"] = "bank-z"; $0["publicKey"] = try! Self.json(orgs[2].home + "/member.json")["publicKey"]! }
            #expect(message(try assemble([card, sameAddress])).contains("same address"))
            let cases: [(String, (inout [String: Any]) -> Void, String)] = [
                ("no-role", { $0["role"] = nil }, "role"),
                ("bad-key", { $0["publicKey"] = "ed25519:00" }, "publicKey"),
                ("bad-address", { $0["address"] = "10.0.0.1:26601" }, "address"),
                ("bank-authority", { $0["authorities"] = ["trade"] }, "authorities"),
                ("bad-kind", { $0["kind"] = "something-else" }, "kind"),
                ("bad-name", { $0["name"] = "Bank A" }, "name"),
            ]
            for (name, edit, field) in cases {
                let path = try variant(name, edit)
                let r = try assemble([path])
                #expect(r.status == 1 && code(r) == "MEMBER_CARD_INVALID" && message(r).hasPrefix("\(path): \(field): "), "\(name): \(r.err)")
            }
            #expect(code(try assemble([dir + "/nowhere.json"])) == "MEMBER_CARD_MISSING")
            #expect(try assemble([card], []).status == 2, "no --time: a clock-chosen time would make each re-run another chain")
            #expect(!FileManager.default.fileExists(atPath: dir + "/g.json"))
        }

        @Test func aBundleRefusesAGenesisThatDoesNotListThisHostsKey() throws {
            let c = try ClusterHarness(validators: 1)
            let dir = c.dir + "/bundle"
            let orgs = try Self.initOrgs(c, in: dir)
            let a = try c.cli(["genesis", "assemble", "--chain-id", "x-1", "--time", "1", "--out", dir + "/g.json"] + orgs.prefix(3).map { "\($0.home)/member.json" })
            #expect(a.status == 0, "\(a.err)")
            let r = try c.cli(["org", "bundle", "--home", orgs[3].home, "--genesis", dir + "/g.json", "--output", "json"])
            #expect(r.status == 1 && r.err.contains("ORG_NOT_IN_GENESIS"), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: orgs[3].home + "/compose.yaml"))
            let again = try c.cli(["org", "init", "--home", orgs[0].home, "--name", "registry", "--role", "bank", "--address", "http://127.0.0.1:1"])
            #expect(again.status == 1 && again.err.contains("already exists"), "a second init never replaces a key: \(again.err)")
        }

        /// A member admitted by vote gets the container route a founding member gets from `org bundle` (issue 31:
        /// `org join` wrote no compose file): `org join --compose` writes one publishing its card's port, with the
        /// config listening inside the container; `org init` gives a validator power 100 unless told otherwise.
        @Test func aJoinerGetsAComposeFileAndInitGivesPower100() throws {
            let c = try ClusterHarness(validators: 1)
            let home = c.dir + "/joiner", port = c.basePort + 9
            let made = try c.cli(["org", "init", "--home", home, "--name", "bank-j", "--role", "bank", "--address", "http://127.0.0.1:\(port)"])
            try #require(made.status == 0, "\(made.err)")
            #expect(try Self.json(home + "/member.json")["power"] as? Int == 100)
            let args = ["org", "join", "--compose", "--home", home, "--genesis", c.genesisPath, "--peer", c.url("registry"), "--tls", "off"]
            #expect(try c.cli(args + ["--listen", "0.0.0.0:1"]).status == 2, "the container's port is not the operator's to choose")
            let r = try c.cli(args + ["--output", "json"])
            #expect(r.status == 0, "\(r.out) \(r.err)")
            let out = (try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) as? [String: Any] ?? [:]
            #expect(out["start"] as? String == "podman-compose -p yongchain-bank-j -f \(home)/compose.yaml up -d", "\(out)")
            let compose = try String(contentsOfFile: home + "/compose.yaml", encoding: .utf8)
            #expect(compose.contains("ports: [\"\(port):26601\"]") && compose.contains("name: yongchain-bank-j"), "\(compose)")
            for file in ["config.json", "genesis.json", "node.key"] { #expect(compose.contains("- ./\(file):/yongchain/\(file):ro")) }
            let config = try Self.json(home + "/config.json")
            #expect(config["listen"] as? String == "0.0.0.0:26601" && (config["peers"] as? [String]) == [c.url("registry")], "\(config)")
            if let tool = Compose.which("check-jsonschema") {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: tool)
                p.arguments = ["--builtin-schema", "vendor.compose-spec", home + "/compose.yaml"]
                p.standardOutput = FileHandle.nullDevice
                try p.run()
                p.waitUntilExit()
                #expect(p.terminationStatus == 0, "the joiner's compose.yaml is not a valid compose file")
            }
        }
    }
}
