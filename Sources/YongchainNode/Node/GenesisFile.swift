import Foundation
import YongchainCore

/// The genesis file, `genesis.json` in a node's home: `Genesis` as JSON (its `Codable` form, keys sorted,
/// indented). Core owns the value, its validation and its encodings; reading and writing the file is the shell's,
/// like `NodeHome.loadConfig` for `config.json`.
public enum GenesisFile {
    /// Reads and validates the genesis at `path`. Throws `GenesisError`: field `file` when it cannot be read or
    /// is not a genesis document, otherwise the field that fails `Genesis.validate()`.
    public static func load(path: String) throws -> Genesis {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GenesisError(field: "file", message: "cannot read \(path)")
        }
        let g: Genesis
        do {
            g = try JSONDecoder().decode(Genesis.self, from: data)
        } catch {
            throw GenesisError(field: "file", message: "\(path) is not a valid genesis JSON document: \(error)")
        }
        try g.validate()
        return g
    }

    /// Writes `genesis` to `path` (replacing it atomically). Callers SHOULD `validate()` first: a node refuses
    /// to load an invalid genesis.
    public static func write(_ genesis: Genesis, path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(genesis).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
