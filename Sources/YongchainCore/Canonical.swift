import YongchainCrypto

/// The one deterministic binary encoding of everything that is hashed or signed.
///
/// Integers are fixed-width big-endian; byte strings and UTF-8 strings are a `UInt32` length then the bytes;
/// lists are a `UInt32` count then the items; an optional is a 0/1 byte then the value. There is exactly one
/// encoding of every value, so equal values hash equally on every node.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    // Integers big-endian, appended in one call (a byte at a time, each append checked the capacity: about 16,000
    // instructions a `register` transaction on a node, docs/performance.md, session 16).
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func bytes(_ b: [UInt8]) { u32(UInt32(b.count)); bytes.append(contentsOf: b) }
    /// Its UTF-8 with its length, as `bytes` writes them, without an array of its own.
    /// Read in place where the string is contiguous (native and small strings): `withUTF8` needs a mutable copy,
    /// a retain and a release a call (about 20 of each a `register` transaction).
    public mutating func string(_ s: String) {
        let written: Void? = s.utf8.withContiguousStorageIfAvailable { u32(UInt32($0.count)); bytes.append(contentsOf: $0) }
        guard written == nil else { return }
        var s = s
        s.withUTF8 { u32(UInt32($0.count)); bytes.append(contentsOf: $0) }
    }
    public mutating func hash(_ h: Hash) { h.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    public mutating func optionalHash(_ h: Hash?) {
        if let h { u8(1); hash(h) } else { u8(0) }
    }
    public mutating func publicKey(_ k: PublicKey) { u8(k.suite.rawValue); bytes(k.bytes) }
    public mutating func list<T>(_ items: [T], _ each: (inout CanonicalWriter, T) -> Void) {
        u32(UInt32(items.count))
        for i in items { each(&self, i) }
    }
    public mutating func item<T: CanonicalCodable>(_ v: T) { v.encode(to: &self) }
}

/// Reads the canonical encoding back. Every length is bounded by what is left, so hostile input cannot make it
/// allocate more than the input's size; decoding fails with `EncodingError` rather than trapping.
///
/// Errors name the field by its JSON path, as the API writes it (`pledges[1].declaration.number`): `list` and
/// `nested` keep track of where the reader is, and each read's `what` is the field's name within that.
public struct CanonicalReader: Sendable {
    private let data: [UInt8]
    public private(set) var offset: Int = 0
    /// The hash suite of the chain the bytes belong to, for values that name their chain (a block header): their
    /// encoding holds the chain id but not the suite, which the chain's genesis decides.
    public let hashSuite: HashSuite?
    /// The lists and nested values being read, outermost first. Only an error reads it.
    private var scopes: [Scope] = []
    private struct Scope: Sendable {
        let name: String
        var index: Int?
    }

    public init(_ data: [UInt8], hashSuite: HashSuite? = nil) {
        self.data = data
        self.hashSuite = hashSuite
    }

    public var remaining: Int { data.count - offset }

    /// The JSON path of the field `what` at the reader's position, e.g. `pledges[1].declaration.number`.
    public func path(_ what: String) -> String {
        var out = ""
        for s in scopes {
            if !s.name.isEmpty { out += out.isEmpty ? s.name : ".\(s.name)" }
            if let i = s.index { out += "[\(i)]" }
        }
        if what.isEmpty { return out }
        return out.isEmpty ? what : "\(out).\(what)"
    }

    /// Reads a value that JSON nests under `name`: errors inside it name `name.<field>`.
    public mutating func nested<T>(_ name: String, _ read: (inout CanonicalReader) throws -> T) throws -> T {
        scopes.append(Scope(name: name, index: nil))
        defer { scopes.removeLast() }
        return try read(&self)
    }

    /// Runs a validating initialiser on a value just read: its `ValidationError` names the field `what` by its whole
    /// path. (A well-encoded value that breaks its field's rule: `INVALID_FIELD`, not a malformed encoding.)
    public func validated<T>(_ what: String, _ make: () throws -> T) throws -> T {
        do { return try make() } catch let e as ValidationError { throw ValidationError(field: path(what), message: e.message) }
    }

    /// Passes over `n` bytes; returns where they start. The readers below load from `data` in place: through an
    /// `ArraySlice` each read retained and released the array, about five times a `bytes` read.
    private mutating func take(_ n: Int, _ what: String) throws -> Int {
        guard n >= 0, n <= remaining else { throw EncodingError.truncated(path(what)) }
        defer { offset += n }
        return offset
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let at = try take(MemoryLayout<T>.size, what)
        return T(bigEndian: data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) })
    }

    /// A copy of `n` bytes from `at`.
    private func copy(_ at: Int, _ n: Int) -> [UInt8] {
        data.withUnsafeBufferPointer { [UInt8](UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }

    public mutating func u8(_ what: String = "u8") throws -> UInt8 { data[try take(1, what)] }
    public mutating func bool(_ what: String = "bool") throws -> Bool {
        switch try u8(what) {
        case 0: return false
        case 1: return true
        default: throw EncodingError.invalid(path(what), "a boolean is 0 or 1")
        }
    }
    public mutating func u16(_ what: String = "u16") throws -> UInt16 { try integer(UInt16.self, what) }
    public mutating func u32(_ what: String = "u32") throws -> UInt32 { try integer(UInt32.self, what) }
    public mutating func u64(_ what: String = "u64") throws -> UInt64 { try integer(UInt64.self, what) }
    public mutating func i64(_ what: String = "i64") throws -> Int64 { Int64(bitPattern: try u64(what)) }
    public mutating func raw(_ n: Int, _ what: String = "raw") throws -> [UInt8] { copy(try take(n, what), n) }
    /// Passes over `n` bytes the caller already knows (e.g. compared with bytes it holds), without copying them.
    public mutating func skip(_ n: Int, _ what: String = "raw") throws { _ = try take(n, what) }
    public mutating func bytes(_ what: String = "bytes", max: Int = Int.max) throws -> [UInt8] {
        let n = Int(try u32(what))
        guard n <= max else { throw EncodingError.invalid(path(what), "longer than \(max) bytes") }
        return copy(try take(n, what), n)
    }
    /// Validated straight from the input, without copying the bytes into an array first.
    public mutating func string(_ what: String = "string", max: Int = 1 << 20) throws -> String {
        let n = Int(try u32(what))
        guard n <= max else { throw EncodingError.invalid(path(what), "longer than \(max) bytes") }
        let at = try take(n, what)
        guard let s = data.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[at..<at + n]), as: UTF8.self) }) else {
            throw EncodingError.invalid(path(what), "not UTF-8")
        }
        return s
    }
    public mutating func hash(_ what: String = "hash") throws -> Hash {
        let at = try take(32, what)
        return data.withUnsafeBytes { Hash(raw: UnsafeRawBufferPointer(rebasing: $0[at..<at + 32])) }
    }
    public mutating func optionalHash(_ what: String = "hash") throws -> Hash? {
        try bool(what) ? try hash(what) : nil
    }
    public mutating func publicKey(_ what: String = "publicKey") throws -> PublicKey {
        guard let suite = SignatureSuite(rawValue: try u8(what)) else { throw EncodingError.invalid(path(what), "unknown signature suite") }
        do {
            return try PublicKey(suite: suite, validating: try bytes(what, max: 256))
        } catch let e as CryptoError {
            throw EncodingError.invalid(path(what), e.message)
        }
    }
    /// A list; errors inside item `i` name `what[i].<field>`.
    public mutating func list<T>(_ what: String = "list", max: Int = 1 << 20, _ each: (inout CanonicalReader) throws -> T) throws -> [T] {
        let n = Int(try u32(what))
        // Each item takes at least one byte, so a count larger than what is left is a lie.
        guard n <= max, n <= remaining else { throw EncodingError.invalid(path(what), "count \(n) is too large") }
        var out: [T] = []
        out.reserveCapacity(n)
        scopes.append(Scope(name: what, index: nil))
        defer { scopes.removeLast() }
        for i in 0..<n {
            scopes[scopes.count - 1].index = i
            out.append(try each(&self))
        }
        return out
    }
    public mutating func item<T: CanonicalCodable>(_ type: T.Type = T.self) throws -> T { try T(from: &self) }
    /// A value JSON nests under `name` (see `nested`).
    public mutating func item<T: CanonicalCodable>(_ type: T.Type = T.self, at name: String) throws -> T { try nested(name) { try T(from: &$0) } }

    /// Decoding a whole message MUST end here: trailing bytes would give one value two encodings.
    /// `what` names the value in the error; it is only built when there is one.
    public func finish(_ what: @autoclosure () -> String) throws {
        guard remaining == 0 else { throw EncodingError.invalid(what(), "\(remaining) trailing bytes") }
    }
}

/// The bytes are not a canonical encoding. Each case names the field (its JSON path, see `CanonicalReader.path`).
public enum EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(String)
    case invalid(String, String)

    /// The field the decoder was reading.
    public var field: String {
        switch self {
        case .truncated(let w), .invalid(let w, _): return w
        }
    }

    /// What is wrong with its bytes.
    public var reason: String {
        switch self {
        case .truncated: return "the encoding ends inside it"
        case .invalid(_, let why): return why
        }
    }

    public var description: String {
        switch self {
        case .truncated(let w): return "encoding truncated while reading \(w)"
        case .invalid(let w, let why): return "invalid \(w): \(why)"
        }
    }
}

/// A value with one canonical binary form.
public protocol CanonicalCodable: Sendable {
    func encode(to w: inout CanonicalWriter)
    init(from r: inout CanonicalReader) throws
}

extension CanonicalCodable {
    public var canonicalBytes: [UInt8] {
        var w = CanonicalWriter()
        encode(to: &w)
        return w.bytes
    }

    /// Decodes exactly one value from `bytes`, refusing trailing data. `hashSuite`: the chain's, for values that
    /// hold a block header (see `CanonicalReader.hashSuite`).
    public init(canonical bytes: [UInt8], hashSuite: HashSuite? = nil) throws {
        var r = CanonicalReader(bytes, hashSuite: hashSuite)
        self = try Self(from: &r)
        try r.finish(String(describing: Self.self))
    }
}

/// Domain tags: every signature covers one of these and the chain id, so a signature made for one purpose or one
/// chain is worthless for any other.
public enum Domain: String, Sendable, CaseIterable {
    case transaction = "yongchain/tx/v1"
    case proposal = "yongchain/proposal/v1"
    case vote = "yongchain/vote/v1"
    case request = "yongchain/api-request/v1"
    case consent = "yongchain/consent/v1"
    /// API session handshakes: the node's signature over a session's parameters, and the HKDF info of its key.
    case apiSession = "yongchain/api-session/v1"
    /// The chain's identity: `Genesis.hash` is the chain's hash over this tag, the chain id, then the rest of the genesis
    /// (`Genesis.identityBytes`). Hashed, never signed; tagged so no other message can hash to a chain's identity.
    case genesis = "yongchain/genesis/v1"
    /// The state tree's key hashing: `keyHash(stateKey) = H(CanonicalWriter.string(rawValue) || stateKey)`.
    /// Hashed, never signed; tagged so a state key's position in the tree is no other message's hash.
    case stateKey = "yongchain/state-key/v1"
    /// A node key's statement that a TLS key is its own (`TLSKeyBinding`): what an SM2-keyed node signs for the
    /// Ed25519 key its TLS 1.3 certificate carries. Signed with an empty chain id: it names no chain.
    case tlsKey = "yongchain/tls-key/v1"

    /// tag || chainId || message, each length-prefixed.
    public func signingBytes(chainID: String, message: [UInt8]) -> [UInt8] {
        signingBytes(chainID: chainID, capacity: message.count) { $0.raw(message) }
    }

    /// The same bytes with the message written in place by `message`: one array, not a message's own and a copy
    /// of it. `capacity`: about the message's size.
    public func signingBytes(chainID: String, capacity: Int, _ message: (inout CanonicalWriter) -> Void) -> [UInt8] {
        var w = CanonicalWriter(capacity: capacity + rawValue.utf8.count + chainID.utf8.count + 8)
        w.string(rawValue)
        w.string(chainID)
        message(&w)
        return w.bytes
    }
}
