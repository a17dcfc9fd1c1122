// swift-tools-version: 6.0
// Yongchain: a consortium ledger. No package dependencies by design: SQLite and OpenSSL's libcrypto come from
// the system (apt: libsqlite3-dev, libssl-dev: libcrypto and libssl). Dependencies point inward; docs/architecture.md draws the map.
import PackageDescription

let package = Package(
    name: "Yongchain",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "yongchain", targets: ["yongchain"]),
        // What a bank's Swift program links to check proven answers offline: no node, HTTP server or SQLite.
        .library(name: "YongchainLightClient", targets: ["YongchainLightClient"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        // glibc's <malloc.h>: a node's process sets its arenas and returns freed memory (ProcessMemory).
        .systemLibrary(name: "CMalloc"),

        .target(name: "YongchainCrypto", dependencies: ["COpenSSL"]),
        .target(name: "YongchainCore", dependencies: ["YongchainCrypto"]),
        .target(name: "YongchainConsensus", dependencies: ["YongchainCore", "YongchainCrypto"]),
        .target(name: "YongchainApplication", dependencies: ["YongchainCore", "YongchainCrypto"]),
        .target(name: "YongchainStorage", dependencies: ["YongchainCore", "YongchainCrypto", "CSQLite"]),
        .target(name: "YongchainHTTP", dependencies: ["COpenSSL"]),
        // Proven answers checked from genesis alone: the bundle, the validator-set chain, the answer re-run
        // (ProvableQuery is the application's, so it is a dependency; the application needs neither SQLite nor HTTP).
        .target(name: "YongchainLightClient", dependencies: ["YongchainCore", "YongchainCrypto", "YongchainApplication"]),
        .target(name: "YongchainNode", dependencies: [
            "CMalloc", "YongchainCore", "YongchainCrypto", "YongchainConsensus", "YongchainApplication",
            "YongchainStorage", "YongchainHTTP", "YongchainLightClient",
        ]),
        // The load generator behind `yongchain bench`: workload, submission, commit following, process sampling.
        .target(name: "YongchainBench", dependencies: [
            "YongchainNode", "YongchainCore", "YongchainCrypto", "YongchainApplication", "YongchainHTTP", "YongchainStorage",
            "YongchainLightClient",
        ]),
        .executableTarget(name: "yongchain", dependencies: [
            "YongchainNode", "YongchainCore", "YongchainCrypto", "YongchainApplication", "YongchainStorage", "YongchainHTTP",
            "YongchainBench", "YongchainLightClient",
        ]),

        // The seeded generator every test target shares (a failing random case replays from its seed).
        .target(name: "YongchainTestSupport", path: "Tests/YongchainTestSupport"),
        .testTarget(name: "YongchainCryptoTests", dependencies: ["YongchainCrypto", "YongchainTestSupport"]),
        .testTarget(name: "YongchainCoreTests", dependencies: ["YongchainCore", "YongchainTestSupport"]),
        .testTarget(name: "YongchainConsensusTests", dependencies: ["YongchainConsensus", "YongchainTestSupport"]),
        .testTarget(name: "YongchainApplicationTests", dependencies: ["YongchainApplication", "YongchainTestSupport"]),
        .testTarget(name: "YongchainStorageTests", dependencies: ["YongchainStorage", "YongchainTestSupport"]),
        .testTarget(name: "YongchainHTTPTests", dependencies: ["YongchainHTTP", "YongchainTestSupport"]),
        // Links the light client alone, as a bank's program would.
        .testTarget(name: "YongchainLightClientTests", dependencies: ["YongchainLightClient", "YongchainTestSupport"]),
        .testTarget(name: "YongchainNodeTests", dependencies: ["YongchainNode", "YongchainLightClient", "YongchainTestSupport"]),
        .testTarget(name: "YongchainBenchTests", dependencies: ["YongchainBench", "YongchainNode", "YongchainApplication"]),
        // Seeded in-process fuzzing (docs/fuzzing.md): a bounded run in `swift test`, a long one by FUZZ_SECONDS.
        .testTarget(name: "YongchainFuzzTests", dependencies: [
            "YongchainNode", "YongchainCore", "YongchainCrypto", "YongchainConsensus", "YongchainApplication",
            "YongchainStorage", "YongchainHTTP", "YongchainLightClient", "YongchainTestSupport",
        ]),
        .testTarget(name: "YongchainEndToEndTests", dependencies: [
            "YongchainNode", "YongchainCore", "YongchainCrypto", "YongchainApplication", "YongchainHTTP", "YongchainLightClient",
            // Only to damage a stopped node's file, or make one another binary would, as a fault would.
            "CSQLite", "YongchainStorage",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
