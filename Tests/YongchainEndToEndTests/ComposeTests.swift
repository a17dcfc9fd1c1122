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
            // Not cluster/nodes: the printed command passes the directory to the compose file.
            // -p yongchain: podman-compose 1.0 would otherwise name the project after the directory (issue 31).
            #expect(r.out.contains("YONGCHAIN_NODES=\(dir) podman-compose -p yongchain -f cluster/compose.yaml up -d"), "\(r.out)")
            let compose = try String(contentsOfFile: Self.repo + "/cluster/compose.yaml", encoding: .utf8)
            for name in ["registry", "trade-authority", "central-bank", "credit-platform", "bank-a", "bank-b", "bank-c"] {
                for file in ["config.json", "genesis.json", "node.key"] {
                    #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)/\(file)"))
                    #expect(compose.contains("${YONGCHAIN_NODES:-./nodes}/\(name)/\(file):/yongchain/\(file):ro"))
                }
                if geteuid() == 0 {
                    // Run as root, init hands each key to the container's user, still 0600, and has nothing to warn about.
                    let attrs = try FileManager.default.attributesOfItem(atPath: "\(dir)/\(name)/node.key")
                    #expect(attrs[.ownerAccountID] as? Int == 10001 && attrs[.posixPermissions] as? Int == 0o600)
                }
            }
            if geteuid() == 0 { #expect(!r.err.contains("warning"), "\(r.err)") }
            let genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/bank-c/genesis.json"))) as! [String: Any]
            let orgs = genesis["organizations"] as! [[String: Any]]
            // The suggested consortium: the four authorities validate on full nodes, the banks run member nodes.
            #expect(orgs.count == 7)
            #expect(orgs.filter { ($0["power"] as? Int ?? 0) > 0 }.map { $0["name"] as? String } == ["registry", "trade-authority", "central-bank", "credit-platform"])
            #expect(orgs.filter { $0["node"] as? String == "member" }.map { $0["name"] as? String } == ["bank-a", "bank-b", "bank-c"])
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/bank-c/config.json"))) as! [String: Any]
            #expect(config["node"] as? String == "member")
            #expect(compose.contains("127.0.0.1:26607:26601") && r.out.contains("26601-26607"), "\(r.out)")
            #expect(orgs.allSatisfy { ($0["address"] as? String ?? "").hasSuffix(":26601") })
        }

        /// Run by a user other than the container's, init cannot hand the keys over: it says so, and how to fix it,
        /// before the container fails on them. As root the test runs init as nobody (uid 65534) through setpriv.
        @Test(.enabled(if: geteuid() != 10001 && (geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))))
        func initComposeWarnsWhenTheContainerCannotReadTheKeys() throws {
            let c = try ClusterHarness(validators: 1)
            let parent = c.dir + "/as-user"
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
            let dir = parent + "/nodes"
            let p = Process()
            var args = [c.exe, "cluster", "init", "--compose", "--dir", dir]
            if geteuid() == 0 {
                // The binary must be reachable by nobody too; .build under /root may not be.
                try FileManager.default.copyItem(atPath: c.exe, toPath: parent + "/yongchain")
                args = ["--reuid=65534", "--regid=65534", "--clear-groups", parent + "/yongchain"] + args.dropFirst()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            } else {
                p.executableURL = URL(fileURLWithPath: c.exe)
                args.removeFirst()
            }
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(text)")
            #expect(text.contains("warning: the container runs as uid 10001 and will not be able to read \(dir)/registry/node.key"), "\(text)")
            #expect(text.contains("KEY_FILE_UNREADABLE") && text.contains("chown 10001:10001 \(dir)/registry/node.key"), "\(text)")
        }
    }
}
