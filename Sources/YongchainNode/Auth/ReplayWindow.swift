/// An anti-replay sliding window over sequence numbers, as IPsec (RFC 4303 §3.4.3) and DTLS (RFC 6347 §4.1.2.6)
/// keep one: the highest number accepted so far and a bitmap of which of the `size` numbers at and below it were
/// seen. Requests sent over several connections may arrive slightly out of order and are still accepted once each;
/// a number more than `size - 1` below the highest is refused, since the window no longer knows whether it was seen.
///
/// Numbers start at 1: 0 is never accepted, so a fresh window needs no special case.
struct ReplayWindow: Sendable, Equatable {
    static let size = 1024
    private static let words = size / 64

    enum Verdict: Sendable, Hashable {
        case fresh
        case replayed
        /// More than `size - 1` below the highest number accepted.
        case tooOld
    }

    /// The highest number accepted (0: none yet).
    private(set) var highest: UInt64 = 0
    /// Bit i (word i / 64, bit i % 64) says whether `highest - i` was accepted.
    private var bits = [UInt64](repeating: 0, count: ReplayWindow.words)

    /// What `accept` would answer, without changing anything.
    func check(_ seq: UInt64) -> Verdict {
        if seq == 0 { return .replayed }
        if seq > highest { return .fresh }
        let d = highest - seq
        if d >= UInt64(Self.size) { return .tooOld }
        return bits[Int(d / 64)] >> (d % 64) & 1 == 1 ? .replayed : .fresh
    }

    /// Accepts `seq` if it is fresh, remembering it; otherwise leaves the window as it was.
    mutating func accept(_ seq: UInt64) -> Verdict {
        let verdict = check(seq)
        guard verdict == .fresh else { return verdict }
        if seq > highest {
            shift(by: seq - highest)
            highest = seq
            bits[0] |= 1
        } else {
            let d = highest - seq
            bits[Int(d / 64)] |= 1 << (d % 64)
        }
        return .fresh
    }

    /// Moves every bit `d` places towards older numbers; bits pushed past the end are forgotten.
    private mutating func shift(by d: UInt64) {
        guard d < UInt64(Self.size) else {
            for i in bits.indices { bits[i] = 0 }
            return
        }
        let wordShift = Int(d / 64), bitShift = Int(d % 64)
        for i in stride(from: Self.words - 1, through: 0, by: -1) {
            let from = i - wordShift
            var w: UInt64 = from >= 0 ? bits[from] << bitShift : 0
            if bitShift > 0, from - 1 >= 0 { w |= bits[from - 1] >> (64 - bitShift) }
            bits[i] = w
        }
    }
}
