import Testing
import YongchainCrypto
@testable import YongchainNode
import YongchainTestSupport

/// The pure parts of API sessions: the replay window and the session table, with the clock passed in.
@Suite struct SessionTableTests {
    let a = try! PrivateKey.fromSeed([UInt8](repeating: 1, count: 32)).publicKey
    let b = try! PrivateKey.fromSeed([UInt8](repeating: 2, count: 32)).publicKey
    let now: Int64 = 1_700_000_000_000

    func id(_ n: UInt64) -> SessionID { SessionID(bytes: [UInt8](repeating: 0, count: 8) + withUnsafeBytes(of: n.bigEndian) { Array($0) })! }

    // MARK: - Replay window

    @Test func windowAcceptsEachNumberOnceInAnyOrderWithinItsWidth() {
        var w = ReplayWindow()
        #expect(w.accept(5) == .fresh)
        #expect(w.accept(5) == .replayed)
        #expect(w.accept(3) == .fresh, "slightly out of order")
        #expect(w.accept(3) == .replayed)
        #expect(w.accept(0) == .replayed, "0 is never a sequence number")
        #expect(w.accept(1029) == .fresh)
        #expect(w.accept(6) == .fresh, "1029 - 6 = 1023: the oldest number the window still knows")
        #expect(w.accept(5) == .tooOld, "1029 - 5 = 1024: below the window")
        #expect(w.accept(1029 + 5000) == .fresh, "a jump past the whole width forgets everything")
        #expect(w.accept(1029) == .tooOld)
        #expect(w.accept(UInt64.max) == .fresh)
        #expect(w.accept(UInt64.max) == .replayed)
        #expect(w.accept(UInt64.max - 1023) == .fresh)
        #expect(w.accept(UInt64.max - 1024) == .tooOld)
    }

    /// The bitmap window against a naive one that remembers every number, on seeded random arrival orders:
    /// mostly increasing with local shuffles, repeats, and the odd jump (as keep-alive connections deliver them).
    @Test func windowAgreesWithANaiveSetOnRandomArrivals() {
        var verdicts: [ReplayWindow.Verdict: Int] = [:]
        for seed in UInt64(1)...60 {
            var rng = SplitMix64(seed: seed)
            var w = ReplayWindow()
            var seen = Set<UInt64>(), highest: UInt64 = 0
            var next: UInt64 = 1
            for step in 0..<3000 {
                let r = rng.next() % 100
                let seq: UInt64
                switch r {
                case 0..<60: seq = next; next += 1 + rng.next() % 3
                case 60..<80: seq = highest > 40 ? highest - rng.next() % 40 : next           // recent: maybe a replay
                case 80..<92: seq = highest > 1200 ? highest - 900 - rng.next() % 250 : next  // near the window's edge
                case 92..<97: seq = max(1, rng.next() % (highest + 2))                        // anywhere seen so far
                default: next += rng.next() % 3000; seq = next                                  // a jump
                }
                let expected: ReplayWindow.Verdict
                if seq > highest { expected = .fresh }
                else if highest - seq >= UInt64(ReplayWindow.size) { expected = .tooOld }
                else { expected = seen.contains(seq) ? .replayed : .fresh }
                let got = w.accept(seq)
                #expect(got == expected, "seed \(seed) step \(step): seq \(seq), highest \(highest)")
                if got != expected { return }
                verdicts[got, default: 0] += 1
                if expected == .fresh { seen.insert(seq); highest = max(highest, seq) }
            }
        }
        #expect(verdicts.count == 3 && verdicts.values.allSatisfy { $0 > 1000 }, "every verdict is exercised: \(verdicts)")
    }

    // MARK: - Table

    @Test func sessionsLiveForTheirLifetimeFromTheHandshake() {
        var t = SessionTable(limits: SessionLimits(lifetimeMs: 1000))
        #expect(t.open(id(1), owner: a, key: HMACKey([1]), nowMs: now) == .opened(expiresAtMs: now + 1000, evicted: nil))
        #expect(t.find(id(1), nowMs: now + 999) == .live(owner: a, key: HMACKey([1])))
        #expect(t.accept(id(1), seq: 1, nowMs: now + 999) == .accepted)
        #expect(t.find(id(1), nowMs: now + 1000) == .expired(atMs: now + 1000))
        #expect(t.accept(id(1), seq: 2, nowMs: now + 1000) == .expired(atMs: now + 1000))
        #expect(t.find(id(2), nowMs: now) == .unknown)
        #expect(t.accept(id(2), seq: 1, nowMs: now) == .unknown)
        #expect(t.prune(nowMs: now + 1000) == 1)
        #expect(t.find(id(1), nowMs: now + 1000) == .unknown)
    }

    @Test func eachSessionHasItsOwnWindow() {
        var t = SessionTable(limits: SessionLimits())
        _ = t.open(id(1), owner: a, key: HMACKey([1]), nowMs: now)
        _ = t.open(id(2), owner: a, key: HMACKey([2]), nowMs: now)
        #expect(t.accept(id(1), seq: 1, nowMs: now) == .accepted)
        #expect(t.accept(id(2), seq: 1, nowMs: now) == .accepted)
        #expect(t.accept(id(1), seq: 1, nowMs: now) == .replayed)
        #expect(t.accept(id(1), seq: 2000, nowMs: now) == .accepted)
        #expect(t.accept(id(1), seq: 2, nowMs: now) == .tooOld(highest: 2000))
        #expect(t.open(id(1), owner: b, key: HMACKey([3]), nowMs: now) == .idInUse)
    }

    /// A key at its cap displaces its own oldest session, never another key's.
    @Test func aKeyOverItsCapEvictsItsOwnOldestSession() {
        var t = SessionTable(limits: SessionLimits(maxSessions: 100, maxSessionsPerKey: 3))
        _ = t.open(id(100), owner: b, key: HMACKey([0]), nowMs: now)
        for i: UInt64 in 1...3 { #expect(t.open(id(i), owner: a, key: HMACKey([UInt8(i)]), nowMs: now + Int64(i)) == .opened(expiresAtMs: now + Int64(i) + 3_600_000, evicted: nil)) }
        #expect(t.open(id(4), owner: a, key: HMACKey([4]), nowMs: now + 4) == .opened(expiresAtMs: now + 4 + 3_600_000, evicted: id(1)))
        #expect(t.find(id(1), nowMs: now + 5) == .unknown)
        #expect(t.count(of: a) == 3 && t.count(of: b) == 1 && t.count == 4)
        #expect(t.find(id(100), nowMs: now + 5) == .live(owner: b, key: HMACKey([0])))
    }

    /// A key's expired sessions do not count towards its cap, so nothing live is evicted for them.
    @Test func expiredSessionsDoNotCountTowardsAKeysCap() {
        var t = SessionTable(limits: SessionLimits(lifetimeMs: 100, maxSessions: 100, maxSessionsPerKey: 2))
        _ = t.open(id(1), owner: a, key: HMACKey([1]), nowMs: now)
        _ = t.open(id(2), owner: a, key: HMACKey([2]), nowMs: now + 50)
        #expect(t.open(id(3), owner: a, key: HMACKey([3]), nowMs: now + 100) == .opened(expiresAtMs: now + 200, evicted: nil))
        #expect(t.find(id(2), nowMs: now + 100) == .live(owner: a, key: HMACKey([2])))
        #expect(t.count(of: a) == 2)
    }

    /// A full table refuses new sessions rather than evict anyone's, until sessions expire.
    @Test func aFullTableRefusesUntilSessionsExpire() {
        var t = SessionTable(limits: SessionLimits(lifetimeMs: 1000, maxSessions: 3, maxSessionsPerKey: 2))
        _ = t.open(id(1), owner: a, key: HMACKey([1]), nowMs: now)
        _ = t.open(id(2), owner: a, key: HMACKey([2]), nowMs: now)
        _ = t.open(id(3), owner: b, key: HMACKey([3]), nowMs: now + 500)
        let c = try! PrivateKey.fromSeed([UInt8](repeating: 3, count: 32)).publicKey
        #expect(t.open(id(4), owner: c, key: HMACKey([4]), nowMs: now + 10) == .full)
        #expect(t.count == 3 && t.count(of: c) == 0)
        // At its own cap, a key can still replace its own oldest even when the table is full.
        #expect(t.open(id(5), owner: a, key: HMACKey([5]), nowMs: now + 20) == .opened(expiresAtMs: now + 1020, evicted: id(1)))
        // Once a's first sessions expire, c gets a place.
        #expect(t.open(id(6), owner: c, key: HMACKey([6]), nowMs: now + 1000) == .opened(expiresAtMs: now + 2000, evicted: nil))
        #expect(t.find(id(2), nowMs: now + 1000) == .unknown && t.find(id(3), nowMs: now + 1000) == .live(owner: b, key: HMACKey([3])))
    }
}
