import Testing
@testable import YongchainCore
import YongchainTestSupport

@Suite struct HashedBytesTests {
    /// Short keys over few byte values, so pairs often share a prefix, one is a prefix of the other, or both are
    /// equal; bytes from 0x7f up too, where a signed comparison would answer the other way.
    private func randomKey(_ rng: inout SplitMix64) -> [UInt8] {
        let alphabet: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]
        return (0..<rng.int(0...5)).map { _ in alphabet[rng.int(0...alphabet.count - 1)] }
    }

    @Test func precedesIsTheLexicographicOrder() {
        var rng = SplitMix64(seed: 29)
        for _ in 0..<20_000 {
            let a = randomKey(&rng), b = randomKey(&rng)
            #expect(HashedBytes.precedes(a, b) == a.lexicographicallyPrecedes(b), "\(a) \(b)")
        }
    }

    @Test func blockWritesComeInKeyOrder() {
        var rng = SplitMix64(seed: 16)
        let overlay = StateOverlay(base: EmptyReader())
        var expected: [[UInt8]: [UInt8]?] = [:]
        for _ in 0..<500 {
            let k = randomKey(&rng) + [UInt8(truncatingIfNeeded: rng.next())]
            if rng.next() % 4 == 0 { overlay.delete(k); expected[k] = .some(nil) } else { overlay.set(k, [1]); expected[k] = .some([1]) }
            overlay.commitTransaction()
        }
        let writes = overlay.blockWrites
        #expect(writes.map(\.key) == expected.keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(writes.allSatisfy { expected[$0.key] == .some($0.value) })
    }
}

private struct EmptyReader: StateReader {
    func get(_ key: [UInt8]) -> [UInt8]? { nil }
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])] { [] }
}
