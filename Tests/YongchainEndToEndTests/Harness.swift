import Foundation
import Testing
import YongchainApplication
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// Drives real `yongchain` processes through the CLI and the HTTP API only, as an operator and a bank would.
final class ClusterHarness: @unchecked Sendable {
    let dir: String
    let basePort: Int
    let exe: String
    /// Plain, or (a TLS cluster) TLS accepting the genesis members' node keys, as a bank would pin them.
    private(set) var http = HTTPClient()
    let tls: Bool
    private(set) var nodes: [(name: String, url: String)] = []

    /// A fresh cluster directory with ports chosen per test so suites can run side by side; `tls`: `cluster init
    /// --tls` (https:// URLs, the CLI authenticates nodes by the genesis file); `initArgs`: more `cluster init`
    /// options (`--crypto sm`, `--keys ...`); `memberBanks`: the suggested consortium (`--member-banks`: the four
    /// authorities validate, that many banks run member nodes) instead of `validators`.
    init(validators: Int, memberBanks: Int? = nil, observers: Int = 0, emptyBlockMs: Int? = nil, tls: Bool = false, initArgs: [String] = []) throws {
        self.tls = tls
        exe = ClusterHarness.executable()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-e2e-\(UUID().uuidString.prefix(8))").path
        basePort = ClusterHarness.nextBasePort()
        var args = ["cluster", "init", "--dir", dir] + (memberBanks.map { ["--member-banks", "\($0)"] } ?? ["--validators", "\(validators)"])
            + ["--observers", "\(observers)", "--base-port", "\(basePort)"]
        if let emptyBlockMs { args += ["--empty-block-ms", "\(emptyBlockMs)"] }
        if tls { args.append("--tls") }
        let r = try cli(args + initArgs)
        try #require(r.status == 0, "cluster init failed: \(r.err)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/cluster.json"))) as! [String: Any]
        nodes = (manifest["nodes"] as! [[String: Any]]).map { ($0["name"] as! String, $0["url"] as! String) }
        if tls {
            let members = Set(try genesisMemberKeys().values)
            // An SM2 member's node is accepted through the key binding its certificate carries.
            http = HTTPClient(transport: try OpenSSLTransport.client(identity: nil, identifyPeer: { TLSKeyBinding.identity($0, accepts: members.contains) }))
        }
    }

    var genesisPath: String { "\(dir)/\(nodes[0].name)/genesis.json" }

    /// Each member's raw node key (Ed25519 or SM2), by organisation name, from the genesis file.
    func genesisMemberKeys() throws -> [String: [UInt8]] {
        let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: genesisPath))) as! [String: Any]
        var out: [String: [UInt8]] = [:]
        for o in g["organizations"] as! [[String: Any]] {
            out[o["name"] as! String] = PublicKey(text: o["publicKey"] as! String)!.bytes
        }
        return out
    }

    /// The `--vrf-proof` options of the independent clients' flows: the possession proofs (docs/greylist.md) of
    /// RFC 9381's Example 10 and 12 keys, test keys and nobody's, on this cluster's chain. The clients only encode them.
    func vrfPossessionProofs() throws -> [String] {
        let g = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: genesisPath))) as! [String: Any]
        let chainID = g["chainId"] as! String
        return try ["c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
                    "2ca1411a41b17b24cc8c3b089cfd033f1920202a6c0de8abb97df1498d50d2c8"].flatMap { raw in
            let key = try VRFPrivateKey.fromRaw(Hex.decode(raw)!)
            return ["--vrf-proof", Hex.encode(try key.prove(GreylistKeyPossession.alpha(chainID: chainID, key: key.publicKey.bytes)).bytes)]
        }
    }

    deinit {
        _ = try? cli(["cluster", "down", "--dir", dir])
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func executable() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let me = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: me).deletingLastPathComponent()
        // The test binary sits in .build/<config>/ (possibly inside an .xctest bundle).
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("yongchain").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("yongchain").path
    }

    private static let portLock = NSLock()
    nonisolated(unsafe) private static var portCursor = 0
    /// Ten ports (base … base+9) for one cluster, below Linux's ephemeral range (32768+) so no outgoing connection
    /// holds one. Each call moves on to the next of a thousand slots (20000–29999, a process starting at a slot of
    /// its own), skipping a slot any port of which something listens on: clusters of suites running side by side
    /// (and of another test process) never share ports. (Ten slots that wrapped around once let a cluster take the
    /// ports of one still running: its first block never came.)
    static func nextBasePort() -> Int {
        portLock.withLock {
            let slots = 1000
            let start = Int(getpid() % 100) * 10
            for _ in 0..<slots {
                portCursor += 1
                let base = 20000 + ((start + portCursor) % slots) * 10
                if (base..<base + 10).allSatisfy(portIsFree) { return base }
            }
            fatalError("no free slot of ten ports in 20000-29999")
        }
    }

    /// Whether a listening socket could bind 127.0.0.1:`port` now (with SO_REUSEADDR, as the node binds).
    private static func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    struct Result { let status: Int32; let out: String; let err: String }

    /// Runs the CLI and waits for it (in `cwd`, or the test's own directory).
    @discardableResult
    func cli(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        if tls, !nodes.isEmpty { e["YONGCHAIN_GENESIS"] = genesisPath }
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let r = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let result = Result(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: r, as: UTF8.self))
        // A transaction command answers when its own node commits; the next step may ask another node.
        if let line = result.out.split(separator: "\n").first(where: { $0.hasPrefix("accepted ") || $0.hasPrefix("rejected ") }),
           let at = line.range(of: " at height "), let h = Int(line[at.upperBound...].prefix { $0.isNumber }) {
            settle(at: h)
        }
        return result
    }

    /// Waits (up to 15 s per node, through the API's `minHeight`) until every node that answers has committed
    /// `height`: read-your-writes across nodes for the step that follows. A node that is down is skipped; the
    /// tests assert what they rely on.
    func settle(at height: Int) {
        for n in nodes.map(\.name) {
            // 504: not there yet (or more than 64 blocks behind, which the node refuses to wait for): ask again.
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, let r = try? http.send("GET", url: url(n) + "/v1/status?minHeight=\(height)&timeoutMs=2000", timeout: 5),
                  r.status == 504 { usleep(100_000) }
        }
    }

    func up(_ names: [String]? = nil) throws {
        var args = ["cluster", "up", "--dir", dir]
        if let names { args += ["--only", names.joined(separator: ",")] }
        let r = try cli(args)
        try #require(r.status == 0, "cluster up failed: \(r.out) \(r.err)")
    }

    func down(_ names: [String]? = nil) throws {
        var args = ["cluster", "down", "--dir", dir]
        if let names { args += ["--only", names.joined(separator: ",")] }
        try cli(args)
    }

    /// SIGKILL, no goodbye: what a crash looks like.
    func crash(_ name: String) {
        if let s = try? String(contentsOfFile: "\(dir)/\(name)/node.pid", encoding: .utf8), let pid = pid_t(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
            try? FileManager.default.removeItem(atPath: "\(dir)/\(name)/node.pid")
        }
    }

    /// The last lines of every node's log (`cluster up` writes DIR/<node>/node.log): what a failed wait shows.
    func logTails(lines: Int = 15) -> String {
        nodes.map { n in
            let log = (try? String(contentsOfFile: "\(dir)/\(n.name)/node.log", encoding: .utf8)) ?? "(no log)"
            return "--- \(n.name)\n" + log.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func url(_ name: String) -> String { nodes.first { $0.name == name }!.url }
    func key(_ name: String) -> String { "\(dir)/\(name)/node.key" }

    func getJSON(_ url: String) throws -> [String: Any] {
        let r = try http.send("GET", url: url, timeout: 5)
        return (try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
    }

    func height(_ name: String) -> Int {
        ((try? getJSON(url(name) + "/v1/status"))?["height"] as? Int) ?? -1
    }

    /// Polls until `cond` holds or `seconds` pass (real processes: polling with a deadline, not a sleep).
    @discardableResult
    func eventually(_ seconds: Double, _ cond: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if cond() { return true }
            usleep(50_000)
        }
        return cond()
    }

    func stateAt(_ name: String, height: Int) -> (blockHash: String, stateRoot: String)? {
        guard let b = try? getJSON(url(name) + "/v1/blocks/\(height)"), let h = b["hash"] as? String,
              let header = b["header"] as? [String: Any], let s = header["stateRoot"] as? String else { return nil }
        return (h, s)
    }
}

/// End-to-end suites share the machine's two cores; run them one at a time.
@Suite(.serialized) struct EndToEnd {}
