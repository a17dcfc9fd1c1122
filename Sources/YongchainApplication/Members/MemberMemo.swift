import Foundation
import YongchainCore

/// Member records decoded once per distinct record: the node resolves the caller of every request, and the
/// application the signer of every transaction, from `member/<key>`, whose bytes change only by governance.
/// Keyed by the record's bytes, so an answer is exactly what decoding them now would give (a pure function's
/// memo, like `SignatureMemo`): a changed record is a new entry, never a stale one. Bounded: emptied when full.
final class MemberMemo: @unchecked Sendable {
    static let shared = MemberMemo()
    private let lock = NSLock()
    private var decoded: [HashedBytes: Member] = [:]
    private let capacity = 1_024

    /// The member `record` (read from state key `at`) decodes as; a record that does not decode is damage, never
    /// "no member" (it is not kept: it is decoded again, and throws again, if asked again).
    func member(_ record: [UInt8], at stateKey: [UInt8]) throws(DamagedRecord) -> Member {
        let key = HashedBytes(bytes: record)
        if let m = lock.withLock({ decoded[key] }) { return m }
        let m = try DamagedRecord.decode(Member.self, record, at: stateKey)
        lock.withLock {
            if decoded.count >= capacity { decoded.removeAll(keepingCapacity: true) }
            decoded[key] = m
        }
        return m
    }
}
