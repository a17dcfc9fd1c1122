import Foundation
import YongchainCrypto
import YongchainHTTP

/// `yongchain bench`: a load generator that prints figures (not a pass/fail test). It starts a cluster (or uses
/// one already in `dir`), pre-signs realistic mortgage-registration transactions (`Workload`), submits them across
/// every node (`Submitter`), follows commits through a node's sync endpoint (`CommitFollower`), and reports
/// throughput, submit-to-commit latency, rejections by code, and each node's CPU and peak memory
/// (`ProcessSampler`) — beside this machine's own signature bound, measured in the same run (`SignatureBound`).
public enum Bench {
    /// A full run: load, then optionally catch-up and queries. Throws `BenchError` saying what failed.
    public static func run(_ o: BenchOptions, cluster: BenchCluster) throws {
        let dir = o.dir ?? NSTemporaryDirectory() + "yc-bench-\(getpid())"
        let fresh = !cluster.exists(dir: dir)
        if fresh {
            try cluster.create(dir: dir, validators: o.validators, observers: o.catchUp ? 1 : 0, emptyBlockMs: 200,
                               basePort: o.basePort, tls: o.tls, nationalSuite: o.nationalSuite)
        }
        // The bound of the cluster's own algorithm (its registry's key: SM2 on the national suite), measured before
        // the nodes start.
        let suite = try readKey(dir + "/registry/node.key").suite
        let sigBound = try SignatureBound.measure(suite)
        say(String(format: "machine: %d cores; %@ verify %.0f/s on all cores → bound %.0f tx/s for %d validators (each node verifies each tx)",
                   ProcessInfo.processInfo.activeProcessorCount, suite.name, sigBound, sigBound / Double(o.validators), o.validators))
        BenchHTTP.use(try cluster.clientTransport(dir: dir))
        try cluster.up(dir: dir, only: try cluster.manifest(dir: dir).validators.map(\.name))
        defer {
            if fresh && !o.keep {
                try? cluster.down(dir: dir)
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        let manifest = try cluster.manifest(dir: dir)
        let urls = manifest.validators.map(\.url)
        guard !urls.isEmpty else { throw BenchError("the cluster in \(dir) has no validator") }
        let chain = manifest.chain
        let registry = try readKey(dir + "/registry/node.key")
        let banks = try manifest.banks.map { try readKey($0.home + "/node.key") }
        guard !banks.isEmpty else { throw BenchError("the cluster has no bank; use --validators 3 or more") }

        say("pre-signing \(o.workload.rawValue) transactions for \(o.units) units ...")
        let t0 = Date()
        let phases = try Workload.presign(o.workload, units: o.units, chain: chain, registry: registry, banks: banks)
        let total = phases.reduce(0) { $0 + $1.count }
        say(String(format: "signed %d transactions in %.1f s", total, Date().timeIntervalSince(t0)))

        let before = ProcessSampler.nodes(manifest, cluster)
        let ownBefore = ProcessSampler.ownCPU()
        let codesBefore = resultCounts(urls[0])
        let follower = CommitFollower(url: urls[0])
        follower.start()
        let started = Date()
        let growth = o.checkpoints.isEmpty ? nil : GrowthProbe(checkpoints: o.checkpoints, follower: follower, manifest: manifest, cluster: cluster,
                                                              queryURL: urls[1 % urls.count], key: banks[0], chain: chain.id, units: o.units)
        growth?.start()
        var submitted = 0
        let deadline = o.duration > 0 ? started.addingTimeInterval(Double(o.duration)) : nil
        for (i, phase) in phases.enumerated() {
            Submitter.submit(phase, to: urls, submitters: o.submitters, batch: o.batch, rate: o.rate, deadline: deadline, follower: follower)
            submitted = follower.submittedCount
            // A phase depends on the previous one: wait until it is committed.
            follower.waitForAll(timeout: 600)
            if phases.count > 1 { say(String(format: "phase %d/%d committed at %.1f s", i + 1, phases.count, Date().timeIntervalSince(started))) }
            if let deadline, Date() > deadline { break }
        }
        follower.waitForAll(timeout: 600)
        let elapsed = follower.lastCommit.timeIntervalSince(started)
        growth?.stop()
        follower.stop()
        let after = ProcessSampler.nodes(manifest, cluster)
        let ownCPU = ProcessSampler.ownCPU() - ownBefore
        let codes = resultCounts(urls[0]).merging(codesBefore.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 }

        let lat = follower.latencies.sorted()
        func pct(_ p: Double) -> Double { lat.isEmpty ? 0 : lat[min(lat.count - 1, Int(Double(lat.count) * p))] * 1000 }
        let committed = follower.committedCount
        say("")
        say("workload            \(o.workload.rawValue), \(o.units) units, \(o.validators) validators, \(o.submitters) submitters, \(o.batch == 1 ? "one tx per request" : "batches of \(o.batch)"), rate \(o.rate == 0 ? "max" : "\(o.rate)/s")")
        say(String(format: "committed           %d of %d transactions in %.1f s: %.0f tx/s (%.0f%% of the signature bound)",
                   committed, submitted, elapsed, Double(committed) / elapsed, 100 * Double(committed) / elapsed / (sigBound / Double(o.validators))))
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
        if o.catchUp, let observer = manifest.nodes.first(where: { !$0.validator }) {
            try measureCatchUp(dir: dir, cluster: cluster, observer: observer, tipURL: urls[0], committed: follower.committedCount)
        }
        if o.querySeconds > 0 && o.workload == .mortgageYear {
            try QueryLoad.run(manifest: manifest, cluster: cluster, units: o.units, seconds: o.querySeconds, connections: o.submitters,
                              key: banks[0], auth: o.queryAuth, route: o.queryRoute, prove: o.prove)
        }
    }

    /// Only the queries, against the cluster in `dir` that an earlier run with `keep` left (the same `units`).
    public static func runQueries(_ o: BenchOptions, dir: String, cluster: BenchCluster) throws {
        let manifest = try cluster.manifest(dir: dir)
        BenchHTTP.use(try cluster.clientTransport(dir: dir))
        guard let bank = manifest.banks.first else { throw BenchError("the cluster has no bank") }
        try QueryLoad.run(manifest: manifest, cluster: cluster, units: o.units, seconds: o.querySeconds, connections: o.submitters,
                          key: try readKey(bank.home + "/node.key"), auth: o.queryAuth, route: o.queryRoute, prove: o.prove)
    }

    /// Starts the empty observer and times its replay of everything committed so far.
    static func measureCatchUp(dir: String, cluster: BenchCluster, observer: BenchNode, tipURL: String, committed: Int) throws {
        let client = BenchHTTP.client()
        func height(_ url: String) -> Int {
            guard let r = try? client.send("GET", url: url + "/v1/status", timeout: 2),
                  let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else { return -1 }
            return o["height"] as? Int ?? -1
        }
        let target = height(tipURL)
        let t0 = Date()
        try cluster.up(dir: dir, only: [observer.name])
        var reached = 0
        while reached < target, Date().timeIntervalSince(t0) < 1800 {
            Thread.sleep(forTimeInterval: 0.1)
            reached = height(observer.url)
        }
        let secs = Date().timeIntervalSince(t0)
        let rss = cluster.pid(of: observer).map(ProcessSampler.residentMiB) ?? 0
        say(String(format: "catch-up            empty observer replayed %d blocks (%d transactions) in %.1f s, start-up included: %.0f blocks/s, %.0f tx/s; rss %.0f MiB",
                   reached, committed, secs, Double(reached) / secs, Double(committed) / secs, rss))
    }

    /// Committed transactions by result code, from the node's metrics; empty when the node does not answer.
    static func resultCounts(_ url: String) -> [String: Int] {
        guard let r = try? BenchHTTP.client().send("GET", url: url + "/metrics", timeout: 5) else { return [:] }
        var out: [String: Int] = [:]
        for line in String(decoding: r.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix("yongchain_state_txs_total{code=\"") {
            let parts = line.split(separator: "\"")
            guard parts.count > 1 else { continue }
            out[String(parts[1])] = Int(line.split(separator: " ").last ?? "0") ?? 0
        }
        return out
    }

    static func readKey(_ path: String) throws -> PrivateKey {
        try BenchError.context("reading the key \(path)") { try KeyFile.read(path) }
    }

    /// One line of the report, written straight to stdout (not buffered behind other output).
    static func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
}
