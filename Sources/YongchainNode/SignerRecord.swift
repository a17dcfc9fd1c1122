import YongchainConsensus
import YongchainCore
import YongchainCrypto

/// What a validator persists before any signature leaves it: the double-sign guard, and the consensus lock it
/// held when signing, so a restart resumes past every round it signed in and still honours its lock.
struct SignerRecord: CanonicalCodable {
    var guardState: SignerGuard
    var height: UInt64
    var locked: (value: Hash, round: Int32)?
    var valid: (value: Hash, round: Int32)?

    init(guardState: SignerGuard, height: UInt64, locked: (value: Hash, round: Int32)?, valid: (value: Hash, round: Int32)?) {
        self.guardState = guardState
        self.height = height
        self.locked = locked
        self.valid = valid
    }

    func encode(to w: inout CanonicalWriter) {
        w.item(guardState)
        w.u64(height)
        for pair in [locked, valid] {
            if let p = pair { w.u8(1); w.hash(p.value); w.u32(UInt32(bitPattern: p.round)) } else { w.u8(0) }
        }
    }

    init(from r: inout CanonicalReader) throws {
        guardState = try r.item()
        height = try r.u64("signer.height")
        var pairs: [(value: Hash, round: Int32)?] = []
        for _ in 0..<2 {
            pairs.append(try r.bool("signer.lock") ? (try r.hash("signer.lock.value"), Int32(bitPattern: try r.u32("signer.lock.round"))) : nil)
        }
        locked = pairs[0]
        valid = pairs[1]
    }
}
