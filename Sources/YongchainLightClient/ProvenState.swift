import YongchainCore
import YongchainCrypto

/// The state entries a verified bundle proves, as a `StateReader`: a query re-run over it reads only proven
/// values. A read of a key the bundle does not prove, or any prefix scan (the state tree proves single keys, not
/// ranges), answers nothing and is recorded; `checkReads()` then throws `PROOF_UNPROVEN_READ`, so a recomputed
/// answer never rests on a guess.
public final class ProvenState: StateReader {
    private let entries: [[UInt8]: [UInt8]?]
    private var unproven: String?

    /// `entries` MUST have been verified against a state root (`ProofBundle.verify`).
    init(entries: [[UInt8]: [UInt8]?]) { self.entries = entries }

    public var keys: Int { entries.count }

    public func get(_ key: [UInt8]) -> [UInt8]? {
        guard let v = entries[key] else {
            if unproven == nil { unproven = "the answer reads key \(ProvenState.show(key)), which the bundle does not prove" }
            return nil
        }
        return v
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        if unproven == nil { unproven = "the answer lists keys under \(ProvenState.show(prefix)), and a range cannot be proven" }
        return []
    }

    public func checkReads() throws {
        if let unproven { throw ProofFailure(.unprovenRead, unproven) }
    }

    /// A state key for a message: its text where it is printable (keys are mostly `area/identifier`), else hex.
    static func show(_ key: [UInt8]) -> String {
        key.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) ? "\"\(String(decoding: key, as: UTF8.self))\"" : Hex.encode(key)
    }
}
