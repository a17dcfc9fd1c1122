import Testing
@testable import YongchainCrypto
import YongchainTestSupport

/// SHA-256 on a stack context (`HashSuite.digest`) against FIPS 180-4's examples and against libcrypto's EVP
/// digest, which the node used before, over every length around the 64-byte block and its padding boundaries.
@Suite struct HashSuiteSHA256Tests {
    /// FIPS 180-2 appendix B: one block, two blocks (448 bits: the padding spills into a second block), and a
    /// million "a"s (many blocks, fed in parts of several sizes).
    @Test func matchesFIPSExamples() {
        let two = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(HashSuite.sha256.digest(two).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(HashSuite.sha256.digest(parts: [Array(two[..<5]), [], Array(two[5...])]).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(HashSuite.sha256.digest(million).hex == expected)
        #expect(HashSuite.sha256.digest(parts: [Array(million[..<1]), Array(million[1..<64]), Array(million[64..<100_003]), Array(million[100_003...])]).hex == expected)
    }

    /// Every length from 0 to 300 bytes (the block is 64, the padding needs 9) and seeded random splits into parts
    /// give EVP's digest, through `digest(_:)`, `digest(raw:)`, `digest(parts:)` and `digest(tag:_:_:)`.
    @Test func equalsEVPForEveryShortLengthAndSplit() {
        var rng = SplitMix64(seed: 0x5A_256)
        for n in 0...300 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let reference = bytes.withUnsafeBytes { HashSuite.sha256.evpDigest(raw: $0) }
            #expect(HashSuite.sha256.digest(bytes) == reference, "length \(n)")
            var parts: [[UInt8]] = []
            var i = 0
            while i < n {
                let take = min(n - i, Int(rng.next(below: 80)))
                parts.append(Array(bytes[i..<(i + take)]))
                i += take
            }
            #expect(HashSuite.sha256.digest(parts: parts) == reference, "length \(n) in \(parts.count) parts")
            // Fed a piece at a time (parts, bytes, hashes), through the stack context and through EVP (SM3).
            let sm3 = bytes.withUnsafeBytes { HashSuite.sm3.evpDigest(raw: $0) }
            #expect(HashSuite.sm3.digest(parts: parts) == sm3, "SM3, length \(n) in \(parts.count) parts")
            for suite in HashSuite.allCases {
                let fed = suite.digest { input in
                    for p in parts {
                        if p.count == 1, rng.next(below: 2) == 0 { input.add(byte: p[0]) } else { p.withUnsafeBytes { input.add($0) } }
                    }
                }
                #expect(fed == (suite == .sha256 ? reference : sm3), "\(suite), length \(n) fed in \(parts.count) pieces")
            }
        }
        let a = HashSuite.sha256.digest([1]), b = HashSuite.sha256.digest([2])
        #expect(HashSuite.sha256.digest(tag: 1, a, b) == ([1] + a.bytes + b.bytes).withUnsafeBytes { HashSuite.sha256.evpDigest(raw: $0) })
        #expect(HashSuite.sha256.digest { $0.add(byte: 1); $0.add(a); $0.add(b.bytes) } == HashSuite.sha256.digest(tag: 1, a, b))
    }

    /// Many threads at once, each with its own context: no shared state between digests.
    @Test func isSafeFromManyThreads() async {
        let inputs = (0..<64).map { i in [UInt8](repeating: UInt8(i), count: 100 + i) }
        let expected = inputs.map { bytes in bytes.withUnsafeBytes { HashSuite.sha256.evpDigest(raw: $0) } }
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    (0..<2_000).allSatisfy { k in
                        let i = (k * 7 + t) % inputs.count
                        return HashSuite.sha256.digest(inputs[i]) == expected[i]
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
