import YongchainCore

/// A value in committed state that does not decode as the record its key holds. Nothing a transaction or a peer
/// sends can cause it (every value was written by this code, and storage checks what it reads against the state
/// tree), so it means a damaged store or a node whose code differs from the one that wrote it: the node stops
/// (`STORAGE_CORRUPT`) rather than answer or commit anything computed from it. An absent key is not damage.
///
/// A handler that meets one answers `STORAGE_CORRUPT`, which is never a transaction's recorded outcome: the node
/// refuses to commit (or propose) a block whose execution answers it, and halts (docs/operations.md, "Health").
/// A failed read answers "absent" and can look like damage (`init(missing:counted:)`), so whoever acts on one MUST
/// call `checkReads()` on the state first and throw that failure instead.
public struct DamagedRecord: Error, CustomStringConvertible, Sendable {
    public static let code = "STORAGE_CORRUPT"
    /// The state key, as text (keys are UTF-8).
    public let key: String
    public let reason: String

    public var code: String { Self.code }
    public var description: String { "\(Self.code): the value at state key \(key) does not decode (\(reason))" }

    /// As a rejection, for a handler's or a question's answer.
    public var result: TxResult { .reject(Self.code, description) }

    /// The record of type `T` at `key`; nil when the key is absent. Throws when bytes are there and do not decode.
    static func load<T: CanonicalCodable>(_ type: T.Type, _ key: [UInt8], _ state: StateReader) throws(DamagedRecord) -> T? {
        try load(key, state) { try T(canonical: $0) }
    }

    /// The count or sequence number (`UInt32` or `UInt64`, big-endian) that is the whole value at `key`; nil when
    /// the key is absent.
    static func count<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, _ key: [UInt8], _ state: StateReader) throws(DamagedRecord) -> T? {
        try load(key, state) { b in
            var r = CanonicalReader(b)
            let name = String(decoding: key, as: UTF8.self)
            let n = T.bitWidth == 32 ? T(try r.u32(name)) : T(try r.u64(name))
            try r.finish(name)
            return n
        }
    }

    /// `bytes`, read from `key` (by a scan, say), as the record `T`.
    static func decode<T: CanonicalCodable>(_ type: T.Type, _ bytes: [UInt8], at key: [UInt8]) throws(DamagedRecord) -> T {
        try decode(bytes, at: key) { try T(canonical: $0) }
    }

    /// `read` over `bytes`, read from `key` (for values that are not `CanonicalCodable`).
    static func decode<T>(_ bytes: [UInt8], at key: [UInt8], _ read: ([UInt8]) throws -> T) throws(DamagedRecord) -> T {
        do { return try read(bytes) } catch {
            throw DamagedRecord(key: String(decoding: key, as: UTF8.self), reason: "\(error)")
        }
    }

    /// `body`'s value; nil when it throws anything but `DamagedRecord`, which is thrown on (for a caller that answers
    /// other errors as "nothing there", never damage).
    static func rethrown<T>(_ body: () throws -> T) throws(DamagedRecord) -> T? {
        do { return try body() } catch let e as DamagedRecord { throw e } catch { return nil }
    }

    /// `count + 1`, for a count read from the record at `key` (a lien priority, a list's length, a sequence number).
    /// Every count is advanced by one transaction at a time, so none reaches its type's maximum: one that is there
    /// was damaged (into a value that still decodes). Throws, rather than trap and kill the node.
    static func next<T: FixedWidthInteger>(after count: T, at key: [UInt8]) throws(DamagedRecord) -> T {
        guard count < T.max else {
            throw DamagedRecord(key: String(decoding: key, as: UTF8.self), reason: "a count at its type's maximum (\(count)) cannot be advanced")
        }
        return count + 1
    }

    /// `read` over the bytes at `key`; nil when the key is absent (for values that are not `CanonicalCodable`).
    static func load<T>(_ key: [UInt8], _ state: StateReader, _ read: ([UInt8]) throws -> T) throws(DamagedRecord) -> T? {
        guard let bytes = state.get(key) else { return nil }
        return try decode(bytes, at: key, read)
    }
}

extension DamagedRecord {
    /// An entry of a list that is never shortened, absent below the list's stored count (`counted` says which):
    /// that count or the store was damaged. Unless a read failed (a failed read answers "absent"): whoever acts on
    /// the damage checks the reads first, and a failure found there is the error (the block executor, ProvenAnswer
    /// and the light client's AnswerVerifier do), so a busy or moved snapshot is never taken for damage.
    init(missing key: [UInt8], counted: String) {
        self.init(key: String(decoding: key, as: UTF8.self), reason: "absent, though the \(counted) stored beside it includes it")
    }
}
