import Foundation
import Testing

/// A bank's program links the light client alone: Package.swift gives it no path to the node, storage (SQLite) or
/// HTTP modules, however the targets it depends on grow.
@Suite struct LinkageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every target's direct dependencies, as Package.swift declares them (`.target(name: …, dependencies: […])`).
    static func dependencies() throws -> [String: [String]] {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: [String]] = [:]
        let scanner = text.components(separatedBy: ".target(name: \"").dropFirst()
            + text.components(separatedBy: ".systemLibrary(name: \"").dropFirst()
        for part in scanner {
            let name = String(part.prefix { $0 != "\"" })
            guard let open = part.range(of: "dependencies: ["), let close = part[open.upperBound...].firstIndex(of: "]") else {
                out[name] = []
                continue
            }
            out[name] = part[open.upperBound..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " \n\"")) }.filter { !$0.isEmpty }
        }
        return out
    }

    @Test func theLightClientReachesNeitherTheNodeNorStorageNorHTTP() throws {
        let deps = try Self.dependencies()
        #expect(deps["YongchainNode"]?.contains("YongchainHTTP") == true, "the parse found the node's dependencies")
        var reached: Set<String> = []
        var todo = ["YongchainLightClient"]
        while let t = todo.popLast() {
            let direct = try #require(deps[t], "Package.swift declares \(t)")
            for d in direct where reached.insert(d).inserted { todo.append(d) }
        }
        #expect(reached == ["YongchainCore", "YongchainCrypto", "YongchainApplication", "COpenSSL"], "the light client reaches \(reached.sorted())")
    }
}
