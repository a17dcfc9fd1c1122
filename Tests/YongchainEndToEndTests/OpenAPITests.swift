import Foundation
import Testing
@testable import YongchainCore

extension EndToEnd {
    /// docs/openapi.yaml against a running node: every documented operation is routed, and every error answer has
    /// the documented `{"error":{"code","message"}}` shape; every route the node serves is documented.
    @Suite(.serialized) struct OpenAPI {
        static let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path

        /// (method, path template) of every operation, read from the spec's `paths:` section.
        static func operations() throws -> [(String, String)] {
            var out: [(String, String)] = []
            var path: String?
            for line in try String(contentsOfFile: spec, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); continue }
                if !line.hasPrefix("  ") { path = nil; continue }
                for m in ["get", "post", "head"] where line == "    \(m):" {
                    if let path { out.append((m.uppercased(), path)) }
                }
            }
            return out
        }

        /// Code generators read the file as YAML 1.1, where `no`, `yes`, `on`, `off` are booleans: a parameter named
        /// `no` unquoted became `false` and broke them (issue 15).
        @Test func noParameterNameIsAYAMLBoolean() throws {
            let words: Set<String> = ["no", "yes", "on", "off", "true", "false", "y", "n", "null"]
            for (i, line) in try String(contentsOfFile: Self.spec, encoding: .utf8).split(separator: "\n").enumerated() {
                guard let r = line.range(of: "name: ") else { continue }
                let value = line[r.upperBound...].prefix { $0 != "," && $0 != " " && $0 != "}" }
                #expect(!words.contains(value.lowercased()), "docs/openapi.yaml line \(i + 1): name \(value) is read as a boolean or null; quote it")
            }
        }

        /// The `Currency` schema lists exactly the codes the node accepts (issue 31: a pattern let any three letters
        /// through, which the node refused).
        @Test func theCurrencyEnumIsTheNodesList() throws {
            let text = try String(contentsOfFile: Self.spec, encoding: .utf8)
            let lines = text.split(separator: "\n")
            let at = try #require(lines.firstIndex { $0 == "    Currency:" })
            let line = try #require(lines[at...].first { $0.hasPrefix("      enum: [") })
            let codes = line.dropFirst("      enum: [".count).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(codes == Currency.known.keys.sorted())
        }

        /// The file passes openapi-spec-validator, the standard OpenAPI 3 validator (PyPI; .ci/run installs it).
        @Test(.enabled(if: IndependentClient.run(["-c", "import openapi_spec_validator"])?.status == 0, "openapi-spec-validator is not installed"))
        func specPassesTheStandardOpenAPIValidator() throws {
            let check = """
                import sys
                from openapi_spec_validator.readers import read_from_filename
                spec, _ = read_from_filename(sys.argv[1])
                try:
                    from openapi_spec_validator import validate
                except ImportError:
                    from openapi_spec_validator import validate_spec as validate
                validate(spec)
                print("valid")
                """
            let r = try #require(IndependentClient.run(["-c", check, Self.spec]))
            #expect(r.status == 0 && r.out.contains("valid"), "docs/openapi.yaml: \(r.out)")
        }

        @Test func everyDocumentedOperationIsRoutedAndErrorsHaveTheDocumentedShape() throws {
            let ops = try Self.operations()
            #expect(ops.count >= 19, "the spec lists \(ops.count) operations")
            let c = try ClusterHarness(validators: 1, emptyBlockMs: 200)
            try c.up()
            #expect(c.eventually(10) { c.height("registry") >= 1 })
            let sample = ["height": "1", "hash": String(repeating: "0", count: 64), "unit": "110101001001GB00001F00010001",
                          "no": "MR-2020-0000001", "id": String(repeating: "0", count: 64), "key": "ed25519:" + String(repeating: "0", count: 64),
                          "code": "91350100M000100Y43", "checkId": String(repeating: "0", count: 64)]
            for (method, template) in ops {
                var path = template
                for (k, v) in sample { path = path.replacingOccurrences(of: "{\(k)}", with: v) }
                #expect(!path.contains("{"), "no sample value for \(template)")
                let r = try c.http.send(method, url: c.url("registry") + path, headers: [("Content-Type", "application/json")],
                                        body: method == "POST" ? Array("{}".utf8) : [], timeout: 10)
                if (200..<300).contains(r.status) { continue }
                let json = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
                let error = json?["error"] as? [String: Any]
                #expect(error?["code"] is String && error?["message"] is String, "\(method) \(template): \(r.status) without the error shape")
                let message = (error?["message"] as? String) ?? ""
                let routed = !message.hasPrefix("no route")
                #expect(routed, "\(method) \(template) is documented but not routed")
            }
            // And the other way round: an undocumented path is not served.
            let r = try c.http.send("GET", url: c.url("registry") + "/v1/undocumented", timeout: 5)
            #expect(r.status == 404)
        }
    }
}
