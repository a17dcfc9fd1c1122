import COpenSSL

/// NIST P-256 as libcrypto provides it: the group, and owners for the BIGNUM and EC_POINT values the VRF
/// composes. Each operation here is one libcrypto call (EC_POINT_mul, EC_POINT_add, EC_POINT_invert,
/// EC_POINT_oct2point, BN_mod_mul, ...); no field or curve arithmetic is written in Swift.
///
/// libcrypto fails these calls on valid operands only when out of memory, which is treated as fatal, as
/// elsewhere in this module; bytes from outside are decoded by `ECPoint(compressed:)`, which refuses instead.
enum P256 {
    /// A point in SEC1 compressed form (§2.3.3): 0x02 or 0x03, then x in 32 bytes.
    static let pointLength = 33
    /// A scalar or field element, big-endian.
    static let scalarLength = 32

    /// The group, made once. libcrypto only reads a group after making it, so every thread may use it.
    nonisolated(unsafe) static let group: OpaquePointer = {
        guard let g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else {
            fatalError("libcrypto: the P-256 group is not available")
        }
        return g
    }()

    /// q, the order of the base point (owned by the group; cofactor 1).
    nonisolated(unsafe) static let order: OpaquePointer = {
        guard let q = EC_GROUP_get0_order(group) else { fatalError("libcrypto: P-256 has no order") }
        return q
    }()

    /// Runs `body` with a fresh BN_CTX (a context is not shared between threads).
    static func withContext<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        guard let ctx = BN_CTX_new() else { fatalError("libcrypto: BN_CTX_new failed (out of memory)") }
        defer { BN_CTX_free(ctx) }
        return try body(ctx)
    }
}

/// A libcrypto BIGNUM, cleared when freed (scalars here may be secret).
final class BigNum {
    let pointer: OpaquePointer

    init() {
        guard let p = BN_new() else { fatalError("libcrypto: BN_new failed (out of memory)") }
        pointer = p
    }

    /// The unsigned big-endian integer `bytes` (OS2IP, RFC 8017 §4.2).
    convenience init<B: Collection>(bytes: B) where B.Element == UInt8 {
        self.init()
        let array = Array(bytes)
        guard array.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), pointer) }) != nil else {
            fatalError("libcrypto: BN_bin2bn failed (out of memory)")
        }
    }

    /// Takes ownership of a BIGNUM libcrypto made.
    init(owning p: OpaquePointer) { pointer = p }

    deinit { BN_clear_free(pointer) }

    /// Asks libcrypto to take its constant-time paths with this number (a secret scalar or nonce).
    func markSecret() { BN_set_flags(pointer, BN_FLG_CONSTTIME) }

    /// The number as exactly `count` big-endian bytes (I2OSP), or nil if it does not fit.
    func bytes(count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        guard BN_bn2binpad(pointer, &out, Int32(count)) == Int32(count) else { return nil }
        return out
    }

    /// self < q.
    var isBelowOrder: Bool { BN_cmp(pointer, P256.order) < 0 }

    /// 0 < self < q: a private scalar or a nonce of P-256.
    var isScalar: Bool { BN_is_zero(pointer) == 0 && isBelowOrder }
}

/// A point of P-256, owned; freed (and cleared: x·H is the VRF's output) when released.
final class ECPoint {
    let pointer: OpaquePointer

    init() {
        guard let p = EC_POINT_new(P256.group) else { fatalError("libcrypto: EC_POINT_new failed (out of memory)") }
        pointer = p
    }

    /// string_to_point (RFC 9381 §5.5, SEC1 §2.3.4) for the compressed form only: exactly 33 bytes, 0x02 or
    /// 0x03 first, x < p and x³ − 3x + b a square mod p. Nil for anything else, so the identity (whose
    /// encoding is the single byte 0x00) is never a result.
    convenience init?<B: Collection>(compressed bytes: B, context ctx: OpaquePointer) where B.Element == UInt8 {
        let array = Array(bytes)
        guard array.count == P256.pointLength, array[0] == 0x02 || array[0] == 0x03 else { return nil }
        self.init()
        let ok = array.withUnsafeBufferPointer { EC_POINT_oct2point(P256.group, pointer, $0.baseAddress, $0.count, ctx) }
        guard ok == 1, EC_POINT_is_on_curve(P256.group, pointer, ctx) == 1, !isIdentity else {
            ERR_clear_error()
            return nil
        }
    }

    deinit { EC_POINT_clear_free(pointer) }

    var isIdentity: Bool { EC_POINT_is_at_infinity(P256.group, pointer) == 1 }

    /// point_to_string: SEC1 compressed, 33 bytes; the identity is the single byte 0x00 (SEC1 §2.3.3 step 1).
    func compressed(context ctx: OpaquePointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: P256.pointLength)
        let n = EC_POINT_point2oct(P256.group, pointer, POINT_CONVERSION_COMPRESSED, &out, out.count, ctx)
        guard n > 0 else { fatalError("libcrypto: EC_POINT_point2oct failed on a point it made") }
        return Array(out.prefix(n))
    }

    /// `scalar`·`point`, or `scalar`·B (the base point) when `point` is nil.
    static func product(_ scalar: BigNum, _ point: ECPoint?, context ctx: OpaquePointer) -> ECPoint {
        let r = ECPoint()
        let ok = if let point {
            EC_POINT_mul(P256.group, r.pointer, nil, point.pointer, scalar.pointer, ctx)
        } else {
            EC_POINT_mul(P256.group, r.pointer, scalar.pointer, nil, nil, ctx)
        }
        guard ok == 1 else { fatalError("libcrypto: EC_POINT_mul failed (out of memory)") }
        return r
    }

    /// a·P − b·Q (P the base point when nil): the verifier's U and V (RFC 9381 §5.3 steps 7 and 8).
    static func difference(_ a: BigNum, _ p: ECPoint?, _ b: BigNum, _ q: ECPoint, context ctx: OpaquePointer) -> ECPoint {
        let left = product(a, p, context: ctx)
        let right = product(b, q, context: ctx)
        guard EC_POINT_invert(P256.group, right.pointer, ctx) == 1,
              EC_POINT_add(P256.group, left.pointer, left.pointer, right.pointer, ctx) == 1 else {
            fatalError("libcrypto: EC_POINT_add failed (out of memory)")
        }
        return left
    }
}
