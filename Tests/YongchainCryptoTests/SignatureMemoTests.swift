import Foundation
import Testing
@testable import YongchainCrypto

@Suite struct SignatureMemoTests {
    private func id(_ i: Int) -> Hash { HashSuite.sha256.digest(Array("id-\(i)".utf8)) }

    /// A full generation's table is exactly as large as its ids need: a `Set` of that many ids, made at that
    /// capacity or grown to it, keeps them in the smallest table that holds them (100,000 ids took twice the
    /// table: room for 196,608).
    @Test func aFullGenerationFillsItsTable() {
        let n = SignatureMemo.defaultGeneration
        #expect(Set<Hash>(minimumCapacity: n).capacity == n)
        var grown = Set<Hash>()
        for i in 0..<n { grown.insert(id(i)) }
        #expect(grown.capacity == n)
        #expect(Set<Hash>(minimumCapacity: n + 1).capacity == 2 * n, "one more id takes a table twice as large")
    }

    /// An id is remembered while its generation is the current or the previous one, then checked again; a
    /// failed check is never remembered.
    @Test func remembersTwoGenerationsThenForgets() {
        let memo = SignatureMemo(generation: 4)
        var checks = 0
        func verify(_ i: Int, valid: Bool = true) -> Bool { memo.verify(id: id(i)) { checks += 1; return valid } }
        #expect(!verify(-1, valid: false))
        #expect(!verify(-1, valid: false))
        #expect(checks == 2)
        checks = 0
        for i in 0..<4 { #expect(verify(i)) }  // generation 1, now the previous one
        for i in 0..<4 { #expect(verify(i)) }
        #expect(checks == 4)
        for i in 4..<8 { #expect(verify(i)) }  // generation 2: generation 1 is forgotten
        checks = 0
        #expect(verify(5) && verify(0))
        #expect(checks == 1, "5 remembered, 0 checked again")
    }
}
