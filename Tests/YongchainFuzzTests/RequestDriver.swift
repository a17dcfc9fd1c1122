import Dispatch
import Foundation
import Synchronization
@testable import YongchainHTTP
import YongchainTestSupport
@testable import YongchainNode

/// Feeds rendered requests through the parser to `API.handle` and applies the per-response oracles.
///
/// A read with `minHeight` or a submission with `wait` may legitimately wait for a later block; those run on a
/// bounded pool (the node commits a block every ~100 ms, so they end soon) so that they neither stall the loop
/// nor are left out. When the pool is full, or the budget has too little left to wait for them, such an input is
/// skipped and counted.
final class RequestDriver: @unchecked Sendable {
    let fixture: NodeFixture
    let run: FuzzRun
    static let maxWaiting = 32
    /// Waiting requests are not started in the budget's last seconds: a read may wait for 64 blocks (~7 s).
    static let waitingCutoff = 8.0
    private let waiting = Atomic<Int>(0)
    private let group = DispatchGroup()
    private let pool = DispatchQueue(label: "fuzz.waiting-requests", attributes: .concurrent)
    private(set) var skipped = 0

    init(_ fixture: NodeFixture, _ run: FuzzRun) {
        self.fixture = fixture
        self.run = run
    }

    func execute(_ r: FuzzRequest, _ rng: inout SplitMix64, index: Int) {
        let raw = r.render(fixture, &rng)
        run.trace(index, r.summary)
        var parser = HTTPRequestParser()
        parser.feed(raw)
        for _ in 0..<4 {
            switch parser.next() {
            case .request(let req):
                if req.query["minHeight"] != nil || req.query["wait"] != nil {
                    guard run.remaining > Self.waitingCutoff else { skipped += 1; continue }
                    guard waiting.add(1, ordering: .relaxed).newValue <= Self.maxWaiting else {
                        waiting.subtract(1, ordering: .relaxed)
                        skipped += 1
                        continue
                    }
                    group.enter()
                    pool.async { [self] in
                        let resp = fixture.api.handle(req)
                        Oracles.check(req, resp, run, index: index, r.summary)
                        waiting.subtract(1, ordering: .relaxed)
                        group.leave()
                    }
                } else {
                    let resp = fixture.api.handle(req)
                    Oracles.check(req, resp, run, index: index, r.summary)
                    keepSessionUsable(r, resp)
                }
            case .needMoreData:
                return
            case .error(let status, let code, let message):
                Oracles.check(nil, HTTPResponse.error(status, code: code, message: message), run, index: index, r.summary)
                return
            }
        }
    }

    /// A session the node no longer accepts (evicted by newer ones, or its window pushed to the top by an edge
    /// sequence number the MAC covered) is reopened, so that session requests keep reaching the routes.
    private func keepSessionUsable(_ r: FuzzRequest, _ resp: HTTPResponse) {
        guard case .session(let caller, _) = r.auth, resp.status == 401,
              let code = APISession.errorCode(resp.body).code,
              ["AUTH_UNKNOWN_SESSION", "AUTH_REPLAYED", "AUTH_SEQ_TOO_OLD", "AUTH_SESSION_EXPIRED"].contains(code) else { return }
        fixture.forgetSession(caller)
    }

    /// Waits for the pool's requests, at most `seconds`.
    func drain(seconds: Double = 15) {
        if group.wait(timeout: .now() + seconds) == .timedOut {
            FuzzRun.log("fuzz[\(run.family)] \(waiting.load(ordering: .relaxed)) waiting requests still running after \(Int(seconds)) s")
        }
    }
}
