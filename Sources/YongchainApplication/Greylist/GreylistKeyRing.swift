import YongchainCore
import YongchainCrypto

/// `greylist/keys`: the supervisor's VRF keys, oldest first, at most two (docs/greylist.md, "Rotating the VRF
/// key"), each with the counts `greylist.retireKey` needs. Absent: the grey-list is off.
public struct GreylistKeyRing: Sendable, Equatable, CanonicalCodable {
    public struct Version: Sendable, Equatable {
        public var version: UInt32
        /// The compressed P-256 point (33 bytes), checked when governance admitted it.
        public var key: [UInt8]
        /// The first height it is in force (the deciding block + 1).
        public var fromHeight: UInt64
        public internal(set) var entries: UInt64 = 0
        public internal(set) var pendingReports: UInt64 = 0
        public internal(set) var pendingAppeals: UInt64 = 0

        /// The public key; nil only in a damaged store (governance checked the point).
        public var vrfKey: VRFPublicKey? { try? VRFPublicKey(bytes: key) }
    }

    public var versions: [Version]

    init(versions: [Version]) { self.versions = versions }

    /// list(u32 version ‖ bytes key ‖ u64 fromHeight ‖ u64 entries ‖ u64 pendingReports ‖ u64 pendingAppeals)
    public func encode(to w: inout CanonicalWriter) {
        w.list(versions) { w, v in
            w.u32(v.version)
            w.bytes(v.key)
            w.u64(v.fromHeight)
            w.u64(v.entries)
            w.u64(v.pendingReports)
            w.u64(v.pendingAppeals)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        versions = try r.list("keys", max: GreylistLimits.maxKeyVersions) { r in
            Version(version: try r.u32("version"), key: try r.bytes("key", max: VRFPublicKey.byteCount), fromHeight: try r.u64("fromHeight"),
                    entries: try r.u64("entries"), pendingReports: try r.u64("pendingReports"), pendingAppeals: try r.u64("pendingAppeals"))
        }
    }

    /// The versions in force at `height`, oldest first.
    public func inForce(at height: UInt64) -> [Version] { versions.filter { $0.fromHeight <= height } }

    /// The keys in state; nil when there are none (the grey-list is off).
    public static func load(_ state: StateReader) throws(DamagedRecord) -> GreylistKeyRing? {
        try DamagedRecord.load(GreylistKeyRing.self, StateKey.greylistKeys, state).flatMap { $0.versions.isEmpty ? nil : $0 }
    }

    func save(_ state: StateOverlay) { state.set(StateKey.greylistKeys, canonicalBytes) }

    /// Adds `delta` (±1) to one count of `version`; a version that is gone or a count at 0 changes nothing.
    mutating func count(_ version: UInt32, _ field: WritableKeyPath<Version, UInt64>, _ delta: Int) {
        guard let i = versions.firstIndex(where: { $0.version == version }) else { return }
        let v = versions[i][keyPath: field]
        versions[i][keyPath: field] = delta >= 0 ? v &+ UInt64(delta) : (v >= UInt64(-delta) ? v - UInt64(-delta) : 0)
    }
}
