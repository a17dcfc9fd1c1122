import Foundation
import Testing
@testable import YongchainNode

/// What /healthz says when the node cannot do its job and why (issue 24, items 6 and 9).
@Suite struct NodeHealthTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    var ms0: Int64 { Int64(t0.timeIntervalSince1970 * 1000) }

    func peer(_ name: String, reachedAt: Int64? = nil, error: String? = nil) -> PeerInfo {
        var p = PeerInfo(name: name, url: "https://\(name):26601", host: name, port: 26601)
        p.lastContactMs = reachedAt
        p.lastError = error
        return p
    }

    @Test func aNodeThatReachesNoPeerSaysSoAndWhyForEachPeer() {
        let h = NodeHealth(stallSeconds: 30, now: t0)
        let peers = [peer("bank-a", error: "HTTP 400 TLS_REQUIRED"), peer("bank-b", error: "connection refused")]
        #expect(h.problem(now: t0.addingTimeInterval(29), peers: peers) == nil, "a node just started gets the bound to reach someone")
        let p = h.problem(now: t0.addingTimeInterval(31), peers: peers)
        #expect(p?.code == "PEERS_UNREACHABLE")
        #expect(p?.message.contains("bank-a (https://bank-a:26601): HTTP 400 TLS_REQUIRED") == true, "\(p?.message ?? "")")
        #expect(p?.message.contains("bank-b (https://bank-b:26601): connection refused") == true)
        // One peer answering within the bound is enough; a node without peers (a one-validator chain) is fine.
        h.committed(at: t0.addingTimeInterval(40))
        let reached = [peers[0], peer("bank-b", reachedAt: ms0 + 20_000)]
        #expect(h.problem(now: t0.addingTimeInterval(31), peers: reached) == nil)
        #expect(h.problem(now: t0.addingTimeInterval(49), peers: reached) == nil)
        #expect(h.problem(now: t0.addingTimeInterval(51), peers: reached)?.code == "PEERS_UNREACHABLE")
        #expect(h.problem(now: t0.addingTimeInterval(29), peers: []) == nil)
    }

    @Test func notCaughtUpOnlyWhenSignaturesShowTheChainAheadAndNothingCommits() {
        let h = NodeHealth(stallSeconds: 30, now: t0)
        let reached = [peer("bank-a", reachedAt: ms0 + 30_000)]
        #expect(h.problem(now: t0.addingTimeInterval(29), peers: reached, behind: true) == nil, "behind but within the bound: catching up")
        #expect(h.problem(now: t0.addingTimeInterval(31), peers: reached, behind: true)?.code == "NOT_CAUGHT_UP")
        #expect(h.problem(now: t0.addingTimeInterval(31), peers: reached, behind: false)?.code == "NOT_COMMITTING")
        h.committed(at: t0.addingTimeInterval(30))
        #expect(h.problem(now: t0.addingTimeInterval(31), peers: reached, behind: true) == nil, "committing: it is catching up")
    }

    @Test func divergenceIsFinalAndOutranksEverythingButCorruption() {
        let h = NodeHealth(stallSeconds: 30, now: t0)
        h.storageFailed("disk full")
        h.diverged("block 7 …")
        #expect(h.problem(now: t0)?.code == "STATE_DIVERGED")
        h.committed(at: t0)
        #expect(h.problem(now: t0)?.code == "STATE_DIVERGED", "divergence does not clear by itself")
        h.corrupted("block 3")
        #expect(h.problem(now: t0)?.code == "STORAGE_CORRUPT")
        #expect(NodeHealth.codes.first == "STORAGE_CORRUPT" && NodeHealth.codes.contains("STATE_DIVERGED"))
    }
}
