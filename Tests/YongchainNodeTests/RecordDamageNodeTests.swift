import Foundation
import Testing
import YongchainApplication
import YongchainCore
@testable import YongchainNode
@testable import YongchainStorage

/// A mortgage or trade record in the node's database that does not decode stops the node (STORAGE_CORRUPT): the
/// verification routes answer 500, never "one mortgage fewer" or "not financed", and health says so for good.
@Suite(.serialized) struct RecordDamageNodeTests {
    @Test(arguments: ["", "?prove=true"])
    func anEncumbranceAnswerOverADamagedLienIsStorageCorruptAndHaltsTheNode(_ query: String) throws {
        let chain = try VectorChain()
        let target = "/v1/mortgage/units/\(VectorChain.unit)/encumbrances" + query
        #expect(chain.ask("GET", target, as: VectorChain.bankB).status == 200)
        let db = try Connection(path: NodeHome(chain.dir).databasePath, readOnly: false)
        try db.exec("UPDATE state SET value = x'ff0007' WHERE key = CAST('lien/\(VectorChain.unit)/000001' AS BLOB)")
        // What the node keeps in memory was read before the damage: a kept value, a kept answer or proof (kept by
        // state root: seen at the next root, or by the scrub) would answer instead.
        chain.node.store.stateCache.reset()
        chain.node.store.proofCache.reset()
        chain.node.api.query.answers.reset()
        let r = chain.ask("GET", target, as: VectorChain.bankB)
        #expect(r.status == 500 && GreylistChain.code(r) == "STORAGE_CORRUPT", "\(String(decoding: r.body, as: UTF8.self))")
        #expect(chain.node.health.halted && chain.node.health.problem()?.code == "STORAGE_CORRUPT")
    }
}
