/// A bench run that could not go on: what was being done and why, as one line for the operator.
public struct BenchError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// Runs `body`, prefixing a failure with what was being done.
    static func context<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw BenchError("\(what()): \(error)") }
    }
}
