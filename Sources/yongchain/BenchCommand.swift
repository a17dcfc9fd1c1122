import Foundation
import YongchainBench
import YongchainHTTP

/// `yongchain bench`: the CLI side of the load generator in YongchainBench — its flags, and the local cluster it
/// drives (`yongchain cluster`).
enum BenchCommand {
    static let help = """
    yongchain bench [--dir DIR] [--validators 4] [--units 2000] [--workload mortgage-year|register]
                    [--rate TX_PER_S] [--duration S] [--submitters 8] [--batch 1] [--queries SECONDS]
                    [--query-auth session|signature] [--query-route encumbrances|healthz|unregistered] [--prove]
                    [--checkpoints N,N,...] [--catch-up] [--keep]
                    [--queries-only] [--tls] [--crypto standard|sm]
    yongchain bench --store [--blocks 200] [--writes 2000]
    yongchain bench --greylist-store [--entries 100000] [--checks 1000000] [--samples 200]

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
    in one API session (default) or, with --query-auth signature, each request signed; with --prove each asks
    ?prove=true, and a sample of the answers is verified offline from genesis (sizes and verify times printed).
    --query-route healthz sends the same load to GET /healthz (no session): the HTTP round trip's floor;
    --query-route unregistered asks units nobody registered (404): the session check and one absent key.
    --tls         the fresh cluster speaks TLS 1.3 between its nodes and to the load generator (https://).
    --crypto sm   the fresh cluster is on the national suite (SM3 chain, SM2 keys, owners' consents SM2 too); the
                  signature bound printed beside the throughput is then SM2's (the cluster's own algorithm).
    --queries-only runs only the queries, against the cluster a run with --dir DIR --keep left (same --units).
    --store       no cluster: what a block's writes cost the state tree and the commit. A store in a temporary
                  directory takes --blocks blocks of --writes new keys; prints the tree update's and the commit's
                  time, CPU per block and per write, and the database's size (compare builds with it).
    --greylist-store no cluster: whether a grey-list check costs the same as the list grows. The application's
                  handlers fill a store with --entries published entries and --checks check records; a check's
                  execution and its proven answer are timed against the empty list and the full one (--samples
                  each), and the grey-list's state bytes and the database's size printed.
    Without --dir a fresh cluster is made in a temporary directory and stopped at the end (unless --keep).
    Use a release build: swift build -c release && .build/release/yongchain bench
    """

    static func run(_ argv: [String]) throws {
        if CLI.wantsHelp(argv) { print(help); return }
        let a = try Args(argv, valued: ["dir", "validators", "units", "workload", "rate", "duration", "submitters", "base-port", "queries", "query-auth", "query-route",
                                        "batch", "checkpoints", "blocks", "writes", "crypto", "entries", "checks", "samples"],
                         switches: ["keep", "catch-up", "queries-only", "prove", "tls", "store", "greylist-store"])
        if a.flag("greylist-store") {
            let entries = try a.int("entries", default: 100_000), checks = try a.int("checks", default: 1_000_000)
            let samples = try a.int("samples", default: 200)
            guard (0...10_000_000).contains(entries) else { throw UsageError("--entries: 0 to 10,000,000") }
            guard (0...10_000_000).contains(checks) else { throw UsageError("--checks: 0 to 10,000,000") }
            guard (1...100_000).contains(samples) else { throw UsageError("--samples: 1 to 100,000") }
            try GreylistStoreBench.run(entries: entries, checks: checks, samples: samples)
            return
        }
        if a.flag("store") {
            let blocks = try a.int("blocks", default: 200), writes = try a.int("writes", default: 2000)
            guard (2...100_000).contains(blocks) else { throw UsageError("--blocks: 2 to 100,000") }
            guard (1...100_000).contains(writes) else { throw UsageError("--writes: 1 to 100,000") }
            try StoreBench.run(blocks: blocks, writes: writes)
            return
        }
        var o = BenchOptions()
        o.dir = a.value("dir")
        o.units = try a.int("units", default: 2000)
        o.validators = try a.int("validators", default: 4)
        o.rate = try a.int("rate", default: 0)
        o.duration = try a.int("duration", default: 0)
        o.submitters = try a.int("submitters", default: 8)
        o.batch = try a.int("batch", default: 1)
        guard (1...1000).contains(o.batch) else { throw UsageError("--batch: 1 to 1,000") }
        o.checkpoints = try (a.value("checkpoints") ?? "").split(separator: ",").map { part -> Int in
            guard let n = Int(part.replacingOccurrences(of: "_", with: "")), n > 0 else { throw UsageError("--checkpoints: committed counts like 10000,100000") }
            return n
        }.sorted()
        o.catchUp = a.flag("catch-up")
        o.keep = a.flag("keep")
        o.tls = a.flag("tls")
        switch a.value("crypto") ?? "standard" {
        case "standard": o.nationalSuite = false
        case "sm": o.nationalSuite = true
        case let other: throw UsageError("--crypto: standard or sm, not '\(other)'")
        }
        guard let workload = BenchOptions.Workload(rawValue: a.value("workload") ?? "mortgage-year") else {
            throw UsageError("--workload: mortgage-year or register")
        }
        o.workload = workload
        guard let queryAuth = BenchOptions.QueryAuth(rawValue: a.value("query-auth") ?? "session") else {
            throw UsageError("--query-auth: session or signature")
        }
        o.queryAuth = queryAuth
        guard let queryRoute = BenchOptions.QueryRoute(rawValue: a.value("query-route") ?? "encumbrances") else {
            throw UsageError("--query-route: encumbrances, healthz or unregistered")
        }
        o.queryRoute = queryRoute
        o.prove = a.flag("prove")
        guard o.units > 0, o.units <= 1_000_000 else { throw UsageError("--units: 1 to 1,000,000") }
        guard (1...256).contains(o.submitters) else { throw UsageError("--submitters: 1 to 256") }
        guard o.rate >= 0, o.duration >= 0 else { throw UsageError("--rate and --duration are not negative") }
        if a.value("base-port") != nil { o.basePort = try a.int("base-port", default: 0) }

        if a.flag("queries-only") {
            guard let dir = o.dir, FileManager.default.fileExists(atPath: dir + "/cluster.json") else {
                throw UsageError("--queries-only needs --dir DIR of a cluster a run with --keep left")
            }
            o.querySeconds = max(try a.int("queries", default: 10), 1)
            try Bench.runQueries(o, dir: dir, cluster: LocalCluster())
            return
        }
        o.querySeconds = try a.int("queries", default: 0)
        try Bench.run(o, cluster: LocalCluster())
    }
}

/// The bench's cluster: node processes on 127.0.0.1, made, started and stopped as `yongchain cluster` does.
struct LocalCluster: BenchCluster {
    func exists(dir: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/cluster.json") }

    func create(dir: String, validators: Int, observers: Int, emptyBlockMs: Int, basePort: Int?, tls: Bool, nationalSuite: Bool) throws {
        var args = ["init", "--dir", dir, "--validators", "\(validators)", "--empty-block-ms", "\(emptyBlockMs)", "--observers", "\(observers)"]
        if nationalSuite { args += ["--crypto", "sm"] }
        if let basePort { args += ["--base-port", "\(basePort)"] }
        if tls { args.append("--tls") }
        try ClusterCommand.run(args)
        // The bench measures what an answer costs a node, not its rationing: one load generator asks for far more
        // than a caller's share of proofs (`maxProofsPerSecond`, 200 a second), which would answer 429s.
        for node in try ClusterCommand.manifest(dir).nodes {
            let path = node.home + "/config.json"
            guard var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] else {
                throw BenchError("\(path) is not a JSON object")
            }
            config["maxProofsPerSecond"] = 1_000_000
            try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        }
    }

    func clientTransport(dir: String) throws -> (any SecureTransport)? {
        let m = try ClusterCommand.manifest(dir)
        guard let first = m.nodes.first else { return nil }
        return try CLITLS.transport(for: first.url, genesisPath: first.home + "/genesis.json")
    }

    func manifest(dir: String) throws -> BenchManifest {
        let m = try ClusterCommand.manifest(dir)
        return BenchManifest(chain: m.chain, nodes: m.nodes.map { BenchNode(name: $0.name, home: $0.home, url: $0.url, validator: $0.validator) })
    }

    func up(dir: String, only names: [String]) throws {
        try ClusterCommand.run(["up", "--dir", dir, "--only", names.joined(separator: ",")])
    }

    func down(dir: String) throws { try ClusterCommand.run(["down", "--dir", dir]) }

    func pid(of node: BenchNode) -> pid_t? { Spawner.readPid(node.home + "/node.pid") }
}
