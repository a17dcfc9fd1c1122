import Foundation
import Synchronization

/// Runs `body` on `n` threads at once and waits for all of them. (Dispatch's concurrentPerform runs only as
/// many iterations at a time as there are cores: 8 "connections" would be 2 on this machine.)
func onThreads(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<n {
        group.enter()
        Thread.detachNewThread { body(i); group.leave() }
    }
    group.wait()
}

/// `range.map(f)` on every core. Throws the error of the lowest index that failed.
func parallelMap<T: Sendable>(_ range: Range<Int>, _ f: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let out = Mutex<[Int: Result<T, any Error>]>([:])
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var local: [(Int, Result<T, any Error>)] = []
        for i in stride(from: range.lowerBound + w, to: range.upperBound, by: workers) { local.append((i, Result { try f(i) })) }
        out.withLock { for (i, v) in local { $0[i] = v } }
    }
    return try out.withLock { d in
        try range.map { i in
            guard let r = d[i] else { preconditionFailure("parallelMap: index \(i) was never computed") }
            return try r.get()
        }
    }
}
