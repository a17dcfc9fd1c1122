import YongchainCrypto

/// A proof that a state key holds a value, or is absent, under a state root.
///
/// `siblings` run from the root down: sibling i is the hash of the other child at depth i (32 zero bytes when
/// empty), so the proof's depth D is `siblings.count` (at most 256). The terminal is what the key's path reaches
/// at depth D: the empty subtree, or a leaf (of this key, or of another key sharing the first D bits).
///
/// Canonical form: u16 D; a bitmap of ceil(D/8) bytes, bit i (MSB-first, as in key hashes) set when sibling i is
/// non-empty, bits beyond D zero; the non-empty sibling hashes in order; then the terminal: u8 0 = empty, or
/// u8 1 then keyHash and valueHash. Decoding refuses D > 256, bitmap bits beyond D, a sibling marked non-empty
/// whose hash is 32 zero bytes, an unknown terminal, and trailing bytes.
public struct StateProof: CanonicalCodable, Sendable, Equatable {
    public enum Terminal: Sendable, Equatable {
        case empty
        case leaf(keyHash: Hash, valueHash: Hash)
    }

    public static let maxDepth = 256

    public let siblings: [Hash]
    public let terminal: Terminal

    public init(siblings: [Hash], terminal: Terminal) {
        self.siblings = siblings
        self.terminal = terminal
    }

    /// Checks that the tree with root hash `root` holds `key` with `value`, or (value nil) does not hold `key`.
    ///
    /// 1. The terminal leaf, if any, must share the first D bits with keyHash(key) (`.badTerminal`).
    /// 2. Fold up from the terminal's hash: for i = D-1 down to 0, bit i of keyHash 0 → H(0x01||cur||sibling),
    ///    else H(0x01||sibling||cur); the result must equal `root` (`.rootMismatch`).
    /// 3. Membership: the terminal is this key's leaf (`.keyMismatch`) with valueHash(value) (`.valueMismatch`).
    ///    Absence: the terminal is empty or another key's leaf (`.notAbsent`).
    public func verify(root: Hash, key: [UInt8], value: [UInt8]?, suite: HashSuite) throws {
        let d = siblings.count
        guard d <= Self.maxDepth else { throw StateProofError.tooDeep(d) }
        let kh = StateTree.keyHash(key, suite: suite)
        // 1.
        var cur: Hash
        switch terminal {
        case .empty:
            cur = Hash.zero
        case .leaf(let k, let v):
            for i in 0..<d where StateTree.bit(k, i) != StateTree.bit(kh, i) { throw StateProofError.badTerminal }
            cur = StateTree.leafHash(keyHash: k, valueHash: v, suite: suite)
        }
        // 2.
        for i in stride(from: d - 1, through: 0, by: -1) {
            cur = StateTree.bit(kh, i) == 0 ? StateTree.internalHash(cur, siblings[i], suite: suite) : StateTree.internalHash(siblings[i], cur, suite: suite)
        }
        guard cur == root else { throw StateProofError.rootMismatch }
        // 3.
        switch (terminal, value) {
        case (.empty, nil): return
        case (.empty, .some): throw StateProofError.keyMismatch
        case (.leaf(let k, _), nil): if k == kh { throw StateProofError.notAbsent }
        case (.leaf(let k, let v), .some(let value)):
            guard k == kh else { throw StateProofError.keyMismatch }
            guard v == StateTree.valueHash(value, suite: suite) else { throw StateProofError.valueMismatch }
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        w.u16(UInt16(siblings.count))
        var bitmap = [UInt8](repeating: 0, count: (siblings.count + 7) / 8)
        for (i, s) in siblings.enumerated() where s != Hash.zero { bitmap[i >> 3] |= 0x80 >> UInt8(i & 7) }
        w.raw(bitmap)
        for s in siblings where s != Hash.zero { w.hash(s) }
        switch terminal {
        case .empty:
            w.u8(0)
        case .leaf(let k, let v):
            w.u8(1)
            w.hash(k)
            w.hash(v)
        }
    }

    public init(from r: inout CanonicalReader) throws {
        let d = Int(try r.u16("proof depth"))
        guard d <= Self.maxDepth else { throw EncodingError.invalid("proof depth", "\(d) exceeds 256") }
        let bitmap = try r.raw((d + 7) / 8, "proof bitmap")
        if d % 8 != 0, bitmap[bitmap.count - 1] & (0xff >> UInt8(d % 8)) != 0 {
            throw EncodingError.invalid("proof bitmap", "bits beyond the depth are set")
        }
        var siblings: [Hash] = []
        siblings.reserveCapacity(d)
        for i in 0..<d {
            if bitmap[i >> 3] & (0x80 >> UInt8(i & 7)) == 0 {
                siblings.append(Hash.zero)
            } else {
                let h = try r.hash("proof sibling")
                guard h != Hash.zero else { throw EncodingError.invalid("proof sibling", "an empty sibling marked non-empty") }
                siblings.append(h)
            }
        }
        switch try r.u8("proof terminal") {
        case 0: terminal = .empty
        case 1: terminal = .leaf(keyHash: try r.hash("proof leaf key hash"), valueHash: try r.hash("proof leaf value hash"))
        default: throw EncodingError.invalid("proof terminal", "0 (empty) or 1 (leaf)")
        }
        self.siblings = siblings
    }
}
