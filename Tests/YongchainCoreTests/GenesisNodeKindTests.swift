import Foundation
import Testing
@testable import YongchainCore
@testable import YongchainCrypto

/// `node: full | member` per organisation (docs/confidentiality.md): absent means full and keeps today's identity;
/// a member node is a tagged tail of the identity; a validator must be full.
@Suite struct GenesisNodeKindTests {
    static var withMemberBank: Genesis {
        var g = GenesisIdentityTests.consortium
        g.organizations[3].node = .member  // bank-c, power 0
        return g
    }

    @Test func anAbsentNodeIsFullAndKeepsTheIdentity() throws {
        let g = GenesisIdentityTests.consortium
        #expect(g.organizations.allSatisfy { $0.node == .full })
        #expect(g.hash.hex == GenesisIdentityTests.consortiumHash)
        // Written back, `full` stays absent from the file; an explicit "full" reads as absent.
        let json = String(decoding: try JSONEncoder().encode(g), as: UTF8.self)
        #expect(!json.contains("\"node\""))
        let explicit = json.replacingOccurrences(of: "\"power\":0", with: "\"power\":0,\"node\":\"full\"")
        #expect(explicit != json)
        #expect(try JSONDecoder().decode(Genesis.self, from: Data(explicit.utf8)).hash == g.hash)
    }

    @Test func aMemberNodeIsATaggedTailOfTheIdentity() throws {
        let plain = GenesisIdentityTests.consortium, g = Self.withMemberBank
        #expect(g.identityBytes == plain.identityBytes + [3, 0, 0, 0, 1, 0, 0, 0, 6] + Array("bank-c".utf8))
        #expect(g.hash != plain.hash)
        #expect(try Genesis(canonical: g.canonicalBytes) == g)
        let json = try JSONEncoder().encode(g)
        #expect(String(decoding: json, as: UTF8.self).contains("\"node\":\"member\""))
        #expect(try JSONDecoder().decode(Genesis.self, from: json) == g)
        try g.validate()
    }

    @Test func aTailNamingNoOrganisationOrOutOfOrderIsRefused() {
        let plain = GenesisIdentityTests.consortium.canonicalBytes
        func tail(_ names: [String]) -> [UInt8] {
            var w = CanonicalWriter()
            w.u8(3)
            w.list(names) { $0.string($1) }
            return plain + w.bytes
        }
        #expect(throws: EncodingError.self) { try Genesis(canonical: tail(["bank-x"])) }
        #expect(throws: EncodingError.self) { try Genesis(canonical: tail(["bank-c", "bank-a"])) }
        #expect(throws: EncodingError.self) { try Genesis(canonical: tail([])) }
        #expect((try? Genesis(canonical: tail(["bank-a", "bank-c"])))?.organizations.map(\.node) == [.full, .full, .member, .member])
    }

    @Test func aValidatorMustRunAFullNode() {
        var g = GenesisIdentityTests.consortium
        g.organizations[2].node = .member  // bank-a, power 2
        #expect(throws: GenesisError.self) { try g.validate() }
        do { try g.validate() } catch let e as GenesisError { #expect(e.field == "organizations[2].node") } catch {}
    }

    @Test func aSupervisorHoldsNoRegistryAuthority() throws {
        var g = GenesisIdentityTests.consortium
        g.organizations[1].role = .supervisor
        #expect(throws: GenesisError.self) { try g.validate() }
        g.organizations[1].authorities = []
        try g.validate()
        #expect(try Genesis(canonical: g.canonicalBytes) == g)
    }
}
