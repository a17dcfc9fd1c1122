import YongchainCrypto

/// One stored node of the state tree.
///
/// - leaf hash = H(0x00 || keyHash || valueHash)
/// - internal hash = H(0x01 || leftHash || rightHash), an empty child hashing as 32 zero bytes
/// (H the chain's hash suite)
///
/// An internal node's children live at its path plus bit 0 (left) or 1 (right), under the version in the
/// `ChildRef`. Canonical form: u8 0 then keyHash, valueHash; or u8 1 then each child as an optional
/// (0, or 1 and the `ChildRef`).
public enum TreeNode: Hashable, Sendable, CanonicalCodable {
    case leaf(keyHash: Hash, valueHash: Hash)
    case `internal`(left: ChildRef?, right: ChildRef?)

    /// The node's hash (one digest of the chain's suite).
    public func hash(_ suite: HashSuite) -> Hash {
        switch self {
        case .leaf(let k, let v): return StateTree.leafHash(keyHash: k, valueHash: v, suite: suite)
        case .internal(let l, let r): return StateTree.internalHash(l?.hash ?? Hash.zero, r?.hash ?? Hash.zero, suite: suite)
        }
    }

    public func encode(to w: inout CanonicalWriter) {
        switch self {
        case .leaf(let k, let v):
            w.u8(0)
            w.hash(k)
            w.hash(v)
        case .internal(let l, let r):
            w.u8(1)
            for c in [l, r] {
                if let c { w.u8(1); c.encode(to: &w) } else { w.u8(0) }
            }
        }
    }

    public init(from r: inout CanonicalReader) throws {
        switch try r.u8("tree node kind") {
        case 0:
            self = .leaf(keyHash: try r.hash("leaf key hash"), valueHash: try r.hash("leaf value hash"))
        case 1:
            let l: ChildRef? = try r.bool("left child") ? try ChildRef(from: &r) : nil
            let rt: ChildRef? = try r.bool("right child") ? try ChildRef(from: &r) : nil
            guard l != nil || rt != nil else { throw EncodingError.invalid("tree node", "an internal node has no children") }
            self = .internal(left: l, right: rt)
        default:
            throw EncodingError.invalid("tree node kind", "0 (leaf) or 1 (internal)")
        }
    }
}
