import Testing
@testable import YongchainApplication
import YongchainCore

/// Running totals of amounts that came from outside never leave 64 bits: they are refused with a code, never a
/// trap (a trap in execution would stop every node at the same block).
@Suite struct TradeAmountLimitTests {
    typealias F = TradeFixture

    @Test func anExportersRunningTotalThatWouldOverflowIsRefused() {
        let f = F()
        let ds = f.publish([f.fields(1), f.fields(2)])
        // The exporter's total with bank A is already near the top (thousands of maximal financings would get here).
        var near = ExposureRecord()
        near.financed = Int64.max - 50_000
        near.outstanding = 0
        let key = StateKey.exposure(f.exporterX, f.bankA.publicKey, try! Currency("CNY"))
        f.state.apply([(key, near.canonicalBytes)])
        let r = f.finance(f.bankA, F.cny(100_000), [(ds[0], F.cny(100_000))])
        #expect(r.result.code == Codes.Trade.amountOutOfRange)
        #expect(f.declaration(1)?.pledged == 0, "a refused financing pledges nothing")
        // Another bank's total is its own.
        f.expectOK(f.finance(f.bankB, F.cny(100_000), [(ds[1], F.cny(100_000))]))
    }

    @Test func clampedAdditionSaturates() {
        #expect(Int64.max.addingClamped(1) == .max)
        #expect(Int64.min.addingClamped(-1) == .min)
        #expect(Int64(5).addingClamped(-7) == -2)
    }
}
