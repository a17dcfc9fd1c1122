import Foundation
import Testing

extension EndToEnd {
    /// The compose deployment's files: generated configs match the committed compose file, which validates
    /// against the compose specification's JSON schema.
    @Suite struct Compose {
        static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        static func which(_ tool: String) -> String? {
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(tool)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        @Test(.enabled(if: which("check-jsonschema") != nil))
        func composeFileValidatesAgainstTheComposeSpec() throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.which("check-jsonschema")!)
            p.arguments = ["--builtin-schema", "vendor.compose-spec", Self.repo + "/cluster/compose.yaml"]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }

        @Test func initComposeWritesWhatTheComposeFileMounts() throws {
            let c = try ClusterHarness(validators: 1)
            let dir = c.dir + "/compose"
            let r = try c.cli(["cluster", "init", "--compose", "--dir", dir])
            #expect(r.status == 0, "\(r.err)")
            let compose = try String(contentsOfFile: Self.repo + "/cluster/compose.yaml", encoding: .utf8)
            for name in ["registry", "trade-authority", "bank-a", "bank-b", "bank-c"] {
                for file in ["config.json", "genesis.json", "node.key"] {
                    #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)/\(file)"))
                    #expect(compose.contains("./nodes/\(name)/\(file):/yongchain/\(file):ro"))
                }
            }
            let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/bank-c/genesis.json"))) as! [String: Any]
            let orgs = genesis["organizations"] as! [[String: Any]]
            #expect(orgs.count == 5)
            #expect(orgs.filter { ($0["power"] as? Int ?? 0) > 0 }.count == 4)
            #expect(orgs.allSatisfy { ($0["address"] as? String ?? "").hasSuffix(":26601") })
        }
    }
}
