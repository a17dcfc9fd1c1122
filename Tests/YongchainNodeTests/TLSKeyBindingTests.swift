import Foundation
import Testing
import YongchainCore
import YongchainCrypto
import YongchainHTTP
@testable import YongchainNode

/// An SM2-keyed node's TLS: its Ed25519 TLS key is accepted as the SM2 member key only by a valid binding.
@Suite struct TLSKeyBindingTests {
    let member = try! PrivateKey.generate(suite: .sm2)
    let tls = try! PrivateKey.generate()

    func identity(_ c: PeerCertificate, members: Set<[UInt8]>? = nil) -> [UInt8]? {
        let accepted = members ?? [member.publicKey.bytes]
        return TLSKeyBinding.identity(c, accepts: { accepted.contains($0) })
    }

    @Test func aValidBindingIsAcceptedAsTheMemberKey() {
        let binding = TLSKeyBinding.make(nodeKey: member, tlsKey: tls.publicKey)
        #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: binding)) == member.publicKey.bytes)
        // An Ed25519 member key is accepted as itself, with or without a binding.
        #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: nil), members: [tls.publicKey.bytes]) == tls.publicKey.bytes)
    }

    @Test func aBindingOfAnotherTLSKeyOrByANonMemberOrMalformedIsRefused() throws {
        let other = try PrivateKey.generate()
        let binding = TLSKeyBinding.make(nodeKey: member, tlsKey: tls.publicKey)
        // Copied into another certificate: it names another TLS key.
        #expect(identity(PeerCertificate(key: other.publicKey.bytes, binding: binding)) == nil)
        // Made by a key that is no member's.
        let stranger = try PrivateKey.generate(suite: .sm2)
        #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: TLSKeyBinding.make(nodeKey: stranger, tlsKey: tls.publicKey))) == nil)
        // Naming the member's key, signed by another.
        var w = CanonicalWriter()
        w.publicKey(member.publicKey)
        w.bytes(stranger.sign(Domain.tlsKey.signingBytes(chainID: "", message: tls.publicKey.bytes)))
        #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: w.bytes)) == nil)
        // Every truncation, a trailing byte, and each flipped byte.
        for n in 0..<binding.count { #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: Array(binding.prefix(n)))) == nil) }
        #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: binding + [0])) == nil)
        for i in binding.indices {
            var b = binding
            b[i] ^= 0x01
            #expect(identity(PeerCertificate(key: tls.publicKey.bytes, binding: b)) == nil, "byte \(i)")
        }
    }
}
