import YongchainCore
import YongchainCrypto

extension TendermintCore {
    /// After a restart, right after `.startHeight(h)`: restores the locked and valid values this validator had
    /// recorded at height `h` before the crash, so it keeps honouring its lock (lines 23 and 29 check it) even
    /// though the proposal and votes that set it are gone. Values of another height are ignored.
    public mutating func restoreLock(height h: UInt64, locked: (value: Hash, round: Int32)?, valid: (value: Hash, round: Int32)?) {
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
}
