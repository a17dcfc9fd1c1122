import Foundation

/// A value that many threads read at once and one thread at a time changes, behind pthread's read-write lock:
/// the state tree's memory, which every proof and every execution reads node by node while a commit now and then
/// changes it (under `Mutex`, eight threads answering proofs spent half their CPU spinning for it: 190 proven
/// answers a second on a node, against some 4,500 with the tree in SQLite); the committed values' cache; the
/// parsed public keys every signature check looks up (`ParsedPublicKeys`). Readers never wait for each other, so
/// a reader the scheduler preempts while it holds the lock holds up no other reader.
package final class ReadWriteLock<Value>: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    package func read<R>(_ body: (Value) throws -> R) rethrows -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    package func write<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
