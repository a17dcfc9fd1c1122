import Foundation
import Testing
@testable import YongchainCrypto
import YongchainTestSupport

/// ECVRF-P256-SHA256-TAI against RFC 9381 (docs/vrf-vectors.json: Appendix B.1 and the refusals), and
/// seeded round trips.
@Suite struct ECVRFTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Valid {
        let example: Int
        let sk, pk, alpha, h, k, u, v, pi, beta: String
    }

    struct Refused {
        let about, pk, alpha, pi, code: String
    }

    static func vectors() throws -> (valid: [Valid], refused: [Refused]) {
        let data = try Data(contentsOf: root.appendingPathComponent("docs/vrf-vectors.json"))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let valid = try #require(doc["valid"] as? [[String: Any]]).map { v in
            Valid(example: v["example"] as! Int, sk: v["sk"] as! String, pk: v["pk"] as! String, alpha: v["alpha"] as! String,
                  h: v["H"] as! String, k: v["k"] as! String, u: v["U"] as! String, v: v["V"] as! String,
                  pi: v["pi"] as! String, beta: v["beta"] as! String)
        }
        let refused = try #require(doc["refused"] as? [[String: String]]).map { r in
            Refused(about: r["about"]!, pk: r["pk"]!, alpha: r["alpha"]!, pi: r["pi"]!, code: r["code"]!)
        }
        return (valid, refused)
    }

    func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

    /// The code `verify` answers with, or nil if it accepted.
    func refusal(pk: [UInt8], alpha: [UInt8], pi: [UInt8]) -> String? {
        do {
            _ = try VRFPublicKey(bytes: pk).verify(proof: pi, alpha: alpha)
            return nil
        } catch let e as CryptoError {
            return e.code
        } catch {
            return "\(error)"
        }
    }

    @Test func rfc9381ExamplesProveAndVerify() throws {
        let valid = try Self.vectors().valid
        #expect(valid.map(\.example) == [10, 11, 12])
        for v in valid {
            let key = try VRFPrivateKey.fromRaw(hex(v.sk))
            #expect(Hex.encode(key.publicKey.bytes) == v.pk, "example \(v.example)")
            let proof = try key.prove(hex(v.alpha))
            #expect(Hex.encode(proof.bytes) == v.pi, "example \(v.example)")
            #expect(proof.output.hex == v.beta, "example \(v.example)")
            let beta = try VRFPublicKey(bytes: hex(v.pk)).verify(proof: hex(v.pi), alpha: hex(v.alpha))
            #expect(beta.hex == v.beta, "example \(v.example)")
        }
    }

    /// The grey-list's VRF input, built here from docs/greylist.md's layout (str = u32 length ‖ UTF-8):
    /// str("yongchain/greylist-subject/v1") ‖ str(chainId) ‖ u8(idType) ‖ str(idNumber); the file's alpha is
    /// those bytes, and its pi and beta what the key proves for them.
    @Test func greylistSubjectVectors() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("docs/vrf-vectors.json"))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let subjects = try #require(doc["greylistSubjects"] as? [[String: Any]])
        #expect(subjects.map { $0["idType"] as? Int } == [1, 2])
        func str(_ s: String) -> [UInt8] {
            let b = Array(s.utf8)
            return withUnsafeBytes(of: UInt32(b.count).bigEndian) { Array($0) } + b
        }
        for s in subjects {
            let idType = try #require(s["idType"] as? Int), number = try #require(s["idNumber"] as? String)
            let alpha = str("yongchain/greylist-subject/v1") + str(try #require(s["chainId"] as? String)) + [UInt8(idType)] + str(number)
            #expect(Hex.encode(alpha) == s["alpha"] as? String, "\(number)")
            let key = try VRFPrivateKey.fromRaw(hex(try #require(s["sk"] as? String)))
            #expect(Hex.encode(key.publicKey.bytes) == s["pk"] as? String)
            let proof = try key.prove(alpha)
            #expect(Hex.encode(proof.bytes) == s["pi"] as? String, "\(number)")
            #expect(try key.publicKey.verify(proof, alpha: alpha).hex == s["beta"] as? String, "\(number)")
        }
    }

    /// H (encode_to_curve), k (the RFC 6979 nonce), U = k·B and V = k·H, as the RFC lists them.
    @Test func rfc9381IntermediateValues() throws {
        for v in try Self.vectors().valid {
            try P256.withContext { ctx in
                let (h, hString) = try ECVRF.encodeToCurve(salt: hex(v.pk), alpha: hex(v.alpha), context: ctx)
                #expect(Hex.encode(hString) == v.h, "example \(v.example)")
                let k = ECVRF.nonce(secret: BigNum(bytes: hex(v.sk)), hString: hString, context: ctx)
                #expect(k.bytes(count: 32).map(Hex.encode) == v.k, "example \(v.example)")
                #expect(Hex.encode(ECPoint.product(k, nil, context: ctx).compressed(context: ctx)) == v.u, "example \(v.example)")
                #expect(Hex.encode(ECPoint.product(k, h, context: ctx).compressed(context: ctx)) == v.v, "example \(v.example)")
            }
        }
    }

    /// RFC 6979 A.2.5 (P-256, SHA-256): with m = "sample" and "test", the nonce is the RFC's k.
    @Test func nonceIsRFC6979() {
        let x = BigNum(bytes: hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"))
        let cases = [("sample", "a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60"),
                     ("test", "d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0")]
        for (m, k) in cases {
            let got = P256.withContext { ECVRF.nonce(secret: x, hString: Array(m.utf8), context: $0) }
            #expect(got.bytes(count: 32).map(Hex.encode) == k, "m = \(m)")
        }
    }

    @Test func refusalVectorsGetTheirCodes() throws {
        let refused = try Self.vectors().refused
        #expect(refused.count >= 19)
        for r in refused {
            #expect(refusal(pk: hex(r.pk), alpha: hex(r.alpha), pi: hex(r.pi)) == r.code, "\(r.about)")
        }
    }

    /// Every byte of pi, in Gamma, c and s, changed in each of its 8 bits: never accepted; a change in c or s
    /// (still below q) is a proof that does not verify.
    @Test func everySingleBitChangeOfAnRFCProofIsRefused() throws {
        for v in try Self.vectors().valid {
            let pi = hex(v.pi)
            for i in pi.indices {
                for bit in 0..<8 {
                    var changed = pi
                    changed[i] ^= UInt8(1) << UInt8(bit)
                    let code = refusal(pk: hex(v.pk), alpha: hex(v.alpha), pi: changed)
                    let sStart = P256.pointLength + ECVRF.challengeLength
                    if i < P256.pointLength {
                        #expect(code == "VRF_PROOF_INVALID" || code == "VRF_PROOF_MALFORMED", "example \(v.example) byte \(i) bit \(bit)")
                    } else if i >= sStart, !BigNum(bytes: changed[sStart...]).isBelowOrder {
                        #expect(code == "VRF_PROOF_MALFORMED", "example \(v.example) byte \(i) bit \(bit)")
                    } else {
                        #expect(code == "VRF_PROOF_INVALID", "example \(v.example) byte \(i) bit \(bit)")
                    }
                }
            }
        }
    }

    @Test func privateScalarsOutsideTheGroupAreRefused() {
        let q = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
        for bad in [[UInt8](repeating: 0, count: 32), hex(q), [UInt8](repeating: 0xff, count: 32), [UInt8](repeating: 1, count: 31),
                    [UInt8](repeating: 1, count: 33), []] {
            #expect(throws: CryptoError.self) { try VRFPrivateKey.fromRaw(bad) }
            do { _ = try VRFPrivateKey.fromRaw(bad) } catch let e as CryptoError { #expect(e.code == "KEY_INVALID") } catch {}
        }
        // q − 1 is the largest scalar.
        #expect((try? VRFPrivateKey.fromRaw(hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"))) != nil)
    }

    @Test func publicKeyText() throws {
        let key = try VRFPublicKey(bytes: hex("0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"))
        #expect(key.text == "ecvrf-p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")
        #expect(try VRFPublicKey(text: key.text) == key)
        for bad in ["0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6", "ecvrf-p256:zz",
                    "ed25519:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
                    "ecvrf-p256:020000000000000000000000000000000000000000000000000000000000000001"] {
            #expect(throws: CryptoError.self, "\(bad)") { try VRFPublicKey(text: bad) }
        }
    }

    /// A key made by the `openssl` command line (the RFC's key, as PKCS#8 PEM) reads as the RFC's key pair.
    @Test func pemFromOpenSSLIsTheRFCKey() throws {
        let pem = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX
            Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth
            +mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ
            -----END PRIVATE KEY-----
            """
        let key = try VRFPrivateKey(pem: pem)
        let example = try #require(try Self.vectors().valid.first)
        #expect(Hex.encode(key.publicKey.bytes) == example.pk)
        #expect(Hex.encode(try key.prove(hex(example.alpha)).bytes) == example.pi)
        // Written back and read again: the same key.
        #expect(try VRFPrivateKey(pem: key.pemPKCS8()).publicKey == key.publicKey)
    }

    @Test func otherKindsOfKeyAreNotVRFKeys() throws {
        let p384 = """
            -----BEGIN PRIVATE KEY-----
            MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDC4sVEv/UVy4wh0wfFi
            e+upFoTKMrcJDiWc2hAPHJPT/cjHXs4DRaTZ5vUsTGAJl2GhZANiAAScBV7NYCUg
            mnq1/h9qHg5sB+KgYMxhwzYuaIj5eULVHhzo08vOqtLoHoQB08LUCw6JcyQ0aTF4
            ujvn/BSw5g31cgPEFkKsQaZNK52PEy840FGEinX15iwr4adg9wVXvPs=
            -----END PRIVATE KEY-----
            """
        let ed25519 = try PrivateKey.generate().pemPKCS8()
        for (pem, code) in [(p384, "KEY_UNSUPPORTED"), (ed25519, "KEY_UNSUPPORTED"), ("not a key", "KEY_INVALID"), ("", "KEY_INVALID")] {
            do {
                _ = try VRFPrivateKey(pem: pem)
                Issue.record("accepted \(pem.prefix(40))")
            } catch let e as CryptoError {
                #expect(e.code == code, "\(pem.prefix(40))")
            }
        }
        // And a VRF key is no signing key.
        #expect(throws: CryptoError.self) { try PrivateKey(pem: try VRFPrivateKey.generate().pemPKCS8()) }
    }

    /// The VRF key goes through KeyFile's one write and read (0600, never overwritten, refused when others can
    /// read it: CryptoTests covers those for both kinds of key); here, that it comes back as the same key.
    @Test func keyFileHoldsTheVRFKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-vrf-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try VRFPrivateKey.generate()
        try KeyFile.write(key, to: dir + "/vrf.pem")
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/vrf.pem")[.posixPermissions] as? Int == 0o600)
        let back = try KeyFile.readVRF(dir + "/vrf.pem")
        let alpha = Array("yongchain".utf8)
        #expect(back.publicKey == key.publicKey)
        #expect(try back.prove(alpha) == key.prove(alpha))
        // An Ed25519 key file is no VRF key, and the error names the file.
        try KeyFile.write(try PrivateKey.generate(), to: dir + "/member.key")
        do {
            _ = try KeyFile.readVRF(dir + "/member.key")
            Issue.record("read a member's signing key as a VRF key")
        } catch let e as CryptoError {
            #expect(e.code == "KEY_UNSUPPORTED" && e.message.hasPrefix(dir + "/member.key"))
        }
    }

    /// Seeded keys and inputs: prove then verify gives the proof's output; the same input gives the same proof;
    /// any single-byte change of the proof, a change of the input or another key is refused. A failure prints
    /// its seed and case.
    @Test func seededRoundTrips() throws {
        let seed: UInt64 = 0x5652_4631
        var rng = SplitMix64(seed: seed)
        let other = try VRFPrivateKey.generate().publicKey
        for n in 0..<24 {
            var key: VRFPrivateKey?
            while key == nil { key = try? VRFPrivateKey.fromRaw((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
            let k = key!
            let alpha = (0..<rng.int(0...80)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let label = "seed \(seed) case \(n)"
            let proof = try k.prove(alpha)
            #expect(try k.publicKey.verify(proof, alpha: alpha) == proof.output, "\(label)")
            #expect(try k.prove(alpha) == proof, "\(label): not deterministic")
            for i in proof.bytes.indices {
                var changed = proof.bytes
                changed[i] ^= UInt8(rng.int(1...255))
                #expect(refusal(pk: k.publicKey.bytes, alpha: alpha, pi: changed) != nil, "\(label) byte \(i)")
            }
            var otherAlpha = alpha + [0]
            if !alpha.isEmpty {
                otherAlpha = alpha
                otherAlpha[rng.int(0...(alpha.count - 1))] ^= UInt8(rng.int(1...255))
            }
            #expect(refusal(pk: k.publicKey.bytes, alpha: otherAlpha, pi: proof.bytes) == "VRF_PROOF_INVALID", "\(label)")
            #expect(refusal(pk: other.bytes, alpha: alpha, pi: proof.bytes) == "VRF_PROOF_INVALID", "\(label)")
        }
    }

    /// docs/greylist.md lists the vectors a bank checks its own verifier against: the same as the JSON file's.
    @Test func docsListTheVectors() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/greylist.md"), encoding: .utf8)
            .replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: "")
        for v in try Self.vectors().valid {
            for value in [v.sk, v.pk, v.pi, v.beta] {
                #expect(doc.contains(value), "docs/greylist.md lacks example \(v.example)'s \(value.prefix(16))…")
            }
        }
        let data = try Data(contentsOf: Self.root.appendingPathComponent("docs/vrf-vectors.json"))
        let subjects = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["greylistSubjects"] as? [[String: Any]])
        for s in subjects {
            let number = try #require(s["idNumber"] as? String), beta = try #require(s["beta"] as? String)
            #expect(doc.contains(number) && doc.contains(beta), "docs/greylist.md lacks the pseudonym of \(number)")
        }
    }
}
