import Foundation
import Testing
@testable import YongchainCrypto

/// SM3 (GB/T 32905-2016) and SM2 signatures (GB/T 32918.2 with SM3 and the default distinguishing identifier).
@Suite struct NationalCryptoTests {
    /// GB/T 32905-2016, appendix A: example 1 ("abc") and example 2 ("abcd" sixteen times, 64 bytes).
    @Test func sm3MatchesTheStandardsExamples() {
        #expect(HashSuite.sm3.digest(Array("abc".utf8)).hex == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        let abcd16 = Array(String(repeating: "abcd", count: 16).utf8)
        #expect(abcd16.count == 64)
        #expect(HashSuite.sm3.digest(abcd16).hex == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        #expect(HashSuite.sm3.digest(parts: [Array("ab".utf8), Array("c".utf8)]) == HashSuite.sm3.digest(Array("abc".utf8)))
        let a = HashSuite.sm3.digest(Array("a".utf8)), b = HashSuite.sm3.digest(Array("b".utf8))
        #expect(HashSuite.sm3.digest(tag: 1, a, b) == HashSuite.sm3.digest([1] + a.bytes + b.bytes))
        #expect(HashSuite.sha256.digest(Array("abc".utf8)) != HashSuite.sm3.digest(Array("abc".utf8)))
    }

    @Test func sm2SignsAndVerifiesAndRefusesEveryChange() throws {
        let key = try PrivateKey.generate(suite: .sm2)
        #expect(key.suite == .sm2 && key.publicKey.suite == .sm2)
        #expect(key.publicKey.bytes.count == 65 && key.publicKey.bytes[0] == 0x04)
        #expect(key.publicKey.text.hasPrefix("sm2:") && key.publicKey.text.count == 4 + 130)
        let msg = Array("register unit 110101001001GB00001F00010001".utf8)
        let sig = key.sign(msg)
        #expect(sig.count == 64)
        #expect(key.publicKey.verify(signature: sig, message: msg))
        #expect(key.publicKey.verify(signature: sig, message: msg, keepParsed: false))
        try key.publicKey.check(signature: sig, message: msg)
        for i in msg.indices {
            var m = msg
            m[i] ^= 0x01
            #expect(!key.publicKey.verify(signature: sig, message: m))
        }
        for i in sig.indices {
            var s = sig
            s[i] ^= 0x01
            #expect(!key.publicKey.verify(signature: s, message: msg))
        }
        let other = try PrivateKey.generate(suite: .sm2)
        #expect(!other.publicKey.verify(signature: sig, message: msg))
        #expect(throws: CryptoError.self) { try other.publicKey.check(signature: sig, message: msg) }
        #expect(code { try other.publicKey.check(signature: sig, message: msg) } == "SIGNATURE_INVALID")
        // Signing is randomised (a fresh k each time); both signatures verify.
        let again = key.sign(msg)
        #expect(again != sig && key.publicKey.verify(signature: again, message: msg))
    }

    @Test func sm2KeysRoundTripThroughPEMAndText() throws {
        let key = try PrivateKey.generate(suite: .sm2)
        let pem = key.pemPKCS8()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let back = try PrivateKey(pem: pem)
        #expect(back.suite == .sm2 && back.publicKey == key.publicKey)
        #expect(key.publicKey.verify(signature: back.sign([1, 2, 3]), message: [1, 2, 3]))
        #expect(PublicKey(text: key.publicKey.text) == key.publicKey)
        let json = try JSONEncoder().encode([key.publicKey])
        #expect(try JSONDecoder().decode([PublicKey].self, from: json) == [key.publicKey])
    }

    @Test func malformedSignaturesAreRefusedWithACode() throws {
        let key = try PrivateKey.generate(suite: .sm2)
        let msg: [UInt8] = Array("m".utf8)
        let sig = key.sign(msg)
        // libcrypto's own DER form is refused on the wire: one encoding, fixed size.
        let der = try #require(SM2.derSignature(raw: sig))
        #expect(der.count > 64 && SM2.rawSignature(der: der) == sig)
        #expect(!key.publicKey.verify(signature: der, message: msg))
        #expect(code { try key.publicKey.check(signature: der, message: msg) } == "SIGNATURE_MALFORMED")
        for bad in [[], Array(sig.prefix(63)), sig + [0]] {
            #expect(code { try key.publicKey.check(signature: bad, message: msg) } == "SIGNATURE_MALFORMED")
            #expect(!key.publicKey.verify(signature: bad, message: msg))
        }
        // r or s of zero, or at least the curve order n, is out of range.
        let zero = [UInt8](repeating: 0, count: 32), n = SM2.order, ones = [UInt8](repeating: 0xff, count: 32)
        for bad in [zero + Array(sig[32...]), Array(sig[..<32]) + zero, n + Array(sig[32...]), Array(sig[..<32]) + n,
                    ones + ones] {
            #expect(code { try key.publicKey.check(signature: bad, message: msg) } == "SIGNATURE_MALFORMED")
            #expect(!key.publicKey.verify(signature: bad, message: msg))
        }
    }

    @Test func malformedPointsAreRefusedWithACode() throws {
        let good = try PrivateKey.generate(suite: .sm2).publicKey.bytes
        var offCurve = good
        offCurve[64] ^= 0x01
        var hybrid = good
        hybrid[0] = 0x06 | (good[64] & 1)
        let compressed = [0x02 | (good[64] & 1)] + Array(good[1..<33])
        for bad in [offCurve, hybrid, compressed, Array(good.prefix(64)), Array(good.dropFirst()), [UInt8](repeating: 0, count: 65),
                    [0x04] + [UInt8](repeating: 0, count: 64)] {
            #expect(PublicKey(suite: .sm2, bytes: bad) == nil)
            #expect(code { _ = try PublicKey(suite: .sm2, validating: bad) } == "KEY_INVALID")
            #expect(code { _ = try PublicKey(validatingText: "sm2:" + Hex.encode(bad)) } == "KEY_INVALID")
        }
        #expect(code { _ = try PublicKey(validatingText: "sm3:" + Hex.encode(good)) } == "KEY_MALFORMED")
        #expect(code { _ = try PublicKey(validatingText: "sm2:zz") } == "KEY_MALFORMED")
    }

    /// A key of one algorithm is never accepted as the other: its bytes do not parse under the other suite, and a
    /// signature made by one suite never verifies under a key of the other.
    @Test func aKeyOfOneAlgorithmIsNeverTakenForTheOther() throws {
        let ed = try PrivateKey.generate(suite: .ed25519), sm = try PrivateKey.generate(suite: .sm2)
        #expect(PublicKey(text: "sm2:" + Hex.encode(ed.publicKey.bytes)) == nil)
        #expect(PublicKey(text: "ed25519:" + Hex.encode(sm.publicKey.bytes)) == nil)
        #expect(PublicKey(text: Hex.encode(sm.publicKey.bytes)) == nil)  // a bare hex key is Ed25519's form
        #expect(PublicKey(suite: .ed25519, bytes: Array(sm.publicKey.bytes[1..<33])) != nil)  // 32 bytes parse as Ed25519…
        let msg: [UInt8] = [7, 7, 7]
        let smSig = sm.sign(msg), edSig = ed.sign(msg)
        // …but such a key never verifies the SM2 key's signatures, nor does either key the other suite's.
        let lookalike = try #require(PublicKey(suite: .ed25519, bytes: Array(sm.publicKey.bytes[1..<33])))
        #expect(!lookalike.verify(signature: smSig, message: msg))
        #expect(!sm.publicKey.verify(signature: edSig, message: msg))
        #expect(!ed.publicKey.verify(signature: smSig, message: msg))
        #expect(ed.publicKey != sm.publicKey && ed.publicKey.keyID != sm.publicKey.keyID)
        #expect(try PrivateKey(pem: ed.pemPKCS8()).suite == .ed25519)
        #expect(try PrivateKey(pem: sm.pemPKCS8()).suite == .sm2)
    }

    /// A second implementation, the `openssl` command line, checks a signature this code made, and this code checks
    /// one the command line made (`pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678`).
    @Test func theOpenSSLCommandLineAgreesOnSM2Signatures() throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileManager.default.isExecutableFile) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-sm2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try PrivateKey.generate(suite: .sm2)
        try KeyFile.write(key, to: dir + "/k.pem")
        let msg = Array("yongchain/tx/v1 chain sm".utf8)
        try Data(msg).write(to: URL(fileURLWithPath: dir + "/msg"))
        let distid = ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
        #expect(try run(openssl, ["pkey", "-in", dir + "/k.pem", "-pubout", "-out", dir + "/pub.pem"]) == 0)
        // The point openssl reads from the key file is the one this code names.
        #expect(try run(openssl, ["pkey", "-pubin", "-in", dir + "/pub.pem", "-outform", "DER", "-out", dir + "/pub.der"]) == 0)
        let spki = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/pub.der")))
        #expect(Array(spki.suffix(65)) == key.publicKey.bytes)
        // Ours, checked by openssl.
        try Data(try #require(SM2.derSignature(raw: key.sign(msg)))).write(to: URL(fileURLWithPath: dir + "/ours.der"))
        #expect(try run(openssl, ["pkeyutl", "-verify", "-in", dir + "/msg", "-pubin", "-inkey", dir + "/pub.pem",
                                  "-sigfile", dir + "/ours.der"] + distid) == 0)
        // Without the distinguishing identifier (OpenSSL 3's default is none) it must not verify.
        #expect(try run(openssl, ["pkeyutl", "-verify", "-in", dir + "/msg", "-pubin", "-inkey", dir + "/pub.pem",
                                  "-sigfile", dir + "/ours.der", "-rawin", "-digest", "sm3"]) != 0)
        // openssl's, checked here.
        #expect(try run(openssl, ["pkeyutl", "-sign", "-in", dir + "/msg", "-inkey", dir + "/k.pem", "-out", dir + "/theirs.der"] + distid) == 0)
        let theirs = try #require(SM2.rawSignature(der: [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/theirs.der")))))
        #expect(key.publicKey.verify(signature: theirs, message: msg))
        #expect(!key.publicKey.verify(signature: theirs, message: msg + [0]))
        // A key openssl generated reads as SM2.
        #expect(try run(openssl, ["genpkey", "-algorithm", "SM2", "-out", dir + "/gen.pem"]) == 0)
        let pem = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/gen.pem")), as: UTF8.self)
        #expect(try PrivateKey(pem: pem).suite == .sm2)
    }

    private func code(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as CryptoError { return e.code } catch { return "\(error)" }
        return nil
    }

    private func run(_ tool: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
