import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

extension EndToEnd {
    /// Governance on a live chain with real processes, driven through the CLI and HTTP API only (issue 13): while
    /// transactions flow, a fifth organisation joins as an observer and is voted in as a validator, an original
    /// validator is voted out and keeps following, and a member's key is rotated; no fork, no acknowledged
    /// transaction lost, and `verify chain` passes on every node from genesis across the changes.
    @Suite struct Governance {
        /// A steady stream of enterprise registrations through one node, each acknowledged only once committed.
        final class Load: @unchecked Sendable {
            private let lock = NSLock()
            private var acknowledged: [String] = []
            private var running = true
            private var thread: Thread?

            /// Holds the cluster's client only (not the harness), so the harness still cleans up when the test ends.
            init(_ http: HTTPClient, node: String, key: PrivateKey, chain: String) {
                let t = Thread { [self] in
                    var n = 0
                    while lock.withLock({ running }) {
                        n += 1
                        let ent = try! PrivateKey.generate()
                        guard let code = try? CreditCode(creditCode(5_000 + n)) else { continue }
                        let tx = RegisterEnterprise(creditCode: code, name: "Exporter \(n)", publicKey: ent.publicKey)
                            .transaction(key: key, nonce: UInt64(n), chainID: chain)
                        let body = Array(try! JSONEncoder().encode(TransactionJSON(tx)))
                        if let r = try? http.send("POST", url: node + "/v1/txs?wait=commit&timeoutMs=10000",
                                                    headers: [("Content-Type", "application/json")], body: body, timeout: 15),
                           r.status == 200, let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                           o["status"] as? String == "accepted", let hash = o["hash"] as? String {
                            lock.withLock { acknowledged.append(hash) }
                        }
                        usleep(50_000)
                    }
                }
                thread = t
                t.start()
            }

            func stop() -> [String] {
                let wasRunning = lock.withLock { () -> Bool in defer { running = false }; return running }
                // The last request's wait ends within its timeout; what it acknowledges still counts.
                if wasRunning { usleep(1_200_000) }
                return lock.withLock { acknowledged }
            }
        }

        static func json(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }

        /// Plain HTTP, and TLS 1.3 as consortia deploy: there the joiner connects like a bank until its own state
        /// shows it admitted, then presents its node key, so members accept its gossip and its votes.
        @Test(arguments: [false, true])
        func aBankJoinsAValidatorLeavesAndAKeyIsRotatedWhileTransactionsFlow(tls: Bool) throws {
            let c = try ClusterHarness(validators: 4, emptyBlockMs: 200, tls: tls)
            try c.up()
            let registry = c.url("registry")
            let chain = try c.getJSON(registry + "/v1/status")["chainId"] as! String
            let load = Load(c.http, node: c.url("trade-authority"), key: try KeyFile.read(c.key("trade-authority")), chain: chain)
            // However the test ends: the load stops and every node goes down, the joined ones included (the
            // manifest lists them).
            defer {
                _ = load.stop()
                _ = try? c.cli(["cluster", "down", "--dir", c.dir])
            }

            let port = c.basePort + 8
            let home = c.dir + "/bank-e"
            let joinerURL = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
            // bank-e is in no genesis the CLI could pin its node by: it sends its transactions through the registry.
            func gov(_ args: [String], as member: String, at node: String? = nil) throws -> ClusterHarness.Result {
                try c.cli(["governance"] + args + ["--key", c.key(member), "--node", node ?? (member == "bank-e" ? registry : c.url(member))])
            }
            /// Reads a node's JSON; over TLS a node that is in no genesis is pinned by its own key.
            var pins: [String: [UInt8]] = [:]
            func get(_ url: String) throws -> [String: Any] {
                guard tls, let (_, key) = pins.first(where: { url.hasPrefix($0.key) }) else { return try c.getJSON(url) }
                let pinned = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == key }))
                return Self.json(String(decoding: try pinned.send("GET", url: url, timeout: 5).body, as: UTF8.self))
            }
            /// A node made with `org join` (the consortium's genesis, a running peer) after `org init`, started.
            func startJoined(_ name: String, home: String, url: String, port: Int) throws {
                let joined = try c.cli(["org", "join", "--home", home, "--genesis", c.genesisPath, "--peer", registry,
                                        "--listen", "127.0.0.1:\(port)", "--tls", tls ? "on" : "off", "--output", "json"])
                try #require(joined.status == 0, "\(joined.out) \(joined.err)")
                #expect((Self.json(joined.out)["peersReached"] as? [String]) == [registry])
                var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: c.dir + "/cluster.json"))) as! [String: Any]
                manifest["nodes"] = (manifest["nodes"] as! [[String: Any]]) + [["name": name, "home": home, "url": url, "validator": false]]
                try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: c.dir + "/cluster.json"))
                let up = try c.cli(["cluster", "up", "--dir", c.dir, "--only", name])
                try #require(up.status == 0, "\(up.out) \(up.err)")
            }
            /// The newest proposal's id, as the consortium's read route lists it.
            func latestProposal() throws -> Int {
                let r = try gov(["list", "--output", "json"], as: "registry")
                let list = ((Self.json(r.out)["result"] as? [String: Any])?["proposals"] as? [[String: Any]]) ?? []
                return try #require(list.compactMap { $0["id"] as? Int }.max(), "no proposal listed: \(r.out) \(r.err)")
            }
            func proposal(_ id: Int) throws -> [String: Any] {
                (Self.json(try gov(["show", "\(id)", "--output", "json"], as: "registry").out)["result"] as? [String: Any]) ?? [:]
            }
            /// Proposes (as `by`), then votes yes as each of `voters`; returns the id.
            func decide(_ propose: [String], by: String, voters: [String]) throws -> Int {
                let p = try gov(["propose"] + propose, as: by)
                try #require(p.status == 0, "propose \(propose): \(p.out) \(p.err)")
                let id = try latestProposal()
                for v in voters {
                    let r = try gov(["vote", "--proposal", "\(id)", "--approve"], as: v)
                    try #require(r.status == 0, "\(v) votes on \(id): \(r.out) \(r.err)")
                }
                let shown = try proposal(id)
                try #require(shown["status"] as? String == "passed", "proposal \(id): \(shown)")
                return id
            }
            func validators(_ node: String) -> [String] {
                ((try? c.getJSON(node + "/v1/validators"))?["validators"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }

            // 1. A fifth organisation makes its key and card on its own host, and the consortium admits it without
            //    a vote of its own (power 0).
            let made = try c.cli(["org", "init", "--home", home, "--name", "bank-e", "--role", "bank", "--address", joinerURL, "--power", "0"])
            try #require(made.status == 0, "\(made.err)")
            pins[joinerURL] = try KeyFile.read(home + "/node.key").publicKey.bytes
            _ = try gov(["propose", "member-add", "--card", home + "/member.json"], as: "registry")
            let admit = try latestProposal()
            // Keys of the cluster's validators (registry, trade-authority, bank-a, bank-b); bank-e is not a voter.
            for v in ["registry", "trade-authority", "bank-a"] {
                let r = try gov(["vote", "--proposal", "\(admit)", "--approve"], as: v)
                try #require(r.status == 0, "\(v): \(r.out) \(r.err)")
            }
            #expect(try proposal(admit)["status"] as? String == "passed")

            // 2. Its node is made from the consortium's genesis and a running peer, and catches up as an observer.
            try startJoined("bank-e", home: home, url: joinerURL, port: port)
            let joinerHeight = { ((try? get(joinerURL + "/v1/status"))?["height"] as? Int) ?? -1 }
            #expect(c.eventually(60) { joinerHeight() >= c.height("registry") - 1 && joinerHeight() > 0 }, "bank-e catches up: \(joinerHeight()) vs \(c.height("registry"))")
            let observing = try get(joinerURL + "/v1/status")
            #expect(observing["height"] != nil && observing["validatorIndex"] is NSNull, "an observer until voted in: \(observing)")
            // The CLI reaches the new member's node with the genesis file alone (over TLS its key is in no genesis:
            // a genesis member's node, authenticated by its genesis key, lists it among the members; issue 31).
            let viaCLI = try c.cli(["status", "--node", joinerURL, "--output", "json"])
            #expect(viaCLI.status == 0 && Self.json(viaCLI.out)["moniker"] as? String == "bank-e", "\(viaCLI.out) \(viaCLI.err)")
            let closed = try gov(["vote", "--proposal", "\(admit)", "--approve"], as: "bank-a")
            #expect(closed.status == 1 && closed.err.contains("PROPOSAL_CLOSED"), "a decided proposal takes no more votes: \(closed.err)")

            // 3. Voted in as a validator: it signs from two heights after the deciding block, and its precommits
            //    appear in commit certificates. Before that it is a member but no voter: its own vote is refused.
            let promote = try gov(["propose", "set-power", "--name", "bank-e", "--power", "1"], as: "bank-a")
            try #require(promote.status == 0, "\(promote.err)")
            let promotion = try latestProposal()
            let notVoter = try gov(["vote", "--proposal", "\(promotion)", "--approve"], as: "bank-e", at: registry)
            #expect(notVoter.status == 1 && notVoter.err.contains("NOT_A_VOTER"), "\(notVoter.err)")
            for v in ["registry", "trade-authority", "bank-a"] {
                let r = try gov(["vote", "--proposal", "\(promotion)", "--approve"], as: v)
                try #require(r.status == 0, "\(v): \(r.out) \(r.err)")
            }
            #expect(try proposal(promotion)["status"] as? String == "passed")
            #expect(c.eventually(30) { validators(registry).contains("bank-e") && validators(registry).count == 5 }, "\(validators(registry))")
            let signedByJoiner = {
                ((try? c.getJSON(registry + "/v1/validators"))?["validators"] as? [[String: Any]] ?? [])
                    .first { $0["name"] as? String == "bank-e" }?["lastSignedHeight"] as? Int
            }
            #expect(c.eventually(30) { signedByJoiner() != nil }, "bank-e's precommit in a certificate")
            #expect(c.eventually(10) { (try? get(joinerURL + "/v1/status"))?["validatorIndex"] as? Int != nil })

            // A non-voter's vote on an open proposal is refused; a change that would move a third of the power at
            // once is refused at proposal time.
            let tooMuch = try gov(["propose", "set-power", "--name", "bank-a", "--power", "3"], as: "bank-a")
            #expect(tooMuch.status == 1 && tooMuch.err.contains("WOULD_BREAK_QUORUM"), "\(tooMuch.out) \(tooMuch.err)")

            // 4. An original validator is voted out (now 4 of the 5 voters must agree) and keeps following.
            _ = try decide(["set-power", "--name", "bank-b", "--power", "0"], by: "registry",
                           voters: ["registry", "trade-authority", "bank-a", "bank-e"])  // 4 of 5: more than two thirds
            let open = try gov(["propose", "set-rules", "--threshold", "3/4", "--voting-period-ms", "604800000", "--proposers", "members",
                                "--description", "left open"], as: "registry")
            #expect(open.status == 0, "\(open.err)")
            let pending = try latestProposal()
            #expect(c.eventually(30) { !validators(registry).contains("bank-b") && validators(registry).count == 4 }, "\(validators(registry))")
            let outAt = c.height("bank-b")
            #expect(c.eventually(30) { c.height("bank-b") >= outAt + 5 }, "bank-b keeps following as an observer")
            let follower = try c.getJSON(c.url("bank-b") + "/v1/status")
            #expect(follower["height"] != nil && follower["validatorIndex"] as? Int == nil, "bank-b observes: \(follower)")
            let outsider = try gov(["vote", "--proposal", "\(pending)", "--reject"], as: "bank-b", at: registry)
            #expect(outsider.status == 1 && outsider.err.contains("NOT_A_VOTER"), "bank-b was not a voter of a proposal made after it left: \(outsider.err)")

            // 5. bank-b rotates its key (proposed with its old key); from then on the old key is refused.
            let newKey = c.dir + "/bank-b-new.key"
            #expect(try c.cli(["keys", "new", "--out", newKey]).status == 0)
            _ = try decide(["rotate-key", "--name", "bank-b", "--new-key", newKey], by: "bank-b",
                           voters: ["registry", "trade-authority", "bank-a"])  // 3 of the 4 validators
            let old = try gov(["propose", "member-remove", "--name", "nobody"], as: "bank-b", at: registry)
            #expect(old.status == 1 && old.err.contains("KEY_REVOKED"), "the old key's next transaction: \(old.err)")
            let oldRead = try gov(["list"], as: "bank-b", at: registry)
            #expect(oldRead.status == 1 && oldRead.err.contains("KEY_REVOKED"), "the old key's signed API request: \(oldRead.err)")
            #expect(try c.cli(["governance", "list", "--key", newKey, "--node", registry]).status == 0, "the new key reads")
            let fresh = try c.cli(["governance", "propose", "member-remove", "--name", "nobody", "--key", newKey, "--node", registry])
            #expect(!fresh.err.contains("KEY_REVOKED") && fresh.err.contains("UNKNOWN_MEMBER"), "the new key is bank-b's: \(fresh.err)")

            // Who signed each height, from the set history in committed state.
            let first = try c.getJSON(registry + "/v1/validators?height=1")
            #expect((first["validators"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["registry", "trade-authority", "bank-a", "bank-b"], "\(first)")
            let now = try c.getJSON(registry + "/v1/validators?height=\(c.height("registry"))")
            #expect((now["validators"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["registry", "trade-authority", "bank-a", "bank-e"], "\(now)")
            #expect((now["since"] as? Int ?? 0) > 1)
            let status = try c.getJSON(registry + "/v1/status")
            #expect(status["openProposals"] as? Int == 1, "the set-rules proposal left open: \(status)")
            let signing = try c.getJSON(registry + "/v1/validators")
            #expect((status["validatorSet"] as? [String: Any])?["since"] as? Int == signing["since"] as? Int && (signing["since"] as? Int ?? 0) > 1,
                    "status and /v1/validators agree since when the set signs: \(status["validatorSet"] ?? "none") \(signing["since"] ?? "none")")
            let metrics = String(decoding: try c.http.send("GET", url: registry + "/metrics", timeout: 5).body, as: UTF8.self)
            #expect(metrics.contains("yongchain_consensus_validator_power{validator=\"bank-e\"} 1") && metrics.contains("yongchain_governance_open_proposals 1"))

            // A bank without a node checks a proven answer from genesis alone: the light client follows both
            // validator-set changes (4 → 5 → 4), each certified by the set before it.
            let answer = c.dir + "/proven.json"
            _ = try c.cli(["property", "encumbrances", "--unit", "320505001001GB00001F00010078", "--prove", answer,
                           "--key", c.key("bank-a"), "--node", registry])
            let verified = try c.cli(["verify", "answer", "--genesis", c.genesisPath, "--output", "json", answer])
            let v = Self.json(verified.out)
            #expect(verified.status == 0 && v["proven"] as? Bool == true, "\(verified.out) \(verified.err)")
            #expect(v["validatorSetChanges"] as? Int == 2 && v["validators"] as? Int == 4, "\(v)")

            // 6. A node started now from genesis (a member of none: an observer) catches up across both changes,
            //    each block's certificate checked against the set the chain's own state says signed it.
            let lateHome = c.dir + "/late", latePort = c.basePort + 9, lateURL = "\(tls ? "https" : "http")://127.0.0.1:\(latePort)"
            #expect(try c.cli(["org", "init", "--home", lateHome, "--name", "late", "--role", "bank", "--address", lateURL, "--power", "0"]).status == 0)
            pins[lateURL] = try KeyFile.read(lateHome + "/node.key").publicKey.bytes
            try startJoined("late", home: lateHome, url: lateURL, port: latePort)
            let target = c.height("registry")
            #expect(c.eventually(60) { ((try? get(lateURL + "/v1/status"))?["height"] as? Int ?? 0) >= target }, "a late node catches up across the changes")

            // 7. No fork, nothing acknowledged lost, every chain verifies from genesis across the changes.
            let acknowledged = load.stop()
            #expect(acknowledged.count > 20, "transactions flowed throughout: \(acknowledged.count)")
            let urls = c.nodes.map(\.url) + [joinerURL, lateURL]
            let top = c.height("registry")
            #expect(c.eventually(30) { urls.allSatisfy { u in ((try? get(u + "/v1/status"))?["height"] as? Int ?? 0) >= top } })
            for h in 1...top {
                let hashes = Set(urls.compactMap { u in (try? get(u + "/v1/blocks/\(h)"))?["hash"] as? String })
                #expect(hashes.count == 1, "height \(h): \(hashes)")
            }
            for hash in acknowledged {
                for u in urls {
                    let t = try get(u + "/v1/txs/\(hash)")
                    #expect(t["height"] as? Int != nil, "committed: \(hash) at \(u): \(t)")
                }
            }
            for home in c.nodes.map({ "\(c.dir)/\($0.name)" }) + [home, lateHome] {
                let v = try c.cli(["verify", "chain", "--home", home])
                #expect(v.status == 0, "verify chain \(home): \(v.out) \(v.err)")
            }
        }
    }
}
