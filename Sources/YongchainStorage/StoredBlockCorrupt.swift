/// A block (or its certificate) as stored does not match what it must: altered or damaged on disk. Its code is
/// STORAGE_CORRUPT and it names the height, so an operator knows where to look (`yongchain verify chain`).
public struct StoredBlockCorrupt: Error, Sendable, CustomStringConvertible {
    public let height: UInt64
    public let reason: String
    public var code: String { "STORAGE_CORRUPT" }
    public var description: String { "STORAGE_CORRUPT: block \(height) as stored is not valid: \(reason)" }
}
