import Foundation
import Testing

/// Issue 27: no node keeps or shows a person's identity number or name, in any encoding. Searches every file of
/// each node's home (the database and its WAL, the log, config and genesis), and what each running node serves —
/// every block, /metrics, the status page — for each secret as UTF-8, UTF-16 (both byte orders), hex (both cases)
/// and base64 (standard and URL-safe, at each of the three alignments a secret can have inside a longer stream).
enum PersonalDataScan {
    /// Every byte string `secret` can appear as.
    static func encodings(_ secret: String) -> [(name: String, bytes: [UInt8])] {
        let utf8 = Array(secret.utf8)
        var out: [(String, [UInt8])] = [("UTF-8", utf8),
                                        ("UTF-16LE", Array(secret.data(using: .utf16LittleEndian)!)),
                                        ("UTF-16BE", Array(secret.data(using: .utf16BigEndian)!)),
                                        ("hex", Array(utf8.map { String(format: "%02x", $0) }.joined().utf8)),
                                        ("HEX", Array(utf8.map { String(format: "%02X", $0) }.joined().utf8))]
        for k in 0..<3 {
            // With k bytes before it, the characters that depend on the secret's bytes alone.
            let text = Array(Data([UInt8](repeating: 0, count: k) + utf8).base64EncodedString().utf8)
            let middle = Array(text[((8 * k + 5) / 6)..<((8 * (k + utf8.count)) / 6)])
            out.append(("base64+\(k)", middle))
            out.append(("base64url+\(k)", middle.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }))
        }
        return out
    }

    /// Where any of `secrets` appears in `bytes`, as "`what`: <encoding> of <secret>".
    static func findings(_ bytes: [UInt8], _ what: String, _ secrets: [String]) -> [String] {
        secrets.flatMap { s in encodings(s).compactMap { e in bytes.firstRange(of: e.bytes) == nil ? nil : "\(what): \(e.name) of \(s)" } }
    }

    /// Every file under each node's home in `c`.
    static func files(_ c: ClusterHarness, _ secrets: [String]) throws -> [String] {
        var found: [String] = [], scanned = 0
        for n in c.nodes {
            let home = "\(c.dir)/\(n.name)"
            for name in try FileManager.default.subpathsOfDirectory(atPath: home) {
                guard let data = FileManager.default.contents(atPath: "\(home)/\(name)") else { continue }
                scanned += 1
                found += findings(Array(data), "\(n.name)/\(name)", secrets)
            }
            #expect(FileManager.default.fileExists(atPath: "\(home)/node.log"), "\(n.name) has no log to search")
        }
        #expect(scanned >= c.nodes.count * 3, "only \(scanned) files searched")
        return found
    }

    /// What every running node of `c` (or those named in `only`) serves: each block, /metrics, the status page and
    /// /v1/status.
    static func served(_ c: ClusterHarness, _ secrets: [String], only: [String]? = nil) throws -> [String] {
        var found: [String] = []
        for n in c.nodes where only?.contains(n.name) ?? true {
            let tip = c.height(n.name)
            #expect(tip > 0, "\(n.name) answers no height")
            for target in ["/metrics", "/", "/v1/status"] + (1...max(tip, 1)).map({ "/v1/blocks/\($0)" }) {
                let r = try c.http.send("GET", url: c.url(n.name) + target, timeout: 10)
                #expect(r.status == 200, "\(n.name) \(target): HTTP \(r.status)")
                found += findings(r.body, "\(n.name) \(target)", secrets)
            }
        }
        return found
    }

    /// Both searches; the test fails naming every place found. `controls`: text the flows did put on chain (a unit
    /// number), which both searches must find — so a search that sees nothing cannot pass.
    /// `served`: the nodes whose answers are searched (all when nil; a member node serves no blocks or status page).
    static func expectNone(_ c: ClusterHarness, _ secrets: [String], controls: [String], served only: [String]? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let found = try files(c, secrets) + served(c, secrets, only: only)
        #expect(found.isEmpty, "personal data found:\n\(found.joined(separator: "\n"))", sourceLocation: sourceLocation)
        for control in controls {
            #expect(try !files(c, [control]).isEmpty, "the files searched do not hold \(control) either", sourceLocation: sourceLocation)
            #expect(try !served(c, [control], only: only).isEmpty, "what the nodes serve does not hold \(control) either", sourceLocation: sourceLocation)
        }
    }
}
