import Testing
@testable import YongchainCrypto

/// The parsed keys every signature check looks up, read by many threads at once under a read-write lock.
@Suite struct ParsedPublicKeysTests {
    /// Eight tasks verify signatures of six keys at once, each signature under its own key (true) and under the
    /// next key (false): a look-up that handed back another key's parsed form, or a torn one, fails.
    @Test func concurrentChecksEachUseTheirOwnKey() async throws {
        let keys = try (0..<6).map { _ in try PrivateKey.generate() }
        let message = Array("property.register 110101001001GB00001F00010001".utf8)
        let signatures = keys.map { $0.sign(message) }
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    (0..<60).allSatisfy { k in
                        let i = (k + t) % keys.count, other = (i + 1) % keys.count
                        return keys[i].publicKey.verify(signature: signatures[i], message: message)
                            && !keys[other].publicKey.verify(signature: signatures[i], message: message)
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    /// More distinct keys than the capacity, from many tasks at once: every look-up gives a parsed key, and the
    /// table never holds more than its capacity (it starts again empty when full).
    @Test func staysBoundedUnderConcurrentInserts() async throws {
        let parsed = ParsedPublicKeys(capacity: 4)
        let keys = try (0..<13).map { _ in try PrivateKey.generate().publicKey }
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { k in parsed.pkey(keys[(k * 5 + t) % keys.count]) != nil && parsed.count <= 4 }
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(parsed.count <= 4)
    }
}
