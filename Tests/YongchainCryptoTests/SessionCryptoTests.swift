import Testing
@testable import YongchainCrypto
import YongchainTestSupport

/// The primitives API sessions are built from (X25519, HKDF-SHA256, HMAC-SHA256), against their RFCs' vectors.
@Suite struct SessionCryptoTests {
    func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

    /// RFC 7748 §6.1: Alice and Bob agree on K.
    @Test func x25519MatchesRFC7748DiffieHellman() throws {
        let alice = try X25519PrivateKey.fromRaw(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try X25519PrivateKey.fromRaw(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(Hex.encode(alice.publicKey.bytes) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(Hex.encode(bob.publicKey.bytes) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(Hex.encode(try alice.sharedSecret(with: bob.publicKey)) == k)
        #expect(Hex.encode(try bob.sharedSecret(with: alice.publicKey)) == k)
    }

    /// RFC 7748 §5.2, first single-step vector: scalar × u-coordinate.
    @Test func x25519MatchesRFC7748ScalarVector() throws {
        let scalar = try X25519PrivateKey.fromRaw(hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"))
        let u = X25519PublicKey(bytes: hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))!
        #expect(Hex.encode(try scalar.sharedSecret(with: u)) == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    }

    /// Low-order points would give an all-zero secret that anyone can compute: refused.
    @Test func x25519RefusesLowOrderPoints() throws {
        let me = try X25519PrivateKey.generate()
        for point in [[UInt8](repeating: 0, count: 32), [1] + [UInt8](repeating: 0, count: 31)] {
            #expect(throws: CryptoError.self) { try me.sharedSecret(with: X25519PublicKey(bytes: point)!) }
        }
    }

    @Test func x25519FreshKeysAgreeAndKeyTextRoundTrips() throws {
        let a = try X25519PrivateKey.generate(), b = try X25519PrivateKey.generate()
        #expect(a.publicKey != b.publicKey)
        #expect(try a.sharedSecret(with: b.publicKey) == b.sharedSecret(with: a.publicKey))
        #expect(X25519PublicKey(text: a.publicKey.text) == a.publicKey)
        #expect(X25519PublicKey(text: Hex.encode(a.publicKey.bytes)) == nil, "the x25519: prefix is required")
        #expect(X25519PublicKey(text: "x25519:abcd") == nil)
        #expect(X25519PublicKey(text: "ed25519:" + Hex.encode(a.publicKey.bytes)) == nil)
        #expect(throws: CryptoError.self) { try X25519PrivateKey.fromRaw([1, 2, 3]) }
    }

    /// RFC 5869 Appendix A, test cases 1 (salt and info) and 3 (neither).
    @Test func hkdfMatchesRFC5869() throws {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let one = try HKDFSHA256.deriveKey(secret: ikm, salt: hex("000102030405060708090a0b0c"), info: hex("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        #expect(Hex.encode(one) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        let three = try HKDFSHA256.deriveKey(secret: ikm, salt: [], info: [], length: 42)
        #expect(Hex.encode(three) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
        #expect(throws: CryptoError.self) { try HKDFSHA256.deriveKey(secret: ikm, salt: [], info: [], length: 0) }
        #expect(throws: CryptoError.self) { try HKDFSHA256.deriveKey(secret: ikm, salt: [], info: [], length: 8161) }
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
    @Test func hmacMatchesRFC4231() {
        let cases: [([UInt8], String, String)] = [
            ([UInt8](repeating: 0x0b, count: 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ]
        for (key, data, mac) in cases {
            #expect(Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array(data.utf8))) == mac)
            #expect(HMACSHA256.isValid(hex(mac), key: key, message: Array(data.utf8)))
        }
    }

    @Test func hmacCheckRefusesAnyChangedByteAndOtherLengths() {
        let key = [UInt8](repeating: 7, count: 32), msg = Array("GET /v1/mortgage".utf8)
        let mac = HMACSHA256.authenticationCode(key: key, message: msg)
        for i in mac.indices {
            var m = mac
            m[i] ^= 0x80
            #expect(!HMACSHA256.isValid(m, key: key, message: msg))
        }
        #expect(!HMACSHA256.isValid(Array(mac.prefix(31)), key: key, message: msg))
        #expect(!HMACSHA256.isValid([], key: key, message: msg))
        #expect(HMACSHA256.constantTimeEquals([], []))
        // Empty key and message (where Swift may hand libcrypto null pointers): the value Python's hmac gives.
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: [], message: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    /// A key keyed once (a session's) gives every code the one-shot HMAC gives, message after message and from
    /// many threads at once: RFC 4231's cases, then seeded random keys (empty, short, a block, longer) and messages.
    @Test func aKeyKeyedOnceGivesTheOneShotCodes() async {
        let rfc = HMACKey([UInt8](repeating: 0xaa, count: 131))
        #expect(Hex.encode(rfc.authenticationCode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        var rng = SplitMix64(seed: 29)
        for keyLength in [0, 1, 32, 64, 65, 200] {
            let keyBytes = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let key = HMACKey(keyBytes)
            let messages = (0..<20).map { i in (0..<(i * 37)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            await withTaskGroup(of: Bool.self) { group in
                for m in messages + messages {
                    group.addTask { key.authenticationCode(m) == HMACSHA256.authenticationCode(key: keyBytes, message: m) && key.isValid(HMACSHA256.authenticationCode(key: keyBytes, message: m), message: m) }
                }
                for await same in group { #expect(same, "key length \(keyLength)") }
            }
            var wrong = HMACSHA256.authenticationCode(key: keyBytes, message: messages[3])
            wrong[0] ^= 1
            #expect(!key.isValid(wrong, message: messages[3]))
            #expect(key == HMACKey(keyBytes) && key != HMACKey(keyBytes + [0]))
        }
    }

    @Test func secureRandomGivesTheAskedLengthAndDiffers() throws {
        let a = try SecureRandom.bytes(16), b = try SecureRandom.bytes(16)
        #expect(a.count == 16 && a != b)
        #expect(try SecureRandom.bytes(0).isEmpty)
    }
}
