import Foundation

/// The first failure of the reads made through one reader. `StateReader` reads cannot throw, so a failed one
/// answers a neutral value and is recorded here; `check()` then throws it (see `StateReader.checkReads`).
public final class ReadFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    func answer<T>(_ neutral: T, _ read: () throws -> T) -> T {
        do { return try read() } catch {
            lock.withLock { if first == nil { first = error } }
            return neutral
        }
    }

    public func check() throws {
        if let e = lock.withLock({ first }) { throw e }
    }
}
