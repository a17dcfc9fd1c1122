import Foundation
import Testing
@testable import YongchainCore
import YongchainLightClient
import YongchainCrypto

/// A member node checks every redacted batch against its own certified headers and its party log
/// (docs/confidentiality.md): whatever a full node drops, alters, invents or over-shares is caught with a stable
/// code, and nothing of a refused batch is taken.
@Suite struct MemberSyncTests {
    let c = RedactedChain.standard()
    var sync: MemberSync { MemberSync(genesis: ProofChain.genesis, member: RedactedChain.member) }

    func refuse(_ batch: RedactedBatch, _ reason: SyncFailure.Reason, sourceLocation: SourceLocation = #_sourceLocation) {
        var s = sync
        do {
            _ = try s.accept(batch)
            Issue.record("accepted a batch that should fail with \(reason.rawValue)", sourceLocation: sourceLocation)
        } catch let f as SyncFailure {
            #expect(f.reason == reason, "\(f)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
        #expect(s.height == 0 && s.log == .empty, "a refused batch changes nothing", sourceLocation: sourceLocation)
    }

    /// Rebuilds block `h` of `batch` (1-based within the batch) with `change` applied to its own transactions.
    func with(_ batch: RedactedBatch, block i: Int, _ change: (inout [RedactedBatch.OwnTransaction]) -> Void) -> RedactedBatch {
        var b = batch
        let old = b.blocks[i]
        var own = old.own
        change(&own)
        b.blocks[i] = .init(header: old.header, certificate: old.certificate, txCount: old.txCount, own: own, nextValidators: old.nextValidators)
        return b
    }

    @Test func anHonestBatchGivesTheMembersTransactionsAndItsLog() throws {
        var s = sync
        let accepted = try s.accept(c.batch(1, 3))
        #expect(s.height == 3 && s.blockHash == c.blocks[2].hash)
        #expect(accepted.headers.map(\.txCount) == [3, 0, 2])
        #expect(accepted.own.map { "\($0.height)/\($0.transaction.index)/\($0.transaction.code)" } == ["1/1/OK", "3/0/DUPLICATE_FINANCING"])
        #expect(s.log == c.logAt(3) && s.log.count == 2)
        // Nothing of the others' bodies travels: their text is nowhere in the batch's bytes.
        let bytes = c.batch(1, 3).canonicalBytes
        for other in ["D-0001 for 800,000", "D-0003", "91310000MA1FL0001"] {
            #expect(bytes.firstRange(of: Array(other.utf8)) == nil, "\(other) was served to the member")
        }
        #expect(bytes.firstRange(of: Array("org-2 finances D-0002".utf8)) != nil)
    }

    @Test func batchesFollowOneAnotherAndAnEmptyStretchProvesTheLogUnchanged() throws {
        var s = sync
        _ = try s.accept(c.batch(1, 1))
        _ = try s.accept(c.batch(2, 2))
        _ = try s.accept(c.batch(3, 3))
        #expect(s.height == 3 && s.log == c.logAt(3))
        var again = sync
        _ = try again.accept(c.batch(1, 2))
        // Not the next height: refused.
        #expect(throws: SyncFailure.self) { try again.accept(c.batch(1, 3)) }
    }

    @Test func aWithheldTransactionIsIncomplete() {
        refuse(with(c.batch(1, 3), block: 0) { $0.removeAll() }, .incomplete)
        refuse(with(c.batch(1, 3), block: 2) { $0.removeAll() }, .incomplete)
        // A log proven at another height does not lead to this state root.
        var stale = c.batch(1, 3)
        stale.party = c.batch(1, 1).party
        refuse(stale, .incomplete)
    }

    /// A batch that stops short of its full node's tip proves no log: it is provisional, and the next proof covers
    /// it too — a transaction withheld in it is caught there, and the member goes back to its last proven height.
    @Test func aProvisionalBatchIsCheckedByTheNextProof() throws {
        var s = sync
        var short = c.batch(1, 1)
        short.party = nil
        #expect(try s.accept(short).proven == false)
        #expect(s.height == 1 && s.proven.height == 0)
        #expect(try s.accept(c.batch(2, 3)).proven)
        #expect(s.proven.height == 3 && s.log == c.logAt(3))

        var t = sync
        var withheld = with(c.batch(1, 1), block: 0) { $0.removeAll() }
        withheld.party = nil
        #expect(try t.accept(withheld).proven == false)
        #expect(throws: SyncFailure(.incomplete, "the party log at height 3 counts 2, the transactions served give 1")) { try t.accept(c.batch(2, 3)) }
        #expect(t.height == 0 && t.proven.height == 0 && t.log == .empty, "back to the last proven height")
        _ = try t.accept(c.batch(1, 3))
        #expect(t.proven.height == 3)
    }

    /// An empty batch (nothing after the member's height) proves nothing: a provisional batch with a withheld
    /// transaction stays provisional, and the next proof still catches it.
    @Test func anEmptyBatchDoesNotProveAProvisionalOne() throws {
        var s = sync
        var withheld = with(c.batch(1, 1), block: 0) { $0.removeAll() }
        withheld.party = nil
        _ = try s.accept(withheld)
        #expect(try s.accept(RedactedBatch(blocks: [], party: nil)).proven == false)
        #expect(s.height == 1 && s.proven.height == 0)
        #expect(throws: SyncFailure.self) { try s.accept(c.batch(2, 3)) }
        #expect(s.proven.height == 0)
    }

    @Test func anAlteredOrInventedTransactionFailsInclusion() {
        let altered = RedactedChain.tx("org-2 finances D-0002 for 5", signer: 2, nonce: 1)
        refuse(with(c.batch(1, 3), block: 0) { o in
            o[0] = .init(index: o[0].index, transaction: altered, code: o[0].code, txPath: o[0].txPath, resultPath: o[0].resultPath)
        }, .badInclusion)
        refuse(with(c.batch(1, 3), block: 2) { o in
            o[0] = .init(index: o[0].index, transaction: o[0].transaction, code: "OK", txPath: o[0].txPath, resultPath: o[0].resultPath)
        }, .badInclusion)
        refuse(with(c.batch(1, 3), block: 0) { o in
            o.append(.init(index: 2, transaction: RedactedChain.tx("invented", signer: 2, nonce: 9), code: "OK", txPath: o[0].txPath, resultPath: o[0].resultPath))
        }, .badInclusion)
    }

    @Test func anotherMembersTransactionServedIsOvershared() {
        var over = c
        over.own[0] = [0, 1]  // bank A's financing served to org-2 as its own
        let batch = over.batch(1, 3)
        var honestProof = batch
        honestProof.party = c.batch(1, 3).party
        refuse(honestProof, .overshared)
    }

    @Test func aBrokenHeaderOrCertificateIsRefused() {
        var skipped = c.batch(1, 3)
        skipped.blocks.remove(at: 1)
        refuse(skipped, .badHeader)
        var weak = c.batch(1, 3)
        let b = weak.blocks[1]
        weak.blocks[1] = .init(header: b.header, certificate: ProofChain.certificate(b.header, keys: ProofChain.keys, signers: [0, 1]),
                               txCount: b.txCount, own: b.own, nextValidators: nil)
        refuse(weak, .badCertificate)
        var stranger = c.batch(1, 3)
        stranger.blocks[0] = .init(header: b.header, certificate: b.certificate, txCount: 0, own: [], nextValidators: nil)
        refuse(stranger, .badHeader)
    }

    @Test func theBatchRoundTripsAndTruncationIsRefused() throws {
        let bytes = c.batch(1, 3).canonicalBytes
        #expect(try RedactedBatch(canonical: bytes, hashSuite: .sha256) == c.batch(1, 3))
        #expect(throws: EncodingError.self) { try RedactedBatch(canonical: Array(bytes.dropLast()), hashSuite: .sha256) }
        #expect(throws: EncodingError.self) { try RedactedBatch(canonical: bytes + [0], hashSuite: .sha256) }
    }
}
