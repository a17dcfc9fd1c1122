import Foundation

/// A peer as this node knows it: where it is, what we verified about it, and what it merely claims.
///
/// Gossip envelopes, gossip replies and `/v1/status` answers are not signed, so what they say (a height, a name)
/// is a claim: it may only hint where to fetch blocks, it expires, and it is never reported. What the node reports
/// (`height`) rests on what it verified: blocks the peer served with valid commit certificates, or consensus
/// messages signed by the peer's validator key.
struct PeerInfo: Sendable {
    let name: String
    let url: String
    let host: String
    let port: UInt16
    /// The highest height this peer is proven to have committed, reported by /v1/peers and /metrics: from
    /// certified blocks it served, or its signed messages at most `Gossip.signedHeightWindow` above our tip.
    var height: UInt64 = 0
    /// When this node last reached the peer itself (an outbound request it answered), in ms since the epoch.
    var lastContactMs: Int64?
    var lastError: String?
    var sent: Int = 0
    var failures: Int = 0
    /// The height the peer last claimed, unverified: only a hint for catch-up. Never reported.
    var claimedHeight: UInt64 = 0
    var claimedAtMs: Int64 = 0
    /// Claims from this peer are ignored until then (ms): set when a claim proved false (nothing above our tip to
    /// fetch there), doubling each time up to `Gossip.maxClaimPenaltyMs`, cleared when the peer serves blocks.
    var ignoreClaimsUntilMs: Int64 = 0
    /// False once governance made its member run a member node (`member.setNode`): it is sent no gossip and asked
    /// for no blocks until it is made full again.
    var fullNode = true
    var claimPenaltyMs: Int64 = 0
}
