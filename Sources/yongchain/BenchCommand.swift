import Foundation
import Synchronization
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainHTTP
import YongchainNode

/// `yongchain bench`: a load generator that prints figures (not a pass/fail test). It starts a local cluster (or
/// uses one from `--dir`), pre-signs realistic mortgage-registration transactions, submits them across every
/// node, follows commits through the nodes' sync endpoint, and reports throughput, submit-to-commit latency,
/// rejections by code, and each node's CPU and peak memory — beside this machine's own signature bound, measured
/// in the same run.
enum BenchCommand {
    static let help = """
    yongchain bench [--dir DIR] [--validators 4] [--units 2000] [--workload mortgage-year|register]
                    [--rate TX_PER_S] [--duration S] [--submitters 8] [--queries SECONDS]
                    [--query-auth session|signature] [--keep]

      mortgage-year  for each unit: property.register, then mortgage.apply with the owner's consent, then
                     mortgage.approve (3 transactions per unit; 76,924 units is one city's year)
      register       independent property.register transactions only, for a sustained-rate run
    --rate 0 (default) submits as fast as the nodes accept; --duration stops submitting after S seconds.
    --queries S then runs authenticated verification queries (unit encumbrances) against one node for S seconds,
    in one API session (default) or, with --query-auth signature, each request signed.
    Without --dir a fresh cluster is made in a temporary directory and stopped at the end (unless --keep).
    Use a release build: swift build -c release && .build/release/yongchain bench
    """

    struct Pending: Sendable { let tx: Transaction; let hash: Hash }

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["dir", "validators", "units", "workload", "rate", "duration", "submitters", "base-port", "queries", "query-auth"],
                         switches: ["keep"])
        let units = try a.int("units", default: 2000)
        let validators = try a.int("validators", default: 4)
        let rate = try a.int("rate", default: 0)
        let duration = try a.int("duration", default: 0)
        let submitters = try a.int("submitters", default: 8)
        let workload = a.value("workload") ?? "mortgage-year"
        guard ["mortgage-year", "register"].contains(workload) else { throw UsageError("--workload: mortgage-year or register") }
        let queryAuth = a.value("query-auth") ?? "session"
        guard ["session", "signature"].contains(queryAuth) else { throw UsageError("--query-auth: session or signature") }
        guard units > 0, units <= 1_000_000 else { throw UsageError("--units: 1 to 1,000,000") }
        guard (1...256).contains(submitters) else { throw UsageError("--submitters: 1 to 256") }
        guard rate >= 0, duration >= 0 else { throw UsageError("--rate and --duration are not negative") }

        let sigBound = measureSignatureBound()
        say(String(format: "machine: %d cores; Ed25519 verify %.0f/s on all cores → bound %.0f tx/s for %d validators (each node verifies each tx)",
                   ProcessInfo.processInfo.activeProcessorCount, sigBound, sigBound / Double(validators), validators))

        let dir = a.value("dir") ?? NSTemporaryDirectory() + "yc-bench-\(getpid())"
        let fresh = !FileManager.default.fileExists(atPath: dir + "/cluster.json")
        if fresh {
            var initArgs = ["init", "--dir", dir, "--validators", "\(validators)", "--empty-block-ms", "200"]
            if let p = a.value("base-port") { initArgs += ["--base-port", p] }
            try ClusterCommand.run(initArgs)
        }
        try ClusterCommand.run(["up", "--dir", dir])
        defer {
            if fresh && !a.flag("keep") {
                try? ClusterCommand.run(["down", "--dir", dir])
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        let manifest = try ClusterCommand.manifest(dir)
        let urls = manifest.nodes.filter(\.validator).map(\.url)
        let chain = manifest.chainId
        let registry = try KeyFile.read(dir + "/registry/node.key")
        let banks = try manifest.nodes.filter { $0.name.hasPrefix("bank-") }.map { try KeyFile.read($0.home + "/node.key") }
        guard !banks.isEmpty else { throw CommandFailed("the cluster has no bank; use --validators 3 or more") }

        say("pre-signing \(workload) transactions for \(units) units ...")
        let t0 = Date()
        let phases = try presign(workload: workload, units: units, chain: chain, registry: registry, banks: banks)
        let total = phases.reduce(0) { $0 + $1.count }
        say(String(format: "signed %d transactions in %.1f s", total, Date().timeIntervalSince(t0)))

        let before = nodeStats(manifest)
        let codesBefore = rejectionCounts(urls[0])
        let follower = CommitFollower(url: urls[0])
        follower.start()
        let started = Date()
        var submitted = 0
        for (i, phase) in phases.enumerated() {
            submit(phase, to: urls, submitters: submitters, rate: rate, deadline: duration > 0 ? started.addingTimeInterval(Double(duration)) : nil, follower: follower)
            submitted = follower.submittedCount
            // A phase depends on the previous one: wait until it is committed.
            follower.waitForAll(timeout: 600)
            if phases.count > 1 { say(String(format: "phase %d/%d committed at %.1f s", i + 1, phases.count, Date().timeIntervalSince(started))) }
            if duration > 0 && Date() > started.addingTimeInterval(Double(duration)) { break }
        }
        follower.waitForAll(timeout: 600)
        let elapsed = follower.lastCommit.timeIntervalSince(started)
        follower.stop()
        let after = nodeStats(manifest)
        let codes = rejectionCounts(urls[0]).merging(codesBefore.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 }

        let lat = follower.latencies.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        let committed = follower.committedCount
        say("")
        say("workload            \(workload), \(units) units, \(validators) validators, \(submitters) submitters, rate \(rate == 0 ? "max" : "\(rate)/s")")
        say(String(format: "committed           %d of %d transactions in %.1f s: %.0f tx/s (%.0f%% of the signature bound)",
                   committed, submitted, elapsed, Double(committed) / elapsed, 100 * Double(committed) / elapsed / (sigBound / Double(validators))))
        say(String(format: "blocks              %d (%.1f blocks/s, %.0f tx/block)", follower.blocks, Double(follower.blocks) / elapsed,
                   Double(committed) / Double(max(follower.blocks, 1))))
        say(String(format: "submit→commit ms    p50 %.0f  p90 %.0f  p99 %.0f  max %.0f", pct(0.5), pct(0.9), pct(0.99), (lat.last ?? 0) * 1000))
        say("results by code     " + codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        for (name, b) in before.sorted(by: { $0.key < $1.key }) {
            guard let e = after[name] else { continue }
            say("node " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: "cpu %.1f s (%.0f%% of one core)  peak rss %.0f MiB", e.cpu - b.cpu, 100 * (e.cpu - b.cpu) / elapsed, e.peakMiB))
        }
        let querySeconds = try a.int("queries", default: 0)
        if querySeconds > 0 && workload == "mortgage-year" {
            try benchQueries(url: urls[2 % urls.count], units: units, seconds: querySeconds, connections: submitters,
                             key: banks[0], chain: chain, auth: queryAuth)
        }
    }

    /// Verification queries (a unit's encumbrances) against one node over keep-alive connections, as a bank's
    /// system would send them: all connections in one API session (`auth` "session"; the handshake is made before
    /// the clock starts), or each request signed with a fresh nonce ("signature").
    static func benchQueries(url: String, units: Int, seconds: Int, connections: Int, key: PrivateKey, chain: String,
                             auth: String) throws {
        let session = auth == "session" ? APISession(baseURL: url, key: key, chainID: chain) : nil
        try session?.handshake()
        let done = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let latencies = Mutex<[Double]>([])
        let end = Date().addingTimeInterval(Double(seconds))
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            let client = HTTPClient()
            var local: [Double] = []
            var i = c
            while Date() < end {
                i += connections
                let unit = String(format: "110101%06dGB%05dF%08d", (i % units) / 100_000, (i % units) % 100_000, (i % units) % 100_000_000)
                let target = "/v1/mortgage/units/\(unit)/encumbrances"
                let t0 = Date()
                let r: HTTPResponse?
                if let session {
                    r = try? session.send("GET", target, timeout: 5, via: client)
                } else {
                    r = try? client.send("GET", url: url + target, headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: chain), timeout: 5)
                }
                if let r, r.status == 200 {
                    local.append(Date().timeIntervalSince(t0))
                    done.add(1, ordering: .relaxed)
                } else {
                    failed.add(1, ordering: .relaxed)
                }
            }
            latencies.withLock { $0.append(contentsOf: local) }
        }
        let elapsed = Date().timeIntervalSince(started)
        let lat = latencies.withLock { $0 }.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        say(String(format: "queries             %d encumbrance queries (\(session == nil ? "each signed" : "one session")) in %.1f s on one node, %d connections: %.0f req/s, %d failed",
                   done.load(ordering: .relaxed), elapsed, connections, Double(done.load(ordering: .relaxed)) / elapsed, failed.load(ordering: .relaxed)))
        say(String(format: "query latency ms    p50 %.2f  p99 %.2f  max %.2f  (client signing or MAC included; client and 4 nodes share the cores)",
                   pct(0.5), pct(0.99), (lat.last ?? 0) * 1000))
    }

    static func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

    // MARK: - Workload

    static func presign(workload: String, units: Int, chain: String, registry: PrivateKey, banks: [PrivateKey]) throws -> [[Pending]] {
        let owners = Mutex<[Int: (PrivateKey, IdentityNumber)]>([:])
        let cny = try Currency("CNY")
        @Sendable func unit(_ i: Int) -> UnitNumber { try! UnitNumber(String(format: "110101%06dGB%05dF%08d", i / 100_000, i % 100_000, i % 100_000_000)) }
        @Sendable func owner(_ i: Int) -> (PrivateKey, IdentityNumber) {
            let first = String(format: "1101051980%07d", i)
            let id = IdentityNumber.residentID(try! ResidentID(first + String(ResidentID.checkCharacter(for: first)!)))
            return (try! PrivateKey.fromSeed(Array(Hash.sha256(Array("owner-\(i)".utf8)).bytes)), id)
        }
        let registers = parallelMap(0..<units) { i -> Pending in
            let (k, id) = owner(i)
            owners.withLock { $0[i] = (k, id) }
            let p = RegisterProperty(unitNumber: unit(i), titleCertificateNumber: "BJ-2020-\(i)", owners: [PropertyOwner(id: id, name: "Owner \(i)", publicKey: k.publicKey)],
                                     area: 8_950, use: "residential")
            let tx = p.transaction(key: registry, nonce: UInt64(i), chainID: chain)
            return Pending(tx: tx, hash: tx.hash(chainID: chain))
        }
        guard workload == "mortgage-year" else { return [registers] }
        let term = MortgageTerm(start: try .init("2020-01-01"), end: try .init("2040-01-01"))
        let applies = parallelMap(0..<units) { i -> Pending in
            let (k, id) = owners.withLock { $0[i]! }
            let bank = banks[i % banks.count]
            var app = MortgageApplication(unitNumber: unit(i), mortgagee: bank.publicKey, mortgagors: [id],
                                          debtor: MortgageDebtor(id: id, name: "Owner \(i)"), principal: try! Money(minorUnits: 150_000_000 + Int64(i), currency: cny),
                                          term: term, mortgageType: .general, contractHash: Hash.sha256(Array("contract-\(i)".utf8)))
            try! app.sign(for: id, with: k, chainID: chain)
            let tx = app.transaction(key: bank, nonce: UInt64(i), chainID: chain)
            return Pending(tx: tx, hash: tx.hash(chainID: chain))
        }
        let approves = parallelMap(0..<units) { i -> Pending in
            let tx = ApproveMortgage(applicationId: applies[i].hash).transaction(key: registry, nonce: UInt64(units + i), chainID: chain)
            return Pending(tx: tx, hash: tx.hash(chainID: chain))
        }
        return [registers, applies, approves]
    }

    static func parallelMap<T: Sendable>(_ range: Range<Int>, _ f: @escaping @Sendable (Int) -> T) -> [T] {
        let out = Mutex<[Int: T]>([:])
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var local: [(Int, T)] = []
            for i in stride(from: range.lowerBound + w, to: range.upperBound, by: workers) { local.append((i, f(i))) }
            out.withLock { for (i, v) in local { $0[i] = v } }
        }
        return out.withLock { d in range.map { d[$0]! } }
    }

    // MARK: - Submission

    static func submit(_ txs: [Pending], to urls: [String], submitters: Int, rate: Int, deadline: Date?, follower: CommitFollower) {
        let next = Atomic<Int>(0)
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: submitters) { s in
            let client = HTTPClient()
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < txs.count else { return }
                if let deadline, Date() > deadline { return }
                if rate > 0 {
                    let due = start.addingTimeInterval(Double(i) / Double(rate))
                    let wait = due.timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
                let url = urls[i % urls.count]
                let body = Array(try! JSONEncoder().encode(TransactionJSON(txs[i].tx)))
                follower.submitted(txs[i].hash)
                var attempts = 0
                while attempts < 200 {
                    attempts += 1
                    guard let r = try? client.send("POST", url: url + "/v1/txs", headers: [("Content-Type", "application/json")], body: body, timeout: 10) else {
                        Thread.sleep(forTimeInterval: 0.05); continue
                    }
                    if r.status == 503 { Thread.sleep(forTimeInterval: 0.02); continue }
                    if r.status != 202 { follower.failed(txs[i].hash) }
                    break
                }
            }
        }
    }

    // MARK: - Machine bound and node stats

    /// Ed25519 verifications per second using every core, for 1.5 s.
    static func measureSignatureBound() -> Double {
        let key = try! PrivateKey.generate()
        let msg = [UInt8](repeating: 7, count: 300)
        let sig = key.sign(msg)
        let total = Atomic<Int>(0)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: cores) { _ in
            var n = 0
            while Date().timeIntervalSince(start) < 1.5 {
                for _ in 0..<100 { _ = key.publicKey.verify(signature: sig, message: msg) }
                n += 100
            }
            total.add(n, ordering: .relaxed)
        }
        return Double(total.load(ordering: .relaxed)) / Date().timeIntervalSince(start)
    }

    static func nodeStats(_ m: ClusterCommand.Manifest) -> [String: (cpu: Double, peakMiB: Double)] {
        var out: [String: (Double, Double)] = [:]
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        for n in m.nodes {
            guard let pid = Spawner.readPid(n.home + "/node.pid"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
            let fields = stat.split(separator: ")").last!.split(separator: " ")
            let cpu = (Double(fields[11]) ?? 0) / ticks + (Double(fields[12]) ?? 0) / ticks
            let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
                .flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? 0
            out[n.name] = (cpu, hwm / 1024)
        }
        return out
    }

    /// Committed transactions by result code, from the node's metrics.
    static func rejectionCounts(_ url: String) -> [String: Int] {
        guard let r = try? HTTPClient().send("GET", url: url + "/metrics", timeout: 5) else { return [:] }
        var out: [String: Int] = [:]
        for line in String(decoding: r.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix("yongchain_state_txs_total{code=\"") {
            let code = line.split(separator: "\"")[1]
            out[String(code)] = Int(line.split(separator: " ").last ?? "0") ?? 0
        }
        return out
    }
}

/// Follows one node's committed blocks through `GET /v1/sync/blocks` and timestamps each transaction's commit.
final class CommitFollower: @unchecked Sendable {
    let url: String
    private let lock = NSLock()
    private var submittedAt: [Hash: Date] = [:]
    private(set) var latencies: [Double] = []
    private(set) var committedCount = 0
    private(set) var blocks = 0
    private(set) var lastCommit = Date()
    private var outstanding = 0
    private(set) var submittedCount = 0
    private var running = true
    private var next: UInt64 = 0
    private var chainID = ""

    init(url: String) { self.url = url }

    func submitted(_ h: Hash) { lock.withLock { submittedAt[h] = Date(); outstanding += 1; submittedCount += 1 } }
    func failed(_ h: Hash) { lock.withLock { if submittedAt.removeValue(forKey: h) != nil { outstanding -= 1 } } }

    func start() {
        let client = HTTPClient()
        if let r = try? client.send("GET", url: url + "/v1/status"), let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] {
            next = UInt64((o["height"] as? Int) ?? 0) + 1
            chainID = o["chainId"] as? String ?? ""
        }
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                guard let r = try? client.send("GET", url: url + "/v1/sync/blocks?from=\(next)&limit=50", timeout: 10), r.status == 200,
                      let batch = try? SyncBlocks.decode(r.body), !batch.isEmpty else {
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
                let now = Date()
                let hashes = batch.flatMap { $0.transactions.map { $0.hash(chainID: chainID) } }
                lock.withLock {
                    for h in hashes {
                        committedCount += 1
                        if let t = submittedAt.removeValue(forKey: h) {
                            latencies.append(now.timeIntervalSince(t))
                            outstanding -= 1
                        }
                    }
                    blocks += batch.count
                    if !hashes.isEmpty { lastCommit = now }
                }
                next += UInt64(batch.count)
            }
        }
    }

    func waitForAll(timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while lock.withLock({ outstanding > 0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    func stop() { lock.withLock { running = false } }
}
