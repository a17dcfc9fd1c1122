import YongchainCore

/// Which of the paper's three timeouts.
public enum TimeoutKind: String, Sendable, Hashable, CaseIterable {
    case propose, prevote, precommit
}

/// A timeout the core asked the shell to schedule. The shell hands it back unchanged as `.timeout(_)` when it
/// fires; the core ignores it unless it is still for the current height, round and step (paper lines 57-67).
public struct Timeout: Sendable, Hashable, CustomStringConvertible {
    public let kind: TimeoutKind
    public let height: UInt64
    public let round: Int32

    public init(kind: TimeoutKind, height: UInt64, round: Int32) {
        self.kind = kind
        self.height = height
        self.round = round
    }

    public var description: String { "timeout\(kind.rawValue.capitalized)(h=\(height), r=\(round))" }
}

/// The paper's `timeoutX(r) = initTimeoutX + r * timeoutDelta`, in milliseconds. Timeouts grow with the round
/// so that, after the network stabilises, some round is long enough for every correct validator to hear every
/// other one (the paper's liveness argument).
public struct TimeoutParameters: Sendable, Equatable {
    public var proposeMs: Int
    public var proposeDeltaMs: Int
    public var prevoteMs: Int
    public var prevoteDeltaMs: Int
    public var precommitMs: Int
    public var precommitDeltaMs: Int

    public init(proposeMs: Int, proposeDeltaMs: Int, prevoteMs: Int, prevoteDeltaMs: Int,
                precommitMs: Int, precommitDeltaMs: Int) {
        precondition([proposeMs, proposeDeltaMs, prevoteMs, prevoteDeltaMs, precommitMs, precommitDeltaMs].allSatisfy { $0 >= 0 },
                     "timeouts must not be negative")
        self.proposeMs = proposeMs
        self.proposeDeltaMs = proposeDeltaMs
        self.prevoteMs = prevoteMs
        self.prevoteDeltaMs = prevoteDeltaMs
        self.precommitMs = precommitMs
        self.precommitDeltaMs = precommitDeltaMs
    }

    /// `base + round * delta`, saturating instead of overflowing for absurd rounds.
    public func duration(_ kind: TimeoutKind, round: Int32) -> Int {
        let (base, delta): (Int, Int)
        switch kind {
        case .propose: (base, delta) = (proposeMs, proposeDeltaMs)
        case .prevote: (base, delta) = (prevoteMs, prevoteDeltaMs)
        case .precommit: (base, delta) = (precommitMs, precommitDeltaMs)
        }
        let (grow, o1) = Int(max(round, 0)).multipliedReportingOverflow(by: delta)
        let (total, o2) = base.addingReportingOverflow(grow)
        return o1 || o2 ? Int.max : total
    }
}

extension TimeoutParameters {
    /// The timeouts a genesis or a governance decision sets (`ConsensusParameters.validate()` bounds each one).
    public init(_ c: ConsensusParameters) {
        self.init(proposeMs: c.timeoutProposeMs, proposeDeltaMs: c.timeoutProposeDeltaMs, prevoteMs: c.timeoutPrevoteMs,
                  prevoteDeltaMs: c.timeoutPrevoteDeltaMs, precommitMs: c.timeoutPrecommitMs, precommitDeltaMs: c.timeoutPrecommitDeltaMs)
    }
}
