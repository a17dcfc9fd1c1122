import Foundation
import Testing
import YongchainApplication
import YongchainCore
import YongchainCrypto
@testable import YongchainHTTP
@testable import YongchainNode

/// A full node serves each caller only what it may see (docs/confidentiality.md): whole blocks to full nodes, a
/// member node's organisation its own transactions and the others' leaves, a non-party NOT_FOUND; and a running
/// full node stops gossiping to a member governance turns into a member node.
@Suite struct ServingPerCallerTests {
    /// VectorChain with bank-b made a member node by governance (its power first set to 0: a validator must be full).
    static func withMemberNode() throws -> VectorChain {
        let chain = try VectorChain()
        try makeMemberNode(chain)
        return chain
    }

    static func makeMemberNode(_ chain: VectorChain) throws {
        try chain.decide(.setPower(name: "bank-b", power: 0), proposal: 2)
        // The set changes two heights after the decision; and a member of the set before the current one may not
        // be made a member node either, so one more change moves bank-b out of that too.
        for _ in 0..<2 { try chain.emptyBlock() }
        try chain.decide(.setPower(name: "registry", power: 100), proposal: 3)
        for _ in 0..<2 { try chain.emptyBlock() }
        try chain.decide(.setNode(name: "bank-b", node: .member), proposal: 4)
    }

    static func unsigned(_ chain: VectorChain, _ target: String) -> HTTPResponse {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET \(target) HTTP/1.1\r\nHost: vectors\r\n\r\n".utf8))
        guard case .request(let req) = parser.next() else { return HTTPResponse(status: 0) }
        return chain.api.handle(req)
    }

    static func code(_ r: HTTPResponse) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: [String: Any]])?["error"]?["code"] as? String
    }

    @Test func wholeBlocksGoToFullNodesOnly() throws {
        // While every member runs a full node, anyone the consortium lets reach the node follows it (observers).
        let allFull = try VectorChain()
        #expect(Self.unsigned(allFull, "/v1/sync/blocks?from=1").status == 200)

        let chain = try Self.withMemberNode()
        let target = "/v1/sync/blocks?from=1&limit=5"
        let full = chain.ask("GET", target, as: VectorChain.bankA)
        #expect(try full.status == 200 && (SyncBatch(canonical: full.body, hashSuite: .sha256)).entries.count == 5)
        let member = chain.ask("GET", target, as: VectorChain.bankB)
        #expect(member.status == 403 && Self.code(member) == "SYNC_NOT_FULL_NODE")
        #expect(member.body.firstRange(of: Array("mortgage".utf8)) == nil)
        let anonymous = Self.unsigned(chain, target)
        #expect(anonymous.status == 401 && Self.code(anonymous) == "AUTH_REQUIRED")
        // A key that is no member's is answered as anonymous, not let through.
        let outsider = chain.ask("GET", target, as: VectorChain.enterprise)
        #expect(outsider.status == 401 && Self.code(outsider) == "AUTH_REQUIRED")
        // A member node's organisation still gets its redacted batch.
        #expect(chain.ask("GET", "/v1/sync/redacted?from=1", as: VectorChain.bankB).status == 200)
    }

    @Test func aBlockShowsAMemberNodesOrganisationOnlyItsOwnTransactions() throws {
        let chain = try Self.withMemberNode()
        // Block 2 holds bank-a's mortgage application only.
        let target = "/v1/blocks/2"
        let whole = String(decoding: chain.ask("GET", target, as: VectorChain.bankA).body, as: UTF8.self)
        #expect(whole.contains(#""type":"mortgage.apply""#) && !whole.contains(#""leaf""#), "\(whole.prefix(400))")
        let apply = try #require(chain.committed.first { $0.type == "mortgage.apply" })
        let leaf = Block.txLeaf(hash: apply.hash(on: VectorChain.chain), signature: apply.signature, suite: .sha256).hex
        for r in [chain.ask("GET", target, as: VectorChain.bankB), Self.unsigned(chain, target)] {
            let text = String(decoding: r.body, as: UTF8.self)
            #expect(r.status == 200 && text.contains(#""transactions":[{"leaf":"\#(leaf)"}]"#), "\(text.prefix(600))")
            #expect(!text.contains("mortgage.apply") && !text.contains(Hex.encode(apply.body)))
        }
        // bank-b's own: the governance it voted on, in full.
        let votes = String(decoding: chain.ask("GET", "/v1/blocks/latest", as: VectorChain.bankB).body, as: UTF8.self)
        #expect(votes.components(separatedBy: #""type":"governance.vote""#).count == 3, "\(votes.prefix(600))")
    }

    @Test func aTransactionOfOthersIsNotFoundForANonParty() throws {
        let chain = try Self.withMemberNode()
        let target = "/v1/txs/\(chain.financingID.hex)"
        #expect(chain.ask("GET", target, as: VectorChain.bankA).status == 200)
        let none = String(repeating: "ab", count: 32)
        let unknown = String(decoding: Self.unsigned(chain, "/v1/txs/\(none)").body, as: UTF8.self).replacingOccurrences(of: none, with: "H")
        // The same answer as a hash that does not exist: nothing says the transaction is there.
        for r in [chain.ask("GET", target, as: VectorChain.bankB), Self.unsigned(chain, target)] {
            #expect(r.status == 404 && Self.code(r) == "NOT_FOUND")
            #expect(String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: chain.financingID.hex, with: "H") == unknown)
        }
    }

    /// A mortgage's whole record (principal, term, debtor, contract) goes to its parties only — the mortgagee bank and
    /// the real-estate registry; another bank asking by the id (a transaction hash its member node sees as a leaf)
    /// is answered as for an id never filed, proven or not. That bank verifies the lien instead, by certificate.
    @Test func aMortgageApplicationIsItsPartiesOnly() throws {
        let chain = try VectorChain()
        let target = "/v1/mortgage/applications/\(chain.applicationID.hex)"
        for party in [VectorChain.bankA, VectorChain.registry] {
            let r = chain.ask("GET", target + "?prove=true", as: party)
            #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self).contains(#""contractHash""#))
        }
        let none = String(repeating: "ab", count: 32)
        let unknown = String(decoding: chain.ask("GET", "/v1/mortgage/applications/\(none)", as: VectorChain.bankB).body, as: UTF8.self)
            .replacingOccurrences(of: none, with: "H")
        for r in [chain.ask("GET", target, as: VectorChain.bankB), chain.ask("GET", target + "?prove=true", as: VectorChain.bankB)] {
            #expect(r.status == 404 && Self.code(r) == "NOT_FOUND")
            #expect(String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: chain.applicationID.hex, with: "H") == unknown)
        }
        let lien = chain.ask("GET", "/v1/mortgage/certificates/\(chain.certificateNumber)?prove=true", as: VectorChain.bankB)
        let text = String(decoding: lien.body, as: UTF8.self)
        #expect(lien.status == 200 && text.contains(chain.applicationID.hex) && text.contains(#""priority":1"#) && !text.contains(#""principal""#), "\(text.prefix(400))")
    }

    /// A running full node stops gossiping to a member from the commit that makes it a member node.
    @Test func aMemberTurnedMemberNodeIsSentNoMoreGossip() throws {
        let chain = try VectorChain()
        let node = chain.node
        node.members.refresh()
        let bankB = "http://127.0.0.1:3"
        let vote = GossipMessage.vote(Vote(type: .prevote, height: 99, round: 0, blockHash: nil, validator: 0))
        node.gossip.broadcast(vote)
        #expect(node.gossip.queued(url: bankB) == 1)
        try Self.makeMemberNode(chain)
        node.members.refresh()
        #expect(node.gossip.queued(url: bankB) == 0)
        // Another vote (the same one still waits in the full node's queue, so it is not queued again).
        node.gossip.broadcast(.vote(Vote(type: .prevote, height: 100, round: 0, blockHash: nil, validator: 0)))
        #expect(node.gossip.queued(url: bankB) == 0 && node.gossip.queued(url: "http://127.0.0.1:2") == 2)
        #expect(node.gossip.snapshot.first { $0.url == bankB }?.fullNode == false)
    }

    /// Proofs cost a full node a tree read per key: each member may ask `maxProofsPerSecond` a second (a burst of
    /// twice that); the same read without a proof, and another member's proofs, are not held back.
    @Test func proofsAreRationedPerMember() throws {
        let chain = try VectorChain()
        let quota = chain.node.query.proofQuota
        #expect(quota.rate == APILimits().maxProofsPerSecond)
        // bank-b's bucket emptied as of a moment from now: nothing refills it before this test's requests.
        let later = Date().timeIntervalSince1970 + 60
        for _ in 0..<(2 * quota.rate) { try quota.take("bank-b", now: later) }
        let target = "/v1/mortgage/units/\(VectorChain.unit)/encumbrances"
        let refused = chain.ask("GET", target + "?prove=true", as: VectorChain.bankB)
        #expect(refused.status == 429 && Self.code(refused) == "RATE_LIMITED")
        #expect(chain.ask("GET", target, as: VectorChain.bankB).status == 200)
        #expect(chain.ask("GET", target + "?prove=true", as: VectorChain.bankA).status == 200)
    }

    @Test func aCallerQuotaRefillsAtItsRate() throws {
        let q = CallerQuota(rate: 10, what: "proofs")
        for _ in 0..<20 { try q.take("a", now: 5) }
        #expect(throws: APIError.self) { try q.take("a", now: 5) }
        try q.take("b", now: 5)
        // A quarter second later: two and a half refilled.
        try q.take("a", now: 5.25)
        try q.take("a", now: 5.25)
        #expect(throws: APIError.self) { try q.take("a", now: 5.25) }
    }
}
