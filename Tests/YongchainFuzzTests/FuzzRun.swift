import Foundation
import Synchronization
import Testing
import YongchainTestSupport

/// How a run is bounded and replayed, from the environment (docs/fuzzing.md):
/// - `FUZZ_TARGET`: `all` (default) or a comma list of `routes`, `auth`, `gossip`, `decoders`.
/// - `FUZZ_SEED`: decimal or 0x-hex (default 0x5EED); `random` draws one from the clock (printed).
/// - `FUZZ_SECONDS`: wall-clock budget shared by the selected families (default 44).
/// - `FUZZ_ITERATIONS`: inputs per family (default: a CI-sized count; unlimited when FUZZ_SECONDS is set).
/// - `FUZZ_FROM`: index of the first input (default 0); with FUZZ_ITERATIONS it replays a slice.
/// - `FUZZ_VERBOSE=1`: print every input before running it.
/// - `FUZZ_ROUTES`: comma list of route templates (exact) or substrings of them, for the request families.
struct FuzzSettings: Sendable {
    static let families: [(name: String, weight: Double, ciIterations: Int)] = [
        ("routes", 0.35, 40_000), ("auth", 0.15, 40_000), ("gossip", 0.2, 15_000), ("decoders", 0.3, 3_000_000),
    ]

    let seed: UInt64
    let targets: Set<String>
    let seconds: Double
    let iterations: Int?
    let longRun: Bool
    let from: Int
    let verbose: Bool
    let routes: [String]?

    static let current: FuzzSettings = {
        let env = ProcessInfo.processInfo.environment
        let seedText = env["FUZZ_SEED"] ?? "0x5EED"
        let seed: UInt64
        if seedText == "random" {
            seed = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        } else if seedText.lowercased().hasPrefix("0x") {
            seed = UInt64(seedText.dropFirst(2), radix: 16) ?? 0x5EED
        } else {
            seed = UInt64(seedText) ?? 0x5EED
        }
        let target = env["FUZZ_TARGET"] ?? "all"
        let targets = target == "all" ? Set(families.map(\.name)) : Set(target.split(separator: ",").map(String.init))
        return FuzzSettings(seed: seed, targets: targets, seconds: env["FUZZ_SECONDS"].flatMap(Double.init) ?? 44,
                            iterations: env["FUZZ_ITERATIONS"].flatMap(Int.init), longRun: env["FUZZ_SECONDS"] != nil,
                            from: env["FUZZ_FROM"].flatMap(Int.init) ?? 0, verbose: env["FUZZ_VERBOSE"] == "1",
                            routes: env["FUZZ_ROUTES"].map { $0.split(separator: ",").map(String.init) })
    }()

    /// This family's share of the wall-clock budget, and its input count.
    func budget(_ family: String) -> (seconds: Double, iterations: Int) {
        let selected = Self.families.filter { targets.contains($0.name) }
        let total = selected.map(\.weight).reduce(0, +)
        let f = Self.families.first { $0.name == family }!
        return (seconds * f.weight / max(total, 1e-9), iterations ?? (longRun ? Int.max : f.ciIterations))
    }

    var seedText: String { "0x" + String(seed, radix: 16, uppercase: true) }
}

/// Something an oracle refused, the first time it refused it.
struct Finding: Sendable {
    let oracle: String
    let key: String
    let detail: String
    let input: String
    let index: Int
    let inputsRun: Int
    let seconds: Double
}

/// One family's run: a loop of inputs, each made from its own seeded generator (so input `i` is the same on
/// every run with that seed), with a line printed before each batch so a trap — which kills the test process —
/// still leaves the seed and the input range on stderr. Findings are printed once each, as they happen.
final class FuzzRun: @unchecked Sendable {
    let family: String
    let settings = FuzzSettings.current
    /// When the loop started (fixture setup is not counted).
    private(set) var started = Date()
    /// Inputs between progress lines: a trap's replay slice.
    let batch: Int
    private let found = Mutex<[String: Finding]>([:])
    private let count = Atomic<Int>(0)
    private(set) var current = 0

    init(_ family: String, batch: Int = 500) {
        self.family = family
        self.batch = batch
    }

    var enabled: Bool { settings.targets.contains(family) }
    var elapsed: Double { Date().timeIntervalSince(started) }
    /// Seconds left of this family's budget.
    var remaining: Double { settings.budget(family).seconds - elapsed }
    var inputsRun: Int { count.load(ordering: .relaxed) }

    static func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// The generator for input `index`: a function of the seed, the family and the index only.
    func rng(_ index: Int) -> SplitMix64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in family.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var g = SplitMix64(seed: settings.seed ^ h)
        g = SplitMix64(seed: g.next() ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        _ = g.next()
        return g
    }

    /// Inputs that depend on earlier ones (the decoders' corpus grows with what decoded) replay from the start.
    var replaysFromStart = false

    func replay(from: Int, count: Int) -> String {
        let (from, count) = replaysFromStart ? (0, from + count) : (from, count)
        let routes = settings.routes.map { " FUZZ_ROUTES='\($0.joined(separator: ","))'" } ?? ""
        return "FUZZ_TARGET=\(family) FUZZ_SEED=\(settings.seedText)\(routes) FUZZ_FROM=\(from) FUZZ_ITERATIONS=\(count) FUZZ_VERBOSE=1 swift test --filter YongchainFuzzTests"
    }

    /// Runs `input(index, &rng)` for each index within the budget; `afterBatch` runs the state oracles.
    func run(_ input: (Int, inout SplitMix64) -> Void, afterBatch: () -> Void = {}) {
        let (seconds, iterations) = settings.budget(family)
        let end = settings.from.addingReportingOverflow(iterations).overflow ? Int.max : settings.from + iterations
        started = Date()
        Self.log("fuzz[\(family)] seed=\(settings.seedText) budget \(Int(seconds)) s, inputs \(settings.from)..<\(end == Int.max ? "∞" : String(end))")
        var i = settings.from
        while i < end && elapsed < seconds {
            if (i - settings.from) % batch == 0 {
                Self.log("fuzz[\(family)] seed=\(settings.seedText) inputs \(i)..<\(min(i + batch, end)) t=\(String(format: "%.1f", elapsed))s  replay: \(replay(from: i, count: min(batch, end - i)))")
            }
            current = i
            var g = rng(i)
            input(i, &g)
            count.add(1, ordering: .relaxed)
            i += 1
            if (i - settings.from) % batch == 0 { afterBatch() }
        }
        afterBatch()
        Self.log("fuzz[\(family)] done: \(inputsRun) inputs in \(String(format: "%.1f", elapsed)) s, \(findings.count) findings")
    }

    func trace(_ index: Int, _ text: @autoclosure () -> String) {
        if settings.verbose { Self.log("fuzz[\(family)] #\(index) t=\(String(format: "%.3f", elapsed))s \(text())") }
    }

    /// Records a refusal; only the first per (oracle, key) is kept and printed.
    func report(_ oracle: String, key: String, _ detail: String, input: @autoclosure () -> String, index: Int? = nil) {
        let i = index ?? current
        let f = Finding(oracle: oracle, key: key, detail: String(detail.prefix(400)), input: String(input().prefix(600)), index: i,
                        inputsRun: inputsRun + 1, seconds: elapsed)
        let isNew = found.withLock { all -> Bool in
            guard all["\(oracle)|\(key)"] == nil else { return false }
            all["\(oracle)|\(key)"] = f
            return true
        }
        if isNew {
            Self.log("fuzz[\(family)] FINDING \(oracle) [\(key)] at input #\(i) after \(f.inputsRun) inputs, \(String(format: "%.2f", f.seconds)) s, seed \(settings.seedText): \(f.detail)\n    input: \(f.input)")
        }
    }

    var findings: [Finding] { found.withLock { Array($0.values) }.sorted { $0.index < $1.index } }

    /// Each finding becomes a test issue naming how to replay it.
    func recordIssues() {
        for f in findings {
            Issue.record("""
                \(family): \(f.oracle) [\(f.key)] at input #\(f.index) (\(f.inputsRun) inputs, \(String(format: "%.2f", f.seconds)) s): \(f.detail)
                input: \(f.input)
                replay: \(replay(from: f.index, count: 1)) (state-dependent findings: FUZZ_FROM=\(settings.from) FUZZ_ITERATIONS=\(f.index - settings.from + 1))
                """)
        }
    }
}

/// Every fuzz suite runs inside this one, one test at a time: each family gets its share of the budget alone,
/// on a machine whose cores the build and other jobs also use.
@Suite(.serialized) enum FuzzHarness {}
