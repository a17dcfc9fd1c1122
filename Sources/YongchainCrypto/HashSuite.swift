import COpenSSL

/// The hash function a chain uses for every hash it defines (transaction hashes, Merkle roots, the state tree,
/// headers, the genesis identity, proofs, digests inside signed messages): chosen once, in genesis
/// (`Genesis.hashSuite`), and carried from there by the values that belong to the chain. Both give 32 bytes.
///
/// - `sha256`: FIPS 180-4 SHA-256, the default (every chain made before SM3 existed).
/// - `sm3`: GB/T 32905-2016 SM3, for chains on the national (commercial) cryptography suite.
///
/// Hashes that are not the chain's — TLS, HKDF and HMAC of API sessions, a node's own caches and storage
/// checksums — are `sha256` whatever the chain: they never leave the node or the session that made them.
public enum HashSuite: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case sha256
    case sm3

    public var description: String { rawValue }

    /// The algorithm, fetched from libcrypto once: `EVP_sha256()`-style look-ups search the provider tables on
    /// every call, which cost as much as hashing a transaction. A fetched `EVP_MD` is immutable and may be used
    /// from any thread.
    var algorithm: OpaquePointer {
        switch self {
        case .sha256: return HashSuite.sha256Algorithm
        case .sm3: return HashSuite.sm3Algorithm
        }
    }

    nonisolated(unsafe) private static let sha256Algorithm: OpaquePointer = fetch("SHA256")
    nonisolated(unsafe) private static let sm3Algorithm: OpaquePointer = fetch("SM3")

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let md = EVP_MD_fetch(nil, name, nil) else { fatalError("libcrypto: \(name) is not available") }
        return md
    }

    /// The digest of `data`.
    public func digest<D: ContiguousBytes>(_ data: D) -> Hash {
        data.withUnsafeBytes { digest(raw: $0) }
    }

    /// The digest of raw bytes, into a stack buffer. SHA-256 runs on a stack context (`yc_SHA256`): through EVP,
    /// each call allocated, initialised and freed a context, about as much work as hashing a short message (a
    /// tree node, a leaf, a memo id) with the CPU's SHA extensions, and a node makes dozens a transaction
    /// (docs/performance.md, session 13).
    public func digest(raw: UnsafeRawBufferPointer) -> Hash {
        guard self == .sha256 else { return evpDigest(raw: raw) }
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            yc_SHA256(raw.baseAddress, raw.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            return Hash(raw: UnsafeRawBufferPointer(out))
        }
    }

    /// The digest of the concatenation of several byte strings, without building the concatenation.
    public func digest(parts: [[UInt8]]) -> Hash {
        digest { for p in parts { $0.add(p) } }
    }

    /// The digest of what `feed` adds, in order, without building the message (a leaf's tag, hash and signature:
    /// three arrays and the list of them, before): one context, on the stack for SHA-256.
    public func digest(_ feed: (inout DigestInput) -> Void) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            let md = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if self == .sha256 {
                var input = DigestInput(evp: nil)
                yc_SHA256_Init(&input.sha256)
                feed(&input)
                yc_SHA256_Final(md, &input.sha256)
            } else {
                guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: EVP_MD_CTX_new failed (out of memory)") }
                defer { EVP_MD_CTX_free(ctx) }
                EVP_DigestInit_ex(ctx, algorithm, nil)
                var input = DigestInput(evp: ctx)
                feed(&input)
                var len: UInt32 = 0
                EVP_DigestFinal_ex(ctx, md, &len)
            }
            return Hash(raw: UnsafeRawBufferPointer(out))
        }
    }

    /// The digest through EVP, whatever the suite: SM3's only way, and SHA-256's reference in the tests.
    func evpDigest(raw: UnsafeRawBufferPointer) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            let ok = EVP_Digest(raw.baseAddress, raw.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, algorithm, nil) == 1
            guard ok else { fatalError("libcrypto: \(self) failed (out of memory)") }
            return Hash(raw: UnsafeRawBufferPointer(out))
        }
    }

    /// The digest of a one-byte tag and two hashes (Merkle and state-tree nodes), with no allocation.
    public func digest(tag: UInt8, _ a: Hash, _ b: Hash) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { msg in
            msg[0] = tag
            a.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: msg[1..<33]).copyMemory(from: $0) }
            b.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: msg[33..<65]).copyMemory(from: $0) }
            return digest(raw: UnsafeRawBufferPointer(msg))
        }
    }
}

/// The message of `HashSuite.digest(_:)`, added a piece at a time.
public struct DigestInput {
    fileprivate var sha256 = SHA256_CTX()
    /// The EVP context of a suite other than SHA-256 (then `sha256` is unused).
    fileprivate let evp: OpaquePointer?

    fileprivate init(evp: OpaquePointer?) { self.evp = evp }

    public mutating func add(_ raw: UnsafeRawBufferPointer) {
        if let evp { _ = EVP_DigestUpdate(evp, raw.baseAddress, raw.count) } else { yc_SHA256_Update(&sha256, raw.baseAddress, raw.count) }
    }
    public mutating func add<D: ContiguousBytes>(_ data: D) { data.withUnsafeBytes { add($0) } }
    public mutating func add(_ h: Hash) { h.withUnsafeBytes { add($0) } }
    public mutating func add(byte: UInt8) { withUnsafeBytes(of: byte) { add($0) } }
}
