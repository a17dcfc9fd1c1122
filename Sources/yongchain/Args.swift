import Foundation

/// A command-line usage error: printed as one line, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Options (`--name value`, `--flag`) and positionals, checked against what a command accepts.
struct Args {
    private(set) var options: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    /// `valued` options take a value; `switches` do not. Anything else is a usage error.
    init(_ argv: [String], valued: Set<String>, switches: Set<String> = []) throws {
        var i = 0
        while i < argv.count {
            let a = argv[i]
            if a.hasPrefix("--") {
                var name = String(a.dropFirst(2))
                var inline: String?
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if switches.contains(name) {
                    flags.insert(name)
                } else if valued.contains(name) {
                    if let inline {
                        options[name, default: []].append(inline)
                    } else {
                        guard i + 1 < argv.count else { throw UsageError("--\(name) needs a value") }
                        options[name, default: []].append(argv[i + 1])
                        i += 1
                    }
                } else {
                    throw UsageError("unknown option --\(name)")
                }
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    func require(_ name: String) throws -> String {
        guard let v = value(name) else { throw UsageError("missing --\(name)") }
        return v
    }

    func int(_ name: String, default d: Int) throws -> Int {
        guard let v = value(name) else { return d }
        guard let n = Int(v) else { throw UsageError("--\(name) must be a whole number, got '\(v)'") }
        return n
    }
}

func printErr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
