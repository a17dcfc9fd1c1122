import Foundation

/// What /healthz, /v1/status, /metrics, the status page and catch-up's log report: the node's own record
/// (`NodeHealth`) with what it knows of its peers (`Gossip`) and of the chain ahead (`CatchUpStatus`, from
/// signatures only).
struct HealthReport: Sendable {
    let health: NodeHealth
    let gossip: Gossip
    let catchUp: CatchUpStatus
    let view: ChainView

    func problem(now: Date = Date()) -> NodeHealth.Problem? {
        health.problem(now: now, peers: gossip.snapshot, behind: catchUp.isBehind(tip: view.height))
    }
}
