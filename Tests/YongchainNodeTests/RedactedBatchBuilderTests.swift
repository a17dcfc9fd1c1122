import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
import YongchainLightClient
@testable import YongchainHTTP
@testable import YongchainNode

/// A full node builds each member's redacted batches from what its executor stored with each block (the parties),
/// and the member's light client accepts them: its own transactions complete, nobody else's bodies, the validator
/// set followed across a governance change (VectorChain's).
@Suite struct RedactedBatchBuilderTests {
    let chain: VectorChain
    init() throws { chain = try VectorChain() }
    var builder: RedactedBatchBuilder {
        RedactedBatchBuilder(store: chain.node.store, application: LedgerApplication(chainID: VectorChain.chainID), chain: VectorChain.chain)
    }
    var tip: UInt64 { chain.node.store.tip.height }

    @Test func bankAGetsItsOwnTransactionsAndTheirLogIsProven() throws {
        let batch = try builder.batch(member: "bank-a", from: 1, limit: 1000)
        #expect(batch.blocks.count == Int(tip) && batch.party?.log != nil)
        var sync = MemberSync(genesis: VectorChain.genesis, member: "bank-a")
        let accepted = try sync.accept(batch)
        #expect(accepted.proven && sync.proven.height == tip)
        let types = accepted.own.map(\.transaction.transaction.type)
        // Its application and the registry's approval, the grant naming it, its financing, query and repayment,
        // the seizure of a unit it holds a lien on, and the governance every member is party to.
        for t in ["mortgage.apply", "mortgage.approve", "authorization.grant", "financing.record", "creditQuery.record", "financing.repay",
                  "property.seize", "governance.propose", "governance.vote"] {
            #expect(types.contains(t), "\(t) missing from bank-a's own transactions")
        }
        #expect(!types.contains("property.register") && !types.contains("enterprise.register") && !types.contains("declaration.publish"))
        #expect(UInt64(accepted.own.count) == sync.log.count)
    }

    @Test func bankBGetsNoneOfBankAsBodies() throws {
        let batch = try builder.batch(member: "bank-b", from: 1, limit: 1000)
        var sync = MemberSync(genesis: VectorChain.genesis, member: "bank-b")
        let accepted = try sync.accept(batch)
        #expect(accepted.proven)
        #expect(Set(accepted.own.map(\.transaction.transaction.type)) == ["governance.propose", "governance.vote"])
        let bytes = batch.canonicalBytes
        let contract = HashSuite.sha256.digest(Array("contract 1".utf8)).bytes
        for (what, needle) in [("the contract hash", contract), ("the debtor", Array("Suzhou Widget".utf8)),
                               ("the credit query's purpose", Array("pre-loan review".utf8)), ("a declaration number", Array("223120200000000001".utf8))] {
            #expect(bytes.firstRange(of: needle) == nil, "\(what) reached bank-b")
        }
        // The same search finds bank-a's contract hash in bank-a's batch: the search can see.
        #expect(try builder.batch(member: "bank-a", from: 1, limit: 1000).canonicalBytes.firstRange(of: contract) != nil)
    }

    @Test func aBatchShortOfTheTipIsProvisionalAndTheNextProvesIt() throws {
        var sync = MemberSync(genesis: VectorChain.genesis, member: "bank-a")
        let first = try builder.batch(member: "bank-a", from: 1, limit: 3)
        #expect(first.blocks.count == 3 && first.party == nil)
        #expect(try sync.accept(first).proven == false)
        let rest = try builder.batch(member: "bank-a", from: 4, limit: 1000)
        #expect(try sync.accept(rest).proven && sync.proven.height == tip)
        #expect(try builder.batch(member: "bank-a", from: tip + 1, limit: 10).blocks.isEmpty)
    }

    /// A byte budget stops the batch (at least one block each time), so a member whose own transactions are large
    /// gets them in answers under its response limit; the short batches are provisional and the last proves them.
    @Test func aByteBudgetCutsTheBatchAndTheMemberStillProvesItsLog() throws {
        var sync = MemberSync(genesis: VectorChain.genesis, member: "bank-a")
        var from: UInt64 = 1, answers = 0
        while from <= tip {
            let b = try builder.batch(member: "bank-a", from: from, limit: 1000, maxBytes: 1)
            #expect(b.blocks.count == 1)
            _ = try sync.accept(b)
            from += UInt64(b.blocks.count)
            answers += 1
        }
        #expect(answers == Int(tip) && sync.proven.height == tip)
        #expect(try builder.batch(member: "bank-a", from: 1, limit: 1000).blocks.count == Int(tip))
    }
}

/// `GET /v1/sync/redacted` answers the signed caller's own batch, refuses anonymous callers, and limits each member's
/// rate.
@Suite struct RedactedSyncRouteTests {
    static func request(_ target: String, key: PrivateKey?) -> HTTPRequest {
        let auth = key.map { RequestAuth.headers(method: "GET", target: target, body: [], key: $0, chainID: VectorChain.chainID) } ?? []
        let head = (["GET \(target) HTTP/1.1", "Host: node", "Content-Length: 0"] + auth.map { "\($0.0): \($0.1)" }).joined(separator: "\r\n")
        var parser = HTTPRequestParser()
        parser.feed(Array((head + "\r\n\r\n").utf8))
        guard case .request(let req) = parser.next() else { fatalError("test request did not parse") }
        return req
    }

    @Test func theSignedCallerGetsItsOwnBatchAndNobodyElseAny() throws {
        let c = try VectorChain()
        let r = c.api.handle(Self.request("/v1/sync/redacted?from=1&limit=1000", key: VectorChain.bankB))
        #expect(r.status == 200)
        let batch = try RedactedBatch(canonical: r.body, hashSuite: .sha256)
        var sync = MemberSync(genesis: VectorChain.genesis, member: "bank-b")
        #expect(try sync.accept(batch).proven)
        #expect(batch.blocks.flatMap(\.own).allSatisfy { $0.transaction.type.hasPrefix("governance.") })
        #expect(c.api.handle(Self.request("/v1/sync/redacted?from=1", key: nil)).status == 401)
        #expect(c.api.handle(Self.request("/v1/sync/redacted?from=1", key: VectorChain.enterprise)).status == 401, "an enterprise runs no node")
        #expect(c.api.handle(Self.request("/v1/sync/redacted?from=0", key: VectorChain.bankA)).status == 400)
    }

    @Test func aMemberAskingTooFastIsRateLimited() throws {
        let service = MemberSyncService(store: try VectorChain().node.store, application: LedgerApplication(), chain: VectorChain.chain,
                                        limits: APILimits())
        // A burst of twice the rate, then one a second per unit of rate; another member has its own bucket.
        for _ in 0..<40 { try service.quota.take("bank-a", now: 100) }
        #expect(throws: APIError.self) { try service.quota.take("bank-a", now: 100) }
        try service.quota.take("bank-b", now: 100)
        try service.quota.take("bank-a", now: 100.1)
    }
}
