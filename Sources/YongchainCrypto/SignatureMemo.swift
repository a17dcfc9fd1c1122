import Foundation

/// Remembers signatures already found valid, so the same signature is not verified twice: a transaction checked
/// at admission and met again in a block, a precommit met again in the next block's certificate, an owner's
/// e-signature checked at admission and again when its block executes. Ed25519 verification is a node's largest
/// CPU cost (docs/performance.md). Only valid results are remembered, and validity is a pure function of key,
/// signature and message, so a memo can never change an outcome.
///
/// The ids are SHA-256 whatever the chain's suite: they never leave this process.
///
/// Two generations bound memory: when the current one is full it becomes the previous one.
public final class SignatureMemo: @unchecked Sendable {
    /// Ids in one generation: three quarters of a power of two, the most a `Set` keeps in a table of that many
    /// slots, so a full generation's table is no larger than its ids need — 98,304 ids take 2^17 slots (4.2 MB),
    /// where 100,000 took 2^18 (8.4 MB), and a memo holds two.
    public static let defaultGeneration = 3 << 15

    /// One memo for the whole process (the application's e-signature checks use it).
    public static let shared = SignatureMemo()

    private let lock = NSLock()
    private var current = Set<Hash>()
    private var previous = Set<Hash>()
    private let generation: Int

    public init(generation: Int = SignatureMemo.defaultGeneration) { self.generation = generation }

    /// True if `signature` is `key`'s valid signature of `message`, from memory or by verifying now.
    /// `keepParsed`: see `PublicKey.verify`.
    public func verify(_ key: PublicKey, signature: [UInt8], message: [UInt8], keepParsed: Bool = true) -> Bool {
        // Lengths first, so no other (key, signature, message) split of the same bytes has the same id.
        let lengths = [key.bytes.count, signature.count].flatMap { n in (0..<4).map { UInt8(truncatingIfNeeded: n >> (24 - 8 * $0)) } }
        return verify(id: HashSuite.sha256.digest(parts: [[key.suite.rawValue], lengths, key.bytes, signature, message])) {
            key.verify(signature: signature, message: message, keepParsed: keepParsed)
        }
    }

    /// `check()`'s answer, remembered under `id` when true; `id` MUST cover every byte `check` depends on.
    public func verify(id: Hash, _ check: () -> Bool) -> Bool {
        if lock.withLock({ current.contains(id) || previous.contains(id) }) { return true }
        guard check() else { return false }
        lock.withLock {
            current.insert(id)
            if current.count >= generation {
                previous = current
                current = Set(minimumCapacity: generation)
            }
        }
        return true
    }
}
