import Foundation
import Testing
import YongchainCrypto
import YongchainHTTP

extension EndToEnd {
    /// Issue 17 with real processes on 127.0.0.1: a cluster made with `cluster init --tls` reaches consensus over
    /// mutually authenticated TLS 1.3, a bank that pins a node's key (Swift, curl, Python) is answered and one
    /// pinning another key is not, a non-member with a valid self-signed certificate is refused at the handshake,
    /// and plain HTTP to the port gets 400 TLS_REQUIRED.
    @Suite(.serialized) struct TLS {
        static let validators = ["registry", "trade-authority", "bank-a"]

        /// curl's `--pinnedpubkey sha256//…` for an Ed25519 key: the SHA-256 of its SubjectPublicKeyInfo (DER).
        static func curlPin(_ key: [UInt8]) -> String {
            let spki: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + key
            return "sha256//" + Data(HashSuite.sha256.digest(spki).bytes).base64EncodedString()
        }

        static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, out: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// The Python client docs/operations.md shows: no certificate, the node's key checked against the pin.
        static let pythonClient = """
        import socket, ssl, sys
        host, port, want = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # no CA: the key is pinned below, before any request is sent
        with socket.create_connection((host, port)) as raw, ctx.wrap_socket(raw) as s:
            der = s.getpeercert(binary_form=True)
            spki = bytes.fromhex("302a300506032b6570032100")
            i = der.find(spki)
            if i < 0 or der[i + len(spki):i + len(spki) + 32] != want:
                sys.exit("node key does not match the pin")
            s.sendall(b"GET /v1/status HTTP/1.1\\r\\nHost: node\\r\\nConnection: close\\r\\n\\r\\n")
            print(s.recv(65536).split(b"\\r\\n")[0].decode())
        """

        @Test func aTLSClusterCommitsAndServesPinnedBanksAndRefusesStrangers() throws {
            let c = try ClusterHarness(validators: 3, observers: 1, emptyBlockMs: 300, tls: true)
            try c.up()
            let keys = try c.genesisMemberKeys()
            let members = Set(keys.values)

            // Consensus and gossip over TLS: a transaction through each node commits everywhere, identically.
            for (i, node) in Self.validators.enumerated() {
                let r = try EndToEnd.Cluster().submit(c, via: node, index: i + 1)
                #expect(r["code"] as? String == "OK", "via \(node): \(r)")
            }
            let target = Self.validators.map { c.height($0) }.min()!
            #expect(target >= 1)
            EndToEnd.Cluster().agree(c, Self.validators, upTo: target)
            #expect(try c.getJSON(c.url("registry") + "/v1/status")["transport"] as? String == "tls1.3")

            // An observer (its key is no member's) catches up over TLS without a certificate, and serves banks
            // that pin its own key.
            let observerKey = try KeyFile.read(c.key("observer-1")).publicKey.bytes
            #expect(!members.contains(observerKey))
            let observer = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == observerKey }))
            let caughtUp = c.eventually(30) {
                let r = try? observer.send("GET", url: c.url("observer-1") + "/v1/status?minHeight=\(target)&timeoutMs=2000", timeout: 5)
                return r?.status == 200
            }
            #expect(caughtUp, "the observer did not reach height \(target) over TLS")

            // Plain HTTP to the TLS port: a clean refusal a person can act on.
            let plainURL = c.url("registry").replacingOccurrences(of: "https://", with: "http://")
            let plain = try HTTPClient().send("GET", url: plainURL + "/v1/status", timeout: 5)
            #expect(plain.status == 400)
            #expect(String(decoding: plain.body, as: UTF8.self).contains("TLS_REQUIRED"))

            // A bank pinning the registry's node key is answered; one pinning another key refuses the node.
            let registryKey = try #require(keys["registry"])
            let pinned = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == registryKey }))
            #expect(try pinned.send("GET", url: c.url("registry") + "/v1/status").status == 200)
            let bankAKey = try #require(keys["bank-a"])
            let wrong = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, acceptPeer: { $0 == bankAKey }))
            #expect(throws: HTTPError.self) { _ = try wrong.send("GET", url: c.url("registry") + "/v1/status", timeout: 5) }

            // Gossip needs a member's certificate: a bank's connection (none) is answered 403.
            let gossip = try pinned.send("POST", url: c.url("registry") + "/v1/gossip", body: [0])
            #expect(gossip.status == 403)
            #expect(String(decoding: gossip.body, as: UTF8.self).contains("PEER_NOT_AUTHENTICATED"))

            // A non-member with a valid self-signed certificate over its own Ed25519 key is refused at the handshake.
            let strangerKey = try PrivateKey.generate()
            let strangerIdentity = try TLSIdentity.selfSigned(privateKeyPEM: strangerKey.pemPKCS8(), commonName: "stranger")
            let stranger = HTTPClient(transport: try OpenSSLTransport.client(identity: strangerIdentity,
                                                                             acceptPeer: { members.contains($0) }))
            #expect(throws: HTTPError.self) {
                _ = try stranger.send("POST", url: c.url("registry") + "/v1/gossip", body: [0], timeout: 5)
            }
            // The server counts a refused handshake after OpenSSL has sent its alert, so the stranger can see the
            // refusal (and this test ask for the metrics) a moment before the count moves: wait for it.
            var metrics = ""
            let counted = c.eventually(10) {
                guard let r = try? pinned.send("GET", url: c.url("registry") + "/metrics") else { return false }
                metrics = String(decoding: r.body, as: UTF8.self)
                return metrics.contains(#"yongchain_tls_handshakes_total{result="refused_peer"} 1"#)
            }
            #expect(counted, "\(metrics.suffix(1500))")
            #expect(metrics.contains(#"yongchain_tls_handshakes_total{result="plain_http"} 1"#))
            #expect(!metrics.contains(#"yongchain_tls_client_handshakes_total{result="ok"} 0"#), "the node's own gossip links")

            // curl, as docs/operations.md shows it: -k (no CA) but the node's key pinned.
            let port = c.url("registry").split(separator: ":").last.map(String.init)!
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
                let good = try Self.run("/usr/bin/curl", ["-sS", "-k", "--pinnedpubkey", Self.curlPin(registryKey),
                                                          c.url("registry") + "/v1/status"])
                #expect(good.status == 0 && good.out.contains(#""transport":"tls1.3""#), "\(good.out)")
                let bad = try Self.run("/usr/bin/curl", ["-sS", "-k", "--pinnedpubkey", Self.curlPin(bankAKey),
                                                         c.url("registry") + "/v1/status"])
                #expect(bad.status == 90, "curl with a wrong pin: \(bad.out)")
            }
            // Python's ssl module, no third-party package.
            let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
            if let python {
                let hex = { (k: [UInt8]) in k.map { String(format: "%02x", $0) }.joined() }
                let good = try Self.run(python, ["-c", Self.pythonClient, "127.0.0.1", port, hex(registryKey)])
                #expect(good.status == 0 && good.out.hasPrefix("HTTP/1.1 200"), "\(good.out)")
                let bad = try Self.run(python, ["-c", Self.pythonClient, "127.0.0.1", port, hex(bankAKey)])
                #expect(bad.status != 0 && bad.out.contains("does not match"), "\(bad.out)")
            }
        }
    }
}
