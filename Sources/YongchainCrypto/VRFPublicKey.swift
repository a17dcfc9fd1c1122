/// The public key of an ECVRF-P256-SHA256-TAI key pair: a point of P-256 in SEC1 compressed form, 33 bytes
/// (RFC 9381 §5.5 point_to_string). Its text form is `ecvrf-p256:<66 hex>`.
public struct VRFPublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = P256.pointLength
    public static let textPrefix = "ecvrf-p256:"

    /// The 33 bytes, 0x02 or 0x03 first.
    public let bytes: [UInt8]

    /// string_to_point and validate_key (RFC 9381 §5.3 steps 1-3, §5.4.5): exactly 33 bytes, 0x02 or 0x03
    /// first, x below the field prime, and a point of the curve (the identity has no 33-byte form).
    ///
    /// - Throws: `CryptoError` `VRF_KEY_INVALID`.
    public init(bytes: [UInt8]) throws {
        let why: String? = if bytes.count != Self.byteCount {
            "it is \(bytes.count) bytes, not \(Self.byteCount)"
        } else if bytes[0] != 0x02 && bytes[0] != 0x03 {
            "its first byte is \(bytes[0]), not 2 or 3 (the compressed form)"
        } else if P256.withContext({ ECPoint(compressed: bytes, context: $0) }) == nil {
            "it is not a point of P-256"
        } else {
            nil
        }
        if let why {
            throw CryptoError(code: "VRF_KEY_INVALID", message: "not an ECVRF-P256 public key: \(why)")
        }
        self.bytes = bytes
    }

    /// Made by this module from a point it computed.
    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Parses `ecvrf-p256:<66 hex>`.
    ///
    /// - Throws: `CryptoError` `VRF_KEY_INVALID`.
    public init(text: String) throws {
        guard text.hasPrefix(Self.textPrefix), let b = Hex.decode(String(text.dropFirst(Self.textPrefix.count))) else {
            throw CryptoError(code: "VRF_KEY_INVALID", message: "an ECVRF-P256 public key is written \(Self.textPrefix)<66 hex digits>")
        }
        try self.init(bytes: b)
    }

    public var text: String { Self.textPrefix + Hex.encode(bytes) }
    public var description: String { text }

    /// ECVRF_verify (RFC 9381 §5.3): beta, the VRF output for `alpha` under this key, if `proof` proves it.
    ///
    /// - Throws: `CryptoError` `VRF_PROOF_INVALID` when it does not (another input, another key, an altered
    ///   proof); `VRF_ENCODE_FAILED` in the case of probability 2⁻²⁵⁶ that `alpha` maps to no point.
    public func verify(_ proof: VRFProof, alpha: [UInt8]) throws -> Hash {
        try ECVRF.verify(key: self, proof: proof, alpha: alpha)
    }

    /// `verify` for a proof as received: also `VRF_PROOF_MALFORMED` when `proof` is not 81 well-formed bytes.
    public func verify(proof: [UInt8], alpha: [UInt8]) throws -> Hash {
        try verify(VRFProof(bytes: proof), alpha: alpha)
    }
}
