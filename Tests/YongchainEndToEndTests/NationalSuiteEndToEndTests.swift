import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    /// Issue 28: a chain on the national suite (SM3 hashes, chosen in genesis) whose members mostly sign with SM2
    /// and one with Ed25519, over TLS 1.3 (SM2 nodes present an Ed25519 TLS key their SM2 key vouches for). Real
    /// processes, driven through the CLI and the HTTP API only.
    @Suite(.serialized) struct NationalSuite {
        static func json(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }

        /// Raw `r ‖ s` as DER `SEQUENCE { INTEGER r, INTEGER s }` (what libcrypto and most SM2 libraries emit).
        static func derSignature(_ raw: [UInt8]) -> [UInt8]? {
            guard raw.count == 64 else { return nil }
            func integer(_ b: ArraySlice<UInt8>) -> [UInt8] {
                var v = Array(b.drop { $0 == 0 })
                if v.first.map({ $0 >= 0x80 }) ?? true { v.insert(0, at: 0) }
                return [0x02, UInt8(v.count)] + v
            }
            let body = integer(raw[0..<32]) + integer(raw[32..<64])
            return [0x30, UInt8(body.count)] + body
        }

        /// The CLI makes SM2 keys (PEM, mode 0600, read back as SM2) and refuses an unknown algorithm or suite by
        /// naming the option, before writing anything.
        @Test func theCLIMakesSM2KeysAndRefusesUnknownAlgorithmsAndSuites() throws {
            let runner = try ClusterHarness(validators: 1)
            let key = runner.dir + "/sm2.key"
            let made = try runner.cli(["keys", "new", "--algorithm", "sm2", "--out", key, "--output", "json"])
            #expect(made.status == 0 && Self.json(made.out)["algorithm"] as? String == "sm2", "\(made.out) \(made.err)")
            var st = stat()
            stat(key, &st)
            #expect(st.st_mode & 0o777 == 0o600)
            #expect(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let shown = try runner.cli(["keys", "show", key])
            #expect(shown.out.contains("publicKey: sm2:04"), "\(shown.out)")
            for (args, option) in [(["keys", "new", "--algorithm", "rsa", "--out", runner.dir + "/rsa.key"], "--algorithm"),
                                   (["cluster", "init", "--dir", runner.dir + "/c2", "--crypto", "gm"], "--crypto"),
                                   (["cluster", "init", "--dir", runner.dir + "/c3", "--keys", "sm2,dsa"], "--keys"),
                                   (["genesis", "new", "--chain-id", "x", "--hash-suite", "md5", "--out", runner.dir + "/g.json",
                                     "--org", "name=a,role=bank,key=\(key),address=http://127.0.0.1:1"], "--hash-suite")] {
                let r = try runner.cli(args)
                #expect(r.status == 2 && r.err.contains(option), "\(args): \(r.status) \(r.err)")
            }
            #expect(!FileManager.default.fileExists(atPath: runner.dir + "/rsa.key") && !FileManager.default.fileExists(atPath: runner.dir + "/c2/cluster.json"))
        }

        @Test func anSMChainRunsBothFlowsMovesAValidatorFromEd25519ToSM2AndProvesItsAnswers() throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200, tls: true, initArgs: ["--crypto", "sm", "--keys", "sm2,sm2,sm2,ed25519"])
            try c.up()
            defer { _ = try? c.cli(["cluster", "down", "--dir", c.dir]) }
            let registry = c.url("registry")
            #expect(try c.getJSON(registry + "/v1/status")["hashSuite"] as? String == "sm3")
            let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: c.genesisPath))) as! [String: Any]
            #expect(genesis["hashSuite"] as? String == "sm3")
            let algorithms = (genesis["organizations"] as! [[String: Any]]).map { ($0["publicKey"] as! String).prefix { $0 != ":" } }
            #expect(algorithms == ["sm2", "sm2", "sm2", "ed25519"], "registry, trade-authority, bank-a on SM2, bank-b on Ed25519")

            // 1. Both applications' flows, each organisation through its own node with its own key (the demo's
            //    steps): owners' consents and the exporter's authorisation are SM2 signatures too.
            let demo = try c.cli(["demo", "--attach", "--dir", c.dir])
            #expect(demo.status == 0 && demo.out.contains("21/21 steps as expected"), "\(demo.out) \(demo.err)")

            // A malformed SM2 signature (DER, r of zero) or point (off the curve) is refused with a code, nothing committed.
            let registryKey = try KeyFile.read(c.key("registry"))
            let tx = Transaction.signed(type: "property.seize", body: Array("x".utf8), nonce: 7, key: registryKey, chainID: "yongchain-local")
            func post(_ edit: (inout TransactionJSON) -> Void) throws -> String? {
                var j = TransactionJSON(tx)
                edit(&j)
                let r = try c.http.send("POST", url: registry + "/v1/txs", headers: [("Content-Type", "application/json")],
                                        body: Array(try JSONEncoder().encode(j)), timeout: 10)
                return (Self.json(String(decoding: r.body, as: UTF8.self))["error"] as? [String: Any])?["code"] as? String
            }
            let der = try #require(Self.derSignature(tx.signature))
            #expect(try post { $0.signature = Hex.encode(der) } == "INVALID_FIELD")  // not 64 bytes: named as the signature field
            #expect(try post { $0.signature = String(repeating: "0", count: 64) + Hex.encode(Array(tx.signature[32...])) } == "BAD_SIGNATURE")
            var offCurve = registryKey.publicKey.bytes
            offCurve[64] ^= 1
            #expect(try post { $0.signer = "sm2:" + Hex.encode(offCurve) } == "INVALID_FIELD")
            #expect(try post { $0.signer = "ed25519:" + Hex.encode(Array(registryKey.publicKey.bytes[1..<33])) } == "BAD_SIGNATURE")

            // 2. bank-b, a validator, moves from Ed25519 to SM2 by a governance rotation on the live chain, then its
            //    operator swaps the node's key and restarts it: its SM2 precommits go on certifying blocks.
            let newKey = c.dir + "/bank-b-sm2.key"
            let made = try c.cli(["keys", "new", "--algorithm", "sm2", "--out", newKey, "--output", "json"])
            let newText = try #require(Self.json(made.out)["publicKey"] as? String, "\(made.out) \(made.err)")
            #expect(newText.hasPrefix("sm2:04") && newText.count == 4 + 130)
            func gov(_ args: [String], key: String, node: String = registry) throws -> ClusterHarness.Result {
                try c.cli(["governance"] + args + ["--key", key, "--node", node])
            }
            let proposed = try gov(["propose", "rotate-key", "--name", "bank-b", "--new-key", newKey], key: c.key("bank-b"), node: c.url("bank-b"))
            try #require(proposed.status == 0, "\(proposed.out) \(proposed.err)")
            let list = Self.json(try gov(["list", "--output", "json"], key: c.key("registry")).out)
            let ids = (((list["result"] as? [String: Any])?["proposals"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
            let id = try #require(ids.max(), "\(list)")
            for v in ["registry", "trade-authority", "bank-a"] {
                let r = try gov(["vote", "--proposal", "\(id)", "--approve"], key: c.key(v), node: c.url(v))
                try #require(r.status == 0, "\(v): \(r.out) \(r.err)")
            }
            func bankB() -> [String: Any]? {
                ((try? c.getJSON(registry + "/v1/validators"))?["validators"] as? [[String: Any]])?.first { $0["name"] as? String == "bank-b" }
            }
            #expect(c.eventually(30) { bankB()?["publicKey"] as? String == newText }, "the set names bank-b's SM2 key: \(bankB() ?? [:])")
            let rotatedAt = c.height("registry")
            let old = try gov(["list"], key: c.key("bank-b"))
            #expect(old.status == 1 && old.err.contains("KEY_REVOKED"), "the Ed25519 key is revoked: \(old.err)")
            try c.down(["bank-b"])
            try FileManager.default.removeItem(atPath: c.key("bank-b"))
            try FileManager.default.copyItem(atPath: newKey, toPath: c.key("bank-b"))
            chmod(c.key("bank-b"), 0o600)
            try c.up(["bank-b"])
            #expect(c.eventually(60) { (bankB()?["lastSignedHeight"] as? Int ?? 0) > rotatedAt + 2 },
                    "bank-b's SM2 precommits certify blocks after the rotation: \(bankB() ?? [:])")
            // Genesis names bank-b's old key: a bank pins its new one, which its node's TLS certificate is vouched for by.
            let newBytes = try #require(PublicKey(text: newText)).bytes
            let members = Set(try c.genesisMemberKeys().values).union([newBytes])
            let pinned = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, identifyPeer: { TLSKeyBinding.identity($0, accepts: members.contains) }))
            func get(_ url: String) -> [String: Any]? {
                (try? pinned.send("GET", url: url, timeout: 5)).flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
            }
            #expect(c.eventually(30) { get(c.url("bank-b") + "/v1/status")?["validatorIndex"] as? Int != nil })
            let own = try c.cli(["governance", "list", "--key", c.key("bank-b"), "--node", c.url("bank-b")], env: ["YONGCHAIN_NODE_PUBKEY": newText])
            #expect(own.status == 0, "the SM2 key reads through its own node, pinned by that key: \(own.err)")

            // 3. A proven answer verifies offline from genesis alone (SM3 hashes, SM2 certificates, the
            //    validator-set change of the rotation followed).
            let answer = c.dir + "/proven.json"
            let asked = try c.cli(["property", "encumbrances", "--unit", "320505001001GB00001F00010078", "--prove", answer,
                                   "--key", c.key("bank-a"), "--node", registry])
            #expect(FileManager.default.fileExists(atPath: answer), "\(asked.out) \(asked.err)")
            let verified = try c.cli(["verify", "answer", "--genesis", c.genesisPath, "--output", "json", answer])
            let v = Self.json(verified.out)
            #expect(verified.status == 0 && v["proven"] as? Bool == true, "\(verified.out) \(verified.err)")
            #expect(v["validatorSetChanges"] as? Int == 1, "\(v)")
            // The same answer does not verify against a genesis that differs only in its hash suite.
            var sha = genesis
            sha["hashSuite"] = "sha256"
            let shaPath = c.dir + "/genesis-sha256.json"
            try JSONSerialization.data(withJSONObject: sha).write(to: URL(fileURLWithPath: shaPath))
            let refused = try c.cli(["verify", "answer", "--genesis", shaPath, "--output", "json", answer])
            #expect(refused.status != 0, "an SM3 chain's proof is no SHA-256 chain's: \(refused.out)")

            // 4. The mixed chain agrees: one block per height on every node, and every node's chain re-verifies
            //    from genesis (SM3 roots, SM2 and Ed25519 signatures, the rotation between them).
            let top = c.height("registry")
            #expect(c.eventually(30) { c.nodes.allSatisfy { (get($0.url + "/v1/status")?["height"] as? Int ?? 0) >= top } })
            for h in 1...top {
                let hashes = Set(c.nodes.compactMap { get($0.url + "/v1/blocks/\(h)")?["hash"] as? String })
                #expect(hashes.count == 1, "height \(h): \(hashes)")
            }
            try c.down()
            for n in c.nodes {
                let r = try c.cli(["verify", "chain", "--home", "\(c.dir)/\(n.name)"])
                #expect(r.status == 0, "verify chain \(n.name): \(r.out) \(r.err)")
            }
        }
    }
}
