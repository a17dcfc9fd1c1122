import Foundation
import Testing
@testable import YongchainCrypto

@Suite struct CryptoTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(HashSuite.sha256.digest([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(HashSuite.sha256.digest(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(HashSuite.sha256.digest(parts: [Array("a".utf8), Array("bc".utf8)]) == HashSuite.sha256.digest(Array("abc".utf8)))
    }

    /// RFC 8032 test vector 2 (one-byte message).
    @Test func ed25519MatchesRFC8032() throws {
        let key = try PrivateKey.fromSeed(Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!)
        #expect(Hex.encode(key.publicKey.bytes) == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        let sig = key.sign([0x72])
        #expect(Hex.encode(sig) == "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
        #expect(key.publicKey.verify(signature: sig, message: [0x72]))
    }

    @Test func verifyRejectsAnyChangedByte() throws {
        let key = try PrivateKey.generate()
        let msg = Array("register unit 110101001001GB00001F00010001".utf8)
        let sig = key.sign(msg)
        #expect(key.publicKey.verify(signature: sig, message: msg))
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
        let other = try PrivateKey.generate()
        #expect(!other.publicKey.verify(signature: sig, message: msg))
        #expect(!key.publicKey.verify(signature: Array(sig.prefix(63)), message: msg))
    }

    @Test func pemRoundTripKeepsTheKey() throws {
        let key = try PrivateKey.generate()
        let pem = key.pemPKCS8()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let back = try PrivateKey(pem: pem)
        #expect(back.publicKey == key.publicKey)
        #expect(throws: CryptoError.self) { try PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }

    @Test func keyFilesAreOwnerOnlyAndOthersReadableOnesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.key"
        let key = try PrivateKey.generate()
        try KeyFile.write(key, to: path)
        var st = stat()
        stat(path, &st)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try KeyFile.read(path).publicKey == key.publicKey)
        // Never overwrite an existing key.
        #expect(throws: CryptoError.self) { try KeyFile.write(try PrivateKey.generate(), to: path) }
        chmod(path, 0o644)
        do {
            _ = try KeyFile.read(path)
            Issue.record("a world-readable key file was accepted")
        } catch let e as CryptoError {
            #expect(e.code == "KEY_FILE_PERMISSIONS")
        }
    }

    /// A key file that is not there and one that is there but cannot be read are different problems, with
    /// different fixes (issue 16: a container's user could not read a key another user owned, and was told it
    /// was missing). As root nothing is unreadable by permissions, so a private directory stands in for it.
    @Test func aMissingKeyIsNotAnUnreadableOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yc-keydir-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (path, code) in [(dir + "/absent.key", "KEY_FILE_MISSING"), (dir, "KEY_FILE_UNREADABLE")] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            chmod(dir, 0o700)
            do {
                _ = try KeyFile.read(path)
                Issue.record("\(path) was read as a key")
            } catch let e as CryptoError {
                #expect(e.code == code, "\(path): \(e)")
            }
        }
    }

    @Test func publicKeyTextRoundTrip() throws {
        let k = try PrivateKey.generate().publicKey
        #expect(PublicKey(text: k.text) == k)
        #expect(PublicKey(text: "ed25519:abcd") == nil)
        #expect(PublicKey(text: "sm2:" + Hex.encode(k.bytes)) == nil)
        #expect(k.keyID.count == 40)
    }
}
