import YongchainCore
import YongchainCrypto

extension TendermintCore {
    /// After a restart, right after `.startHeight(h)`: restores the locked and valid values this validator had
    /// recorded at height `h` before the crash, so it keeps honouring its lock (lines 23 and 29 check it) even
    /// though the proposal and votes that set it are gone. Values of another height are ignored.
    mutating func restoreLock(height h: UInt64, locked: (value: Hash, round: Int32)?, valid: (value: Hash, round: Int32)?) {
        guard h == height else { return }
        if let locked, locked.round > lockedRound {
            lockedValue = locked.value
            lockedRound = locked.round
        }
        if let valid, valid.round > validRound {
            validValue = valid.value
            validRound = valid.round
        }
    }

    /// A fresh core, after a restart at height `h` in which this validator last signed `signed` in round `r`:
    /// line 10 for `h`, the persisted locked and valid values, and then the round and step of that message, as
    /// CometBFT reaches them by replaying its WAL.
    ///
    /// Starting at round 0 instead stalls a network with no spare validator: the guard refuses every message of
    /// the earlier rounds, and the messages of a later round that the others need to follow (line 55, 65) may
    /// exist nowhere else any more. `entry` is the `justification` persisted with that message, kept as the
    /// reason for being in `r` so that the next persisted record carries it too; the caller feeds its votes.
    ///
    /// At step propose this is StartRound(r) (propose, timeoutPropose). At prevote and precommit nothing is
    /// scheduled: that step's timeout comes from its quorum rule (lines 34 and 47), like for any validator there.
    mutating func resume(height h: UInt64, round r: Int32, signed: SignerGuard.SignStep, locked: SignerRecord.RoundValue?,
                         valid: SignerRecord.RoundValue?, entry: [Vote], _ out: inout [ConsensusOutput]) {
        _ = beginHeight(h)
        restoreLock(height: h, locked: locked.map { ($0.value, $0.round) }, valid: valid.map { ($0.value, $0.round) })
        roundEntry = entry
        switch signed {
        case .proposal:
            startRound(r, &out)
        case .prevote, .precommit:
            round = r
            step = signed == .prevote ? .prevote : .precommit
            prevoteTimeoutScheduled = false
            polkaHandled = false
            precommitTimeoutScheduled = false
            awaitingValue = false
        }
        evaluate(&out)
    }
}
