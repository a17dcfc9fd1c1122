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
                    [--rate TX_PER_S] [--duration S] [--submitters 8] [--batch 1] [--queries SECONDS]
                    [--query-auth session|signature] [--checkpoints N,N,...] [--catch-up] [--keep]
                    [--queries-only]

      mortgage-year  for each unit: property.register, then mortgage.apply with the owner's consent, then
                     mortgage.approve (3 transactions per unit; 76,924 units is one city's year)
      register       independent property.register transactions only, for a sustained-rate run
    --rate 0 (default) submits as fast as the nodes accept; --duration stops submitting after S seconds.
    --batch N sends N transactions per request through POST /v1/txs/batch (default 1: one POST /v1/txs each).
    --checkpoints prints, as the committed count passes each N: tx/s since the previous checkpoint, signed query
                  latency (500 encumbrance queries on one node, under the load), each node's resident memory and
                  the database size — how the figures grow with the chain (e.g. 10000,100000,1000000).
    --catch-up    adds an observer that stays down during the load, then starts it empty and times its replay of
                  the whole history (blocks/s, tx/s) and its memory.
    --queries S then runs authenticated verification queries (unit encumbrances) against one node for S seconds,
    in one API session (default) or, with --query-auth signature, each request signed.
    --queries-only runs only the queries, against the cluster a run with --dir DIR --keep left (same --units).
    Without --dir a fresh cluster is made in a temporary directory and stopped at the end (unless --keep).
    Use a release build: swift build -c release && .build/release/yongchain bench
    """

    /// A pre-signed transaction with its hash and its JSON (encoded before the clock starts).
    struct Pending: Sendable {
        let tx: Transaction
        let hash: Hash
        let json: [UInt8]
        init(tx: Transaction, hash: Hash) {
            self.tx = tx
            self.hash = hash
            json = Array(try! JSONEncoder().encode(TransactionJSON(tx)))
        }
    }

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["dir", "validators", "units", "workload", "rate", "duration", "submitters", "base-port", "queries", "query-auth",
                                        "batch", "checkpoints"],
                         switches: ["keep", "catch-up", "queries-only"])
        let units = try a.int("units", default: 2000)
        let validators = try a.int("validators", default: 4)
        let rate = try a.int("rate", default: 0)
        let duration = try a.int("duration", default: 0)
        let submitters = try a.int("submitters", default: 8)
        let batch = try a.int("batch", default: 1)
        guard (1...1000).contains(batch) else { throw UsageError("--batch: 1 to 1,000") }
        let checkpoints = try (a.value("checkpoints") ?? "").split(separator: ",").map { part -> Int in
            guard let n = Int(part.replacingOccurrences(of: "_", with: "")), n > 0 else { throw UsageError("--checkpoints: committed counts like 10000,100000") }
            return n
        }.sorted()
        let catchUp = a.flag("catch-up")
        let workload = a.value("workload") ?? "mortgage-year"
        guard ["mortgage-year", "register"].contains(workload) else { throw UsageError("--workload: mortgage-year or register") }
        let queryAuth = a.value("query-auth") ?? "session"
        guard ["session", "signature"].contains(queryAuth) else { throw UsageError("--query-auth: session or signature") }
        guard units > 0, units <= 1_000_000 else { throw UsageError("--units: 1 to 1,000,000") }
        guard (1...256).contains(submitters) else { throw UsageError("--submitters: 1 to 256") }
        guard rate >= 0, duration >= 0 else { throw UsageError("--rate and --duration are not negative") }

        if a.flag("queries-only") {
            guard let dir = a.value("dir"), FileManager.default.fileExists(atPath: dir + "/cluster.json") else {
                throw UsageError("--queries-only needs --dir DIR of a cluster a run with --keep left")
            }
            let manifest = try ClusterCommand.manifest(dir)
            let bank = try KeyFile.read(try manifest.nodes.first { $0.name.hasPrefix("bank-") }.map { $0.home + "/node.key" }
                                        ?? { throw CommandFailed("the cluster has no bank") }())
            try benchQueries(manifest: manifest, units: units, seconds: max(try a.int("queries", default: 10), 1),
                             connections: submitters, key: bank, auth: queryAuth)
            return
        }
        let sigBound = measureSignatureBound()
        say(String(format: "machine: %d cores; Ed25519 verify %.0f/s on all cores → bound %.0f tx/s for %d validators (each node verifies each tx)",
                   ProcessInfo.processInfo.activeProcessorCount, sigBound, sigBound / Double(validators), validators))

        let dir = a.value("dir") ?? NSTemporaryDirectory() + "yc-bench-\(getpid())"
        let fresh = !FileManager.default.fileExists(atPath: dir + "/cluster.json")
        if fresh {
            var initArgs = ["init", "--dir", dir, "--validators", "\(validators)", "--empty-block-ms", "200", "--observers", catchUp ? "1" : "0"]
            if let p = a.value("base-port") { initArgs += ["--base-port", p] }
            try ClusterCommand.run(initArgs)
        }
        let validatorNames = try ClusterCommand.manifest(dir).nodes.filter(\.validator).map(\.name)
        try ClusterCommand.run(["up", "--dir", dir, "--only", validatorNames.joined(separator: ",")])
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
        let ownBefore = processCPU()
        let codesBefore = rejectionCounts(urls[0])
        let follower = CommitFollower(url: urls[0])
        follower.start()
        let started = Date()
        let growth = checkpoints.isEmpty ? nil : GrowthProbe(checkpoints: checkpoints, follower: follower, manifest: manifest,
                                                            queryURL: urls[1 % urls.count], key: banks[0], chain: chain, units: units)
        growth?.start()
        var submitted = 0
        for (i, phase) in phases.enumerated() {
            submit(phase, to: urls, submitters: submitters, batch: batch, rate: rate, deadline: duration > 0 ? started.addingTimeInterval(Double(duration)) : nil, follower: follower)
            submitted = follower.submittedCount
            // A phase depends on the previous one: wait until it is committed.
            follower.waitForAll(timeout: 600)
            if phases.count > 1 { say(String(format: "phase %d/%d committed at %.1f s", i + 1, phases.count, Date().timeIntervalSince(started))) }
            if duration > 0 && Date() > started.addingTimeInterval(Double(duration)) { break }
        }
        follower.waitForAll(timeout: 600)
        let elapsed = follower.lastCommit.timeIntervalSince(started)
        growth?.stop()
        follower.stop()
        let after = nodeStats(manifest)
        let ownCPU = processCPU() - ownBefore
        let codes = rejectionCounts(urls[0]).merging(codesBefore.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 }

        let lat = follower.latencies.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        let committed = follower.committedCount
        say("")
        say("workload            \(workload), \(units) units, \(validators) validators, \(submitters) submitters, \(batch == 1 ? "one tx per request" : "batches of \(batch)"), rate \(rate == 0 ? "max" : "\(rate)/s")")
        say(String(format: "committed           %d of %d transactions in %.1f s: %.0f tx/s (%.0f%% of the signature bound)",
                   committed, submitted, elapsed, Double(committed) / elapsed, 100 * Double(committed) / elapsed / (sigBound / Double(validators))))
        say(String(format: "blocks              %d (%.1f blocks/s, %.0f tx/block)", follower.blocks, Double(follower.blocks) / elapsed,
                   Double(committed) / Double(max(follower.blocks, 1))))
        say(String(format: "submit→commit ms    p50 %.0f  p90 %.0f  p99 %.0f  max %.0f", pct(0.5), pct(0.9), pct(0.99), (lat.last ?? 0) * 1000))
        if !follower.refused.isEmpty {
            say("refused at admission " + follower.refused.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        say("results by code     " + codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        for (name, b) in before.sorted(by: { $0.key < $1.key }) {
            guard let e = after[name] else { continue }
            say("node " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: "cpu %.1f s (%.0f%% of one core)  peak rss %.0f MiB", e.cpu - b.cpu, 100 * (e.cpu - b.cpu) / elapsed, e.peakMiB))
        }
        say(String(format: "load generator      cpu %.1f s (%.0f%% of one core): submitting, following commits", ownCPU, 100 * ownCPU / elapsed))
        if catchUp, let observer = manifest.nodes.first(where: { !$0.validator }) {
            try measureCatchUp(dir: dir, observer: observer, tipURL: urls[0], committed: follower.committedCount)
        }
        let querySeconds = try a.int("queries", default: 0)
        if querySeconds > 0 && workload == "mortgage-year" {
            try benchQueries(manifest: manifest, units: units, seconds: querySeconds, connections: submitters,
                             key: banks[0], auth: queryAuth)
        }
    }

    /// Verification queries (a unit's encumbrances) against one node over keep-alive connections, as a bank's
    /// system would send them: all connections in one API session (`auth` "session"; the handshake is made before
    /// the clock starts), or each request signed with a fresh nonce ("signature").
    static func benchQueries(manifest: ClusterCommand.Manifest, units: Int, seconds: Int, connections: Int, key: PrivateKey,
                             auth: String) throws {
        let validators = manifest.nodes.filter(\.validator)
        let node = validators[2 % validators.count]
        let url = node.url
        let chain = manifest.chainId
        let session = auth == "session" ? APISession(baseURL: url, key: key, chainID: chain) : nil
        try session?.handshake()
        let done = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let latencies = Mutex<[Double]>([])
        // What the node spends with no queries (consensus, empty blocks), subtracted from the per-query figure.
        let nodeCPU = { nodeStats(manifest)[node.name]?.cpu ?? 0 }
        let idle0 = nodeCPU()
        Thread.sleep(forTimeInterval: 2)
        let idleRate = (nodeCPU() - idle0) / 2
        let end = Date().addingTimeInterval(Double(seconds))
        let started = Date()
        let cpuBefore = nodeCPU()
        let ownBefore = processCPU()
        onThreads(connections) { c in
            let client = HTTPClient()
            var local: [Double] = []
            var i = c
            while Date() < end {
                i += connections
                let target = "/v1/mortgage/units/\(unitNumber(i % units))/encumbrances"
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
        let queryCPU = nodeCPU() - cpuBefore
        let ownCPU = processCPU() - ownBefore
        let lat = latencies.withLock { $0 }.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        say(String(format: "queries             %d encumbrance queries (\(session == nil ? "each signed" : "one session")) in %.1f s on one node, %d connections: %.0f req/s, %d failed",
                   done.load(ordering: .relaxed), elapsed, connections, Double(done.load(ordering: .relaxed)) / elapsed, failed.load(ordering: .relaxed)))
        say(String(format: "query latency ms    p50 %.2f  p99 %.2f  max %.2f  (client signing or MAC included; client and 4 nodes share the cores)",
                   pct(0.5), pct(0.99), (lat.last ?? 0) * 1000))
        let n = Double(max(done.load(ordering: .relaxed), 1))
        say(String(format: "query cpu           node %@ %.0f µs per query (%.0f%% of a core, less the %.0f%% it uses idle); load generator %.0f µs per query",
                   node.name, max(queryCPU - idleRate * elapsed, 0) / n * 1e6, 100 * queryCPU / elapsed, 100 * idleRate, ownCPU / n * 1e6))
    }

    /// CPU seconds this process has used (user and system).
    static func processCPU() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Starts the empty observer and times its replay of everything committed so far.
    static func measureCatchUp(dir: String, observer: ClusterCommand.Manifest.Entry, tipURL: String, committed: Int) throws {
        let client = HTTPClient()
        func height(_ url: String) -> Int {
            guard let r = try? client.send("GET", url: url + "/v1/status", timeout: 2),
                  let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else { return -1 }
            return o["height"] as? Int ?? -1
        }
        let target = height(tipURL)
        let t0 = Date()
        try ClusterCommand.run(["up", "--dir", dir, "--only", observer.name])
        var reached = 0
        while reached < target, Date().timeIntervalSince(t0) < 1800 {
            Thread.sleep(forTimeInterval: 0.1)
            reached = height(observer.url)
        }
        let secs = Date().timeIntervalSince(t0)
        let rss = Spawner.readPid(observer.home + "/node.pid").map(residentMiB) ?? 0
        say(String(format: "catch-up            empty observer replayed %d blocks (%d transactions) in %.1f s, start-up included: %.0f blocks/s, %.0f tx/s; rss %.0f MiB",
                   reached, committed, secs, Double(reached) / secs, Double(committed) / secs, rss))
    }

    /// A process's current resident memory in MiB (VmRSS).
    static func residentMiB(_ pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) / 1024
    }

    /// Runs `body` on `n` threads at once and waits for all of them. (Dispatch's concurrentPerform runs only as
    /// many iterations at a time as there are cores: 8 "connections" would be 2 on this machine.)
    static func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for i in 0..<n {
            group.enter()
            Thread.detachNewThread { body(i); group.leave() }
        }
        group.wait()
    }

    /// The `i`th unit of the bench's city: its real-estate unit number.
    static func unitNumber(_ i: Int) -> String { String(format: "110101%06dGB%05dF%08d", i / 100_000, i % 100_000, i % 100_000_000) }

    static func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

    // MARK: - Workload

    static func presign(workload: String, units: Int, chain: String, registry: PrivateKey, banks: [PrivateKey]) throws -> [[Pending]] {
        let owners = Mutex<[Int: (PrivateKey, IdentityNumber)]>([:])
        let cny = try Currency("CNY")
        @Sendable func unit(_ i: Int) -> UnitNumber { try! UnitNumber(unitNumber(i)) }
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

    static func submit(_ txs: [Pending], to urls: [String], submitters: Int, batch: Int, rate: Int, deadline: Date?, follower: CommitFollower) {
        let next = Atomic<Int>(0)
        let start = Date()
        let chunks = stride(from: 0, to: txs.count, by: batch).map { txs[$0..<min($0 + batch, txs.count)] }
        onThreads(submitters) { s in
            let client = HTTPClient()
            while true {
                let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard c < chunks.count else { return }
                if let deadline, Date() > deadline { return }
                if rate > 0 {
                    let wait = start.addingTimeInterval(Double(c * batch) / Double(rate)).timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
                let url = urls[c % urls.count]
                var todo = Array(chunks[c])
                for p in todo { follower.submitted(p.hash) }
                // A busy node (full mempool) is tried again for up to 5 minutes: as fast as accepted means
                // exactly that, and a flood keeps the mempools full for tens of seconds.
                let giveUp = Date().addingTimeInterval(300)
                while !todo.isEmpty && Date() < giveUp {
                    todo = send(todo, to: url, client: client, follower: follower)
                    if !todo.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
                }
                for p in todo { follower.failed(p.hash, code: "GAVE_UP_AFTER_5_MIN") }
            }
        }
    }

    /// Sends transactions (one, or a batch) and returns those to retry: the node was busy (503 MEMPOOL_FULL) or
    /// unreachable. Refusals of any other kind are counted as failed.
    private static func send(_ todo: [Pending], to url: String, client: HTTPClient, follower: CommitFollower) -> [Pending] {
        if todo.count == 1 {
            guard let r = try? client.send("POST", url: url + "/v1/txs", headers: [("Content-Type", "application/json")], body: todo[0].json, timeout: 10) else { return todo }
            if r.status == 503 { return todo }
            if r.status != 202 { follower.failed(todo[0].hash, code: APISession.errorCode(r.body).code ?? "HTTP \(r.status)") }
            return []
        }
        var body = Array(#"{"transactions":["#.utf8)
        for (i, p) in todo.enumerated() { if i > 0 { body.append(UInt8(ascii: ",")) }; body += p.json }
        body += Array("]}".utf8)
        guard let r = try? client.send("POST", url: url + "/v1/txs/batch", headers: [("Content-Type", "application/json")], body: body, timeout: 10) else { return todo }
        guard r.status == 200, let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
              let results = o["results"] as? [[String: Any]], results.count == todo.count else {
            if r.status == 503 { return todo }
            for p in todo { follower.failed(p.hash, code: APISession.errorCode(r.body).code ?? "HTTP \(r.status)") }
            return []
        }
        var retry: [Pending] = []
        for (p, res) in zip(todo, results) where res["status"] as? String != "pending" {
            let code = (res["error"] as? [String: Any])?["code"] as? String ?? "?"
            // The node was busy: send again. Anything else is the transaction's own fault (or already committed).
            if ["MEMPOOL_FULL", "STORAGE_UNAVAILABLE"].contains(code) { retry.append(p) } else { follower.failed(p.hash, code: code) }
        }
        return retry
    }

    // MARK: - Machine bound and node stats

    /// Ed25519 verifications per second on all cores: the best of three 1-second rounds, since other work on
    /// the machine can only lower a round (a lower bound would flatter the share of it a run reaches).
    static func measureSignatureBound() -> Double {
        let key = try! PrivateKey.generate()
        let msg = [UInt8](repeating: 7, count: 300)
        let sig = key.sign(msg)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var best = 0.0
        for _ in 0..<3 {
            let total = Atomic<Int>(0)
            let start = Date()
            onThreads(cores) { _ in
                var n = 0
                while Date().timeIntervalSince(start) < 1 {
                    for _ in 0..<100 { _ = key.publicKey.verify(signature: sig, message: msg) }
                    n += 100
                }
                total.add(n, ordering: .relaxed)
            }
            best = max(best, Double(total.load(ordering: .relaxed)) / Date().timeIntervalSince(start))
        }
        return best
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

/// Prints, each time the committed count passes a checkpoint, what the chain's growth did to the figures.
final class GrowthProbe: @unchecked Sendable {
    let checkpoints: [Int]
    let follower: CommitFollower
    let manifest: ClusterCommand.Manifest
    let queryURL: String
    let key: PrivateKey
    let chain: String
    let units: Int
    private let running = Mutex(true)
    private let finished = DispatchSemaphore(value: 0)

    init(checkpoints: [Int], follower: CommitFollower, manifest: ClusterCommand.Manifest, queryURL: String, key: PrivateKey, chain: String, units: Int) {
        self.checkpoints = checkpoints; self.follower = follower; self.manifest = manifest
        self.queryURL = queryURL; self.key = key; self.chain = chain; self.units = units
    }

    func start() {
        BenchCommand.say("growth              committed   tx/s since last   query p50/p99 ms   max node rss MiB   database MiB")
        Thread.detachNewThread { [self] in
            var last = (count: 0, at: Date())
            var pending = checkpoints[...]
            defer { finished.signal() }
            while let next = pending.first {
                let count = follower.committedCount
                guard count >= next else {
                    if !running.withLock({ $0 }) { return }
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                pending.removeFirst()
                let now = Date()
                let rate = Double(count - last.count) / now.timeIntervalSince(last.at)
                last = (count, now)
                let (p50, p99) = queryLatency(upTo: count)
                let rss = manifest.nodes.compactMap { Spawner.readPid($0.home + "/node.pid") }.map(BenchCommand.residentMiB).max() ?? 0
                let db = databaseMiB(manifest.nodes[0].home + "/data")
                BenchCommand.say(String(format: "growth              %9d   %15.0f   %8.2f / %6.2f   %16.0f   %12.0f", count, rate, p50, p99, rss, db))
            }
        }
    }

    /// Stops after printing every checkpoint already passed.
    func stop() {
        running.withLock { $0 = false }
        finished.wait()
    }

    /// 500 signed encumbrance queries, one connection, over units already registered.
    private func queryLatency(upTo count: Int) -> (Double, Double) {
        let client = HTTPClient()
        var lat: [Double] = []
        let known = max(1, min(units, count))
        for i in 0..<500 {
            let u = (i * 7919) % known
            let target = "/v1/mortgage/units/\(BenchCommand.unitNumber(u))/encumbrances"
            let t0 = Date()
            if let r = try? client.send("GET", url: queryURL + target, headers: RequestAuth.headers(method: "GET", target: target, key: key, chainID: chain), timeout: 5),
               r.status == 200 { lat.append(Date().timeIntervalSince(t0) * 1000) }
        }
        lat.sort()
        return lat.isEmpty ? (0, 0) : (lat[lat.count / 2], lat[min(lat.count - 1, lat.count * 99 / 100)])
    }

    private func databaseMiB(_ dir: String) -> Double {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let bytes = files.compactMap { (try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0))?[.size] as? Int }.reduce(0, +)
        return Double(bytes) / 1_048_576
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
    private let finished = DispatchSemaphore(value: 0)

    init(url: String) { self.url = url }

    func submitted(_ h: Hash) { lock.withLock { submittedAt[h] = Date(); outstanding += 1; submittedCount += 1 } }
    /// Refused at admission (never to commit from this submission), by code.
    private(set) var refused: [String: Int] = [:]
    func failed(_ h: Hash, code: String) {
        lock.withLock {
            refused[code, default: 0] += 1
            if submittedAt.removeValue(forKey: h) != nil { outstanding -= 1 }
        }
    }

    func start() {
        let client = HTTPClient()
        if let r = try? client.send("GET", url: url + "/v1/status"), let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] {
            next = UInt64((o["height"] as? Int) ?? 0) + 1
            chainID = o["chainId"] as? String ?? ""
        }
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            while lock.withLock({ running }) {
                // Waits at the node (minHeight) for the next block rather than polling for it.
                guard let r = try? client.send("GET", url: url + "/v1/sync/blocks?from=\(next)&limit=50&minHeight=\(next)&timeoutMs=1000", timeout: 10), r.status == 200,
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

    /// Stops following and waits for the follower's thread to finish (it may be in a 1 s wait at the node), so
    /// the counters are final when read.
    func stop() {
        lock.withLock { running = false }
        finished.wait()
    }
}
